# TAP output for petrel's shell tests: source it, call ok/fail/check/skip,
# and end with tap_done (prints the plan; returns non-zero if anything
# failed). Test names say the behaviour checked.
TAP_N=0
TAP_FAILED=0

ok() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1"
}

# fail NAME [DIAGNOSTIC LINES...]
fail() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $1"
	shift
	local line
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/#   /'
	done
}

# skip NAME REASON
skip() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP $2"
}

# check NAME COMMAND...: ok when the command succeeds; its output is the
# diagnostic when it fails.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		fail "$name" "command: $*" "$(printf '%s\n' "$out" | tail -n 8)"
	fi
}

# is NAME GOT EXPECTED
is() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		fail "$1" "got:      $2" "expected: $3"
	fi
}

# like NAME TEXT PATTERN (grep -E)
like() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then
		ok "$1"
	else
		fail "$1" "got:      $2" "expected to match: $3"
	fi
}

tap_done() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}
