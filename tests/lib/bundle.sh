# Bundles and petrel invocations for the integration tests. Source after
# tap.sh. Needs $PETREL (the binary under test); uses a private --root and
# temporary directory per test script, removed by cleanup_all.
: "${PETREL:?PETREL must name the petrel binary}"
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TEST_TMP=$(mktemp -d /tmp/petrel-test.XXXXXX)
TEST_ROOT=$TEST_TMP/root
ROOTFS_CACHE=$TEST_TMP/rootfs
. "$TOP/tests/lib/pty.sh"

# petrel with the test's --root; stdio as the caller gives it. A created
# container keeps the caller's stdio: never read its output through a pipe
# you wait on, use files. A petrel that hangs fails its test instead of
# hanging the suite.
pt() {
	timeout -k 5 "${PETREL_TEST_TIMEOUT:-120}" "$PETREL" --root "$TEST_ROOT" "$@"
}

# make_bundle DIR: a busybox rootfs (shared, read-only use) and the default
# config with no terminal, sh as the process, and a relative cgroupsPath.
make_bundle() {
	local dir=$1
	mkdir -p "$dir"
	if [ ! -d "$ROOTFS_CACHE" ]; then
		"$TOP/contrib/make-busybox-rootfs.sh" "$ROOTFS_CACHE" >/dev/null
	fi
	ln -sfn "$ROOTFS_CACHE" "$dir/rootfs"
	"$PETREL" spec --bundle "$dir" >/dev/null
	edit_config "$dir" 'c["process"]["terminal"] = False; c["root"]["readonly"] = True'
}

# edit_config DIR PYTHON: runs PYTHON with c bound to config.json's content
# and writes it back (python keeps 64-bit integers exact; jq 1.6 does not).
edit_config() {
	python3 - "$1/config.json" "$2" <<'PY'
import json, sys
path, code = sys.argv[1], sys.argv[2]
with open(path) as f:
    c = json.load(f)
exec(code)
with open(path, "w") as f:
    json.dump(c, f, indent=1)
PY
}

# set_args DIR ARG...: process.args
set_args() {
	local dir=$1
	shift
	python3 - "$dir/config.json" "$@" <<'PY'
import json, sys
path, args = sys.argv[1], sys.argv[2:]
with open(path) as f:
    c = json.load(f)
c["process"]["args"] = args
with open(path, "w") as f:
    json.dump(c, f, indent=1)
PY
}

# json_get JSON_TEXT PYTHON_EXPR (with j bound to the parsed document)
json_get() {
	python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"
}

# state_field ID FIELD
state_field() {
	local s
	s=$(pt state "$1" 2>/dev/null) || return 1
	json_get "$s" "j.get('$2')"
}

# wait_status ID STATUS [TIMEOUT_S]
wait_status() {
	local i
	for i in $(seq 1 $((${3:-5} * 20))); do
		[ "$(state_field "$1" status)" = "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# The host's mount table, to compare before and after.
host_mounts() {
	awk '{print $5}' /proc/self/mountinfo | sort
}

# cleanup_all: deletes every container under the test's root, unmounts
# what the test mounted under its temporary directory (deepest first: never
# rm -rf through a mount) and removes the directory.
cleanup_all() {
	local id m
	if [ -d "$TEST_ROOT" ]; then
		for id in $(pt list -q 2>/dev/null); do
			pt delete --force "$id" >/dev/null 2>&1
		done
	fi
	grep -F " $TEST_TMP" /proc/self/mountinfo | awk '{print $5}' | sort -r |
		while read -r m; do umount -l "$m"; done
	rm -rf "$TEST_TMP"
}

# share_test_dir: makes the temporary directory a shared mount of its own,
# peer of nothing on the host, so that what crosses between the host and a
# container through it is visible to the test.
share_test_dir() {
	mount --bind "$TEST_TMP" "$TEST_TMP" && mount --make-private "$TEST_TMP" &&
		mount --make-shared "$TEST_TMP"
}

# state_dirs: the containers' state directories under --root (petrel's own
# entries start with a dot).
state_dirs() {
	find "$TEST_ROOT" -mindepth 1 -maxdepth 1 ! -name '.*' -printf '%f\n' 2>/dev/null
}

# leftovers: prints what a test left behind (state dirs, mounts of the test
# directory); empty when clean.
leftovers() {
	# .seccomp-cache stays on purpose: compiled filters are reused.
	[ -d "$TEST_ROOT" ] && ls -A "$TEST_ROOT" | grep -vx .seccomp-cache
	grep -F "$TEST_TMP" /proc/self/mountinfo
	return 0
}

# run_pt ARGS...: petrel with the test's root; status in $rc, output in $out
# and $err. Not for create or run (the container keeps their stdio).
run_pt() {
	pt "$@" >"$TEST_TMP/cmd.out" 2>"$TEST_TMP/cmd.err" </dev/null
	rc=$?
	out=$(cat "$TEST_TMP/cmd.out")
	err=$(cat "$TEST_TMP/cmd.err")
}

# pt_bundle CMD NAME [FLAGS...]: `create` or `run` (foreground or -d) of
# container NAME from bundle $TEST_TMP/NAME, with the global flag
# $PT_GLOBAL if set; its stdio (and the command's) go to $TEST_TMP/NAME.out
# and NAME.err. Status in $rc, stderr in $err.
pt_bundle() {
	local cmd=$1 name=$2
	shift 2
	pt ${PT_GLOBAL:+"$PT_GLOBAL"} "$cmd" --bundle "$TEST_TMP/$name" "$@" "$name" \
		>"$TEST_TMP/$name.out" 2>"$TEST_TMP/$name.err" </dev/null
	rc=$?
	err=$(cat "$TEST_TMP/$name.err")
}

# wait_output FILE PATTERN [TIMEOUT_S]: until FILE has a line matching PATTERN.
wait_output() {
	local _
	for _ in $(seq 1 $((${3:-10} * 20))); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# proc_alive PID: the process exists and is not a zombie.
proc_alive() {
	local stat
	[ -n "$1" ] || return 1
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	case "${stat%% *}" in
	Z | X) return 1 ;;
	esac
	return 0
}
