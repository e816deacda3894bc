#!/bin/bash
# linux.seccomp as the container's processes see it, through `petrel run`:
# every action, every operator at its boundaries (64-bit values included),
# AND and OR of conditions, errno values, architectures, flags, the ENOSYS
# answer for system calls newer than the profile, the notify listener (with
# contrib/seccomp-notify-receiver), the errors and warnings of bad profiles,
# the cache of compiled programs, and a Docker-style default profile
# (tests/integration/seccomp/default-profile.json). The calls are made by
# tests/helpers/syscall (static) copied into a busybox rootfs. Needs root;
# prints TAP. PETREL names the binary, SYSCALL_HELPER and NOTIFY_RECEIVER the
# helpers (default: under $top_builddir).

. "$(dirname "$0")/../lib/integration.sh" seccomp_integration
builddir=${top_builddir:-$(dirname "$PETREL")}
SYSCALL_HELPER=${SYSCALL_HELPER:-$builddir/tests/helpers/syscall}
NOTIFY_RECEIVER=${NOTIFY_RECEIVER:-$builddir/contrib/seccomp-notify-receiver}
DEFAULT_PROFILE=$top/tests/integration/seccomp/default-profile.json
# The system's python3 first (as tests/run.sh does): a pyenv shim costs
# 0.1 s a call, and the bundles are written with python3.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
if [ ! -x "$SYSCALL_HELPER" ] || [ ! -x "$NOTIFY_RECEIVER" ]; then
	fail "seccomp_helpers_are_built" "missing: $SYSCALL_HELPER or $NOTIFY_RECEIVER" \
		"(make check TESTS= builds them)"
	tap_done
	exit
fi
if readelf -l "$SYSCALL_HELPER" 2>/dev/null | grep -q 'program interpreter'; then
	fail "seccomp_syscall_helper_is_static" "$SYSCALL_HELPER is linked dynamically:" \
		"it cannot run in the busybox rootfs (configure without --disable-static-binary)"
	tap_done
	exit
fi

CACHE_ROOT=$TEST_TMP/cache-root
SC_ROOTFS=$TEST_TMP/sc-rootfs
receivers=()
cleanup() {
	local pid id
	for pid in "${receivers[@]}"; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	if [ -d "$CACHE_ROOT" ]; then
		for id in $("$PETREL" --root "$CACHE_ROOT" list -q 2>/dev/null); do
			"$PETREL" --root "$CACHE_ROOT" delete --force "$id" >/dev/null 2>&1
		done
	fi
	cleanup_all
}
trap cleanup EXIT

# ctr NAME PROFILE ARG...: bundle $TEST_TMP/NAME on the seccomp rootfs
# (busybox and /bin/syscall) with the config of make_bundle,
# linux.seccomp = PROFILE (a Python expression; None: no seccomp) and
# process.args ARG... One python3 run per bundle: the tests make many.
ctr() {
	local dir=$TEST_TMP/$1 profile=$2
	shift 2
	if [ ! -d "$SC_ROOTFS" ]; then
		make_bundle "$TEST_TMP/template"
		cp -a "$ROOTFS_CACHE" "$SC_ROOTFS" && cp "$SYSCALL_HELPER" "$SC_ROOTFS/bin/syscall"
	fi
	mkdir -p "$dir"
	ln -sfn "$SC_ROOTFS" "$dir/rootfs"
	python3 - "$TEST_TMP/template/config.json" "$dir/config.json" "$profile" "$@" <<'EOF'
import json, sys
template, path, profile, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
with open(template) as f:
    c = json.load(f)
c["process"]["args"] = args
p = eval(profile)
if p is not None:
    c["linux"]["seccomp"] = p
with open(path, "w") as f:
    json.dump(c, f, indent=1)
EOF
}

# run_ctr NAME [PETREL_ROOT]: petrel run of bundle NAME, stdio into files;
# status in $rc, output in $out and $err.
run_ctr() {
	local name=$1 root=${2:-$TEST_ROOT}
	"$PETREL" --root "$root" run --bundle "$TEST_TMP/$name" "$name" \
		>"$TEST_TMP/$name.out" 2>"$TEST_TMP/$name.err" </dev/null
	rc=$?
	out=$(cat "$TEST_TMP/$name.out")
	err=$(cat "$TEST_TMP/$name.err")
}

# expect NAME RC PATTERN...: the last run_ctr exited RC and its stdout
# matches every pattern (grep -E; a leading ! negates).
expect() {
	local name=$1 want_rc=$2 pattern missing=()
	shift 2
	for pattern in "$@"; do
		if [[ $pattern == '!'* ]]; then
			! printf '%s\n' "$out" | grep -Eq -- "${pattern#!}" || missing+=("$pattern")
		else
			printf '%s\n' "$out" | grep -Eq -- "$pattern" || missing+=("$pattern")
		fi
	done
	if [ "$rc" = "$want_rc" ] && [ ${#missing[@]} -eq 0 ]; then
		ok "$name"
	else
		fail "$name" "exit status $rc (expected $want_rc)" "stdout: $out" "stderr: $err" \
			"patterns not matched: ${missing[*]}"
	fi
}

# create_fails NAME PATTERN...: create must fail, its error must match every
# pattern, and it must leave nothing behind.
create_fails() {
	local name=$1 pattern missing=()
	shift
	pt create --bundle "$TEST_TMP/$name" "$name" \
		>"$TEST_TMP/$name.out" 2>"$TEST_TMP/$name.err" </dev/null
	rc=$?
	err=$(cat "$TEST_TMP/$name.err")
	[ "$rc" -ne 0 ] || pt delete --force "$name" >/dev/null 2>&1
	for pattern in "$@"; do
		printf '%s\n' "$err" | grep -Eq -- "$pattern" || missing+=("$pattern")
	done
	local left
	left=$(leftovers | grep -v '^\.seccomp-cache$')
	if [ "$rc" -ne 0 ] && [ ${#missing[@]} -eq 0 ] && [ -z "$left" ]; then
		ok "$name"
		printf '%s\n' "$err" | sed 's/^/#   /'
	else
		fail "$name" "exit status $rc, stderr: $err" "patterns not matched: ${missing[*]}" \
			"left behind: $left"
	fi
}

# The errno values of the helper's output lines, space-separated.
errnos() {
	printf '%s\n' "$out" | sed -n 's/^ret=.* errno=\([0-9]*\)$/\1/p' | tr '\n' ' ' | sed 's/ $//'
}

# For each of the helper's output lines: yes when the call failed with 42
# (the rule matched), else no.
matched() {
	errnos | tr ' ' '\n' | sed 's/^42$/yes/; /^yes$/!s/.*/no/' | tr '\n' ' ' | sed 's/ $//'
}

# rule_on_getppid ACTION [ERRNO]: a profile allowing everything but getppid.
rule_on_getppid() {
	local e=${2:+', "errnoRet": '$2}
	echo '{"defaultAction": "SCMP_ACT_ALLOW",
	       "syscalls": [{"names": ["getppid"], "action": "'"$1"'"'"$e"'}]}'
}

# --------------------------------------------------------------- kernel log
# The kernel reports seccomp's LOG action, kills and FLAG_LOG'd actions as
# audit records (type 1326); without auditd they go to the kernel log, which
# printk rate-limits (10 records per 5 s, all of the machine's).

# kmsg_records SEQ: "seq message" for each kernel log record after SEQ.
kmsg_records() {
	python3 - "$1" <<'EOF'
import os, sys
after = int(sys.argv[1])
try:
    fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
except OSError:
    sys.exit(1)
while True:
    try:
        rec = os.read(fd, 8192).decode(errors="replace")
    except BlockingIOError:
        break
    except BrokenPipeError:
        continue
    head, _, msg = rec.partition(";")
    seq = int(head.split(",")[1])
    if seq > after:
        print(seq, msg.split("\n")[0])
EOF
}
kmsg_seq() {
	kmsg_records -1 | tail -n 1 | cut -d' ' -f1
}
# audit_record SEQ NR CODE: an audit record of the helper's call NR with
# seccomp action CODE (hex, without the action's data: 0x50000 for any
# errno) after SEQ.
audit_record() {
	kmsg_records "$1" | grep 'type=1326' | grep 'comm="syscall"' |
		grep -E "syscall=$2 .*code=$3\$"
}
# run_logged NAME NR CODE: runs NAME until the record shows (three tries
# over 10 s, for the rate limit); true when it did.
run_logged() {
	local seq try
	for try in 1 2 3; do
		seq=$(kmsg_seq)
		run_ctr "$1"
		audit_record "$seq" "$2" "$3" >/dev/null && return 0
		[ "$try" -lt 3 ] && sleep 5
	done
	return 1
}

# The records name system calls by number; nothing else the tests run calls
# getpgid.
nr_of() {
	awk -v n="__NR_$1" '$2 == n {print $3}' /usr/include/x86_64-linux-gnu/asm/unistd_64.h 2>/dev/null
}
nr_getpgid=$(nr_of getpgid)
nr_getppid=$(nr_of getppid)
if [ "$(uname -m)" != x86_64 ] || [ -z "$nr_getpgid" ]; then
	skip seccomp_log_action_is_audited "the audit checks assume x86_64"
	skip seccomp_flag_log_audits_errno_actions "the audit checks assume x86_64"
	skip seccomp_errno_action_is_not_audited_without_flag_log "the audit checks assume x86_64"
elif [ -z "$(kmsg_seq)" ]; then
	ctr log_action_allows '{"defaultAction": "SCMP_ACT_ALLOW",
	    "syscalls": [{"names": ["getpgid"], "action": "SCMP_ACT_LOG"}]}' /bin/syscall getpgid 0
	run_ctr log_action_allows
	expect seccomp_log_action_allows_the_call 0 '^ret=[1-9][0-9]* errno=0$'
	skip seccomp_flag_log_audits_errno_actions "/dev/kmsg is not readable"
	skip seccomp_errno_action_is_not_audited_without_flag_log "/dev/kmsg is not readable"
else
	ctr log_action_allows '{"defaultAction": "SCMP_ACT_ALLOW",
	    "syscalls": [{"names": ["getpgid"], "action": "SCMP_ACT_LOG"}]}' /bin/syscall getpgid 0
	if run_logged log_action_allows "$nr_getpgid" 0x7ffc0000; then
		expect seccomp_log_action_allows_and_is_audited 0 '^ret=[1-9][0-9]* errno=0$'
		audit_in_kmsg=1
	else
		# Whether audit records reach the kernel log at all: a kill always
		# makes one.
		ctr kill_probe '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		    {"names": ["getpgid"], "action": "SCMP_ACT_KILL_PROCESS"}]}' /bin/syscall getpgid 0
		seq=$(kmsg_seq)
		run_ctr kill_probe
		if audit_record "$seq" "$nr_getpgid" 0x80000000 >/dev/null; then
			fail seccomp_log_action_allows_and_is_audited \
				"a kill is audited in /dev/kmsg, SCMP_ACT_LOG was not" "stdout: $out"
		else
			run_ctr log_action_allows
			expect seccomp_log_action_allows_the_call 0 '^ret=[1-9][0-9]* errno=0$'
			skip seccomp_log_action_is_audited \
				"audit records do not reach /dev/kmsg (auditd runs, or audit=0)"
		fi
	fi
	if [ -n "${audit_in_kmsg:-}" ]; then
		# SECCOMP_FILTER_FLAG_LOG: the errno action is audited too.
		ctr errno_not_logged '{"defaultAction": "SCMP_ACT_ALLOW",
		    "syscalls": [{"names": ["getpgid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 42}]}' \
			/bin/syscall getpgid 0
		ctr flag_log '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG"],
		    "syscalls": [{"names": ["getpgid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 42}]}' \
			/bin/syscall getpgid 0
		if run_logged flag_log "$nr_getpgid" 0x50000; then
			expect seccomp_flag_log_audits_errno_actions 0 '^ret=-1 errno=42$'
		else
			fail seccomp_flag_log_audits_errno_actions "no audit record code=0x50000" \
				"stdout: $out" "stderr: $err"
		fi
		seq=$(kmsg_seq)
		run_ctr errno_not_logged
		if [ "$rc" = 0 ] && [ "$out" = "ret=-1 errno=42" ] &&
			! audit_record "$seq" "$nr_getpgid" 0x50000 >/dev/null; then
			ok seccomp_errno_action_is_not_audited_without_flag_log
		else
			fail seccomp_errno_action_is_not_audited_without_flag_log "exit status $rc" \
				"stdout: $out" "records: $(audit_record "$seq" "$nr_getpgid" 0x50000)"
		fi
	else
		skip seccomp_flag_log_audits_errno_actions \
			"audit records do not reach /dev/kmsg (auditd runs, or audit=0)"
		skip seccomp_errno_action_is_not_audited_without_flag_log \
			"audit records do not reach /dev/kmsg (auditd runs, or audit=0)"
	fi
fi

# ------------------------------------------------------------------ actions

ctr errno_ret "$(rule_on_getppid SCMP_ACT_ERRNO 42)" /bin/syscall getppid
run_ctr errno_ret
expect seccomp_errno_returns_errno_ret 0 '^ret=-1 errno=42$'

ctr errno_default_eperm "$(rule_on_getppid SCMP_ACT_ERRNO)" /bin/syscall getppid
run_ctr errno_default_eperm
expect seccomp_errno_without_errno_ret_is_eperm 0 '^ret=-1 errno=1$'

ctr errno_zero "$(rule_on_getppid SCMP_ACT_ERRNO 0)" /bin/syscall getppid
run_ctr errno_zero
expect seccomp_errno_ret_zero_returns_success_without_the_call 0 '^ret=0 errno=0$'

ctr kill_process "$(rule_on_getppid SCMP_ACT_KILL_PROCESS)" /bin/syscall --thread getppid
run_ctr kill_process
expect seccomp_kill_process_kills_the_whole_process 159 '!process alive' '!thread killed'

ctr kill_thread "$(rule_on_getppid SCMP_ACT_KILL_THREAD)" /bin/syscall --thread getppid
run_ctr kill_thread
expect seccomp_kill_thread_kills_only_the_thread 0 '^thread killed$' '^process alive$'

ctr kill_alias "$(rule_on_getppid SCMP_ACT_KILL)" /bin/syscall --thread getppid
run_ctr kill_alias
expect seccomp_kill_is_kill_thread 0 '^thread killed$' '^process alive$'

ctr kill_last_thread "$(rule_on_getppid SCMP_ACT_KILL_THREAD)" /bin/syscall getppid
run_ctr kill_last_thread
expect seccomp_kill_thread_of_the_only_thread_ends_the_process 159 '!^ret='

ctr trap_handled "$(rule_on_getppid SCMP_ACT_TRAP)" /bin/syscall --trap getppid
run_ctr trap_handled
expect seccomp_trap_sends_sigsys_to_the_handler 0 "^sigsys syscall=${nr_getppid:-[0-9]+} data=0\$"

ctr trap_unhandled "$(rule_on_getppid SCMP_ACT_TRAP)" /bin/syscall getppid
run_ctr trap_unhandled
expect seccomp_trap_without_handler_kills_with_sigsys 159 '!^ret='

ctr trace_no_tracer "$(rule_on_getppid SCMP_ACT_TRACE)" /bin/syscall getppid
run_ctr trace_no_tracer
expect seccomp_trace_without_tracer_returns_enosys 0 '^ret=-1 errno=38$'

ctr trace_errno "$(rule_on_getppid SCMP_ACT_TRACE 7)" /bin/syscall getppid
run_ctr trace_errno
expect seccomp_trace_takes_errno_ret_and_still_returns_enosys 0 '^ret=-1 errno=38$'

ctr allow_default '{"defaultAction": "SCMP_ACT_ALLOW"}' /bin/syscall getppid
run_ctr allow_default
expect seccomp_allow_default_without_rules_lets_calls_through 0 '^ret=[0-9]+ errno=0$'

# Several actions and errno values in one profile; the shell reports the
# status of the helper that was killed.
ctr many_actions '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 11},
    {"names": ["getuid"], "action": "SCMP_ACT_ERRNO"},
    {"names": ["getpgid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 4094},
    {"names": ["getgid"], "action": "SCMP_ACT_TRACE"},
    {"names": ["getpriority"], "action": "SCMP_ACT_LOG"},
    {"names": ["sched_yield"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["gettid"], "action": "SCMP_ACT_KILL_PROCESS"}]}' \
	/bin/sh -c 'for c in getppid getuid "getpgid 0" getgid "getpriority 0 0" 24; do
		/bin/syscall $c; done; /bin/syscall gettid; echo "status=$?"'
run_ctr many_actions
last=$(printf '%s\n' "$out" | tail -n 1)
is seccomp_several_actions_and_errno_values_in_one_profile "$rc $(errnos) $last" \
	"0 11 1 4094 38 0 0 status=159"

# --------------------------------------------------------- argument operators
# op_case NAME OP VALUE INDEX EXPECTED CALL_ARG...: getppid fails with 42 when
# argument INDEX OP VALUE; one call per CALL_ARG (in that argument, the others
# 0); EXPECTED is "yes"/"no" for each call, whether it matched.
op_case() {
	local name=$1 op=$2 value=$3 index=$4 expected=$5 a calls=""
	shift 5
	for a in "$@"; do
		case $index in
		0) calls+="/bin/syscall getppid $a; " ;;
		*) calls+="/bin/syscall getppid$(printf ' 0%.0s' $(seq 1 "$index")) $a; " ;;
		esac
	done
	ctr "$name" '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getppid"],
	    "action": "SCMP_ACT_ERRNO", "errnoRet": 42,
	    "args": [{"index": '"$index"', "value": '"$value"', "op": "'"$op"'"}]}]}' /bin/sh -c "$calls"
	run_ctr "$name"
	is "$name" "$rc $(matched)" "0 $expected"
}

# A small value, arguments 99 100 101.
op_case seccomp_op_eq_small SCMP_CMP_EQ 100 0 "no yes no" 99 100 101
op_case seccomp_op_ne_small SCMP_CMP_NE 100 0 "yes no yes" 99 100 101
op_case seccomp_op_lt_small SCMP_CMP_LT 100 0 "yes no no" 99 100 101
op_case seccomp_op_le_small SCMP_CMP_LE 100 0 "yes yes no" 99 100 101
op_case seccomp_op_ge_small SCMP_CMP_GE 100 0 "no yes yes" 99 100 101
op_case seccomp_op_gt_small SCMP_CMP_GT 100 0 "no no yes" 99 100 101
# Across the 32-bit boundary, in argument 3: the high word counts (and 0 has
# the same low word as 2^32).
op_case seccomp_op_eq_2pow32_arg3 SCMP_CMP_EQ 0x100000000 3 "no yes no no" \
	0xffffffff 0x100000000 0x100000001 0
op_case seccomp_op_ne_2pow32_arg3 SCMP_CMP_NE 0x100000000 3 "yes no yes yes" \
	0xffffffff 0x100000000 0x100000001 0
op_case seccomp_op_lt_2pow32_arg3 SCMP_CMP_LT 0x100000000 3 "yes no no yes" \
	0xffffffff 0x100000000 0x100000001 0
op_case seccomp_op_le_2pow32_arg3 SCMP_CMP_LE 0x100000000 3 "yes yes no yes" \
	0xffffffff 0x100000000 0x100000001 0
op_case seccomp_op_ge_2pow32_arg3 SCMP_CMP_GE 0x100000000 3 "no yes yes no" \
	0xffffffff 0x100000000 0x100000001 0
op_case seccomp_op_gt_2pow32_arg3 SCMP_CMP_GT 0x100000000 3 "no no yes no" \
	0xffffffff 0x100000000 0x100000001 0
# The largest value, in argument 5; comparisons are unsigned.
op_case seccomp_op_eq_max_arg5 SCMP_CMP_EQ 0xffffffffffffffff 5 "no yes no" \
	0xfffffffffffffffe 0xffffffffffffffff 0
op_case seccomp_op_ne_max_arg5 SCMP_CMP_NE 0xffffffffffffffff 5 "yes no yes" \
	0xfffffffffffffffe 0xffffffffffffffff 0
op_case seccomp_op_lt_max_arg5 SCMP_CMP_LT 0xffffffffffffffff 5 "yes no yes" \
	0xfffffffffffffffe 0xffffffffffffffff 0
op_case seccomp_op_le_max_arg5 SCMP_CMP_LE 0xffffffffffffffff 5 "yes yes yes" \
	0xfffffffffffffffe 0xffffffffffffffff 0
op_case seccomp_op_ge_max_arg5 SCMP_CMP_GE 0xffffffffffffffff 5 "no yes no" \
	0xfffffffffffffffe 0xffffffffffffffff 0
op_case seccomp_op_gt_max_arg5 SCMP_CMP_GT 0xffffffffffffffff 5 "no no no" \
	0xfffffffffffffffe 0xffffffffffffffff 0
op_case seccomp_op_gt_is_unsigned SCMP_CMP_GT 0x7fffffffffffffff 0 "no yes yes" \
	0x7fffffffffffffff 0x8000000000000000 -1
op_case seccomp_op_lt_is_unsigned SCMP_CMP_LT 0x8000000000000000 1 "yes no no" \
	0x7fffffffffffffff 0x8000000000000000 -1

# MASKED_EQ: (arg & value) == valueTwo.
masked_case() {
	local name=$1 mask=$2 value=$3 expected=$4 a calls=""
	shift 4
	for a in "$@"; do calls+="/bin/syscall getppid 0 $a; "; done
	ctr "$name" '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getppid"],
	    "action": "SCMP_ACT_ERRNO", "errnoRet": 42,
	    "args": [{"index": 1, "value": '"$mask"', '"$value"' "op": "SCMP_CMP_MASKED_EQ"}]}]}' \
		/bin/sh -c "$calls"
	run_ctr "$name"
	is "$name" "$rc $(matched)" "0 $expected"
}
masked_case seccomp_op_masked_eq_compares_the_masked_bits 0xff00 '"valueTwo": 0x1200,' \
	"yes yes yes no no" 0x1234 0x12ff 0x1200 0x1334 0x12
masked_case seccomp_op_masked_eq_64bit 0xffff000000000000 '"valueTwo": 0xdead000000000000,' \
	"yes no no" 0xdead00000000beef 0xdeae000000000000 0xdead
masked_case seccomp_op_masked_eq_without_value_two_is_zero 0x10000000 "" \
	"no yes yes" 0x10000011 0x11 0

# Two arguments: both must hold. One argument twice: either may.
ctr and_two_args '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getppid"],
    "action": "SCMP_ACT_ERRNO", "errnoRet": 42,
    "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"},
             {"index": 1, "value": 2, "op": "SCMP_CMP_EQ"}]}]}' \
	/bin/sh -c '/bin/syscall getppid 1 2; /bin/syscall getppid 1 3; /bin/syscall getppid 0 2;
		/bin/syscall getppid 2 1'
run_ctr and_two_args
is seccomp_conditions_on_two_arguments_are_anded "$rc $(errnos)" "0 42 0 0 0"

ctr or_same_arg '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getppid"],
    "action": "SCMP_ACT_ERRNO", "errnoRet": 42,
    "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"},
             {"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]}]}' \
	/bin/sh -c '/bin/syscall getppid 1; /bin/syscall getppid 2; /bin/syscall getppid 3'
run_ctr or_same_arg
is seccomp_conditions_on_one_argument_twice_are_ored "$rc $(errnos)" "0 42 42 0"

# ------------------------------------------------------------ architectures
# x86_64 only: i386 calls (int 0x80) and x32 calls (the x32 bit) reach the
# filter as other architectures; one the profile does not list is killed.
if [ "$(uname -m)" != x86_64 ]; then
	skip seccomp_architectures "x86_64 only"
else
	# i386 getppid is 64; x32 getppid is 110 with bit 30.
	ctr i386_probe None /bin/syscall --i386 20
	run_ctr i386_probe
	if ! [[ $out =~ ^ret=[1-9] ]]; then
		skip seccomp_x86_architecture_applies_rules_to_i386_calls \
			"no i386 system calls here (int 0x80: $out, status $rc)"
		skip seccomp_i386_calls_are_killed_without_the_x86_architecture \
			"no i386 system calls here"
	else
		ctr arch_x86 '{"defaultAction": "SCMP_ACT_ALLOW",
		    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
		    "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 42}]}' \
			/bin/sh -c '/bin/syscall --i386 64; /bin/syscall --i386 20; /bin/syscall getppid'
		run_ctr arch_x86
		expect seccomp_x86_architecture_applies_rules_to_i386_calls 0 \
			'^ret=-1 errno=42$' '^ret=[1-9][0-9]* errno=0$'
		ctr arch_native_i386 '{"defaultAction": "SCMP_ACT_ALLOW",
		    "architectures": ["SCMP_ARCH_X86_64"],
		    "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 42}]}' \
			/bin/syscall --i386 20
		run_ctr arch_native_i386
		expect seccomp_i386_calls_are_killed_without_the_x86_architecture 159 '!^ret='
	fi
	ctr arch_x32 '{"defaultAction": "SCMP_ACT_ALLOW",
	    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X32"],
	    "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 42}]}' \
		/bin/syscall 0x4000006e
	run_ctr arch_x32
	expect seccomp_x32_architecture_applies_rules_to_x32_calls 0 '^ret=-1 errno=42$'
	ctr arch_absent_x32 "$(rule_on_getppid SCMP_ACT_ERRNO 42)" /bin/syscall 0x4000006e
	run_ctr arch_absent_x32
	expect seccomp_x32_calls_are_killed_when_only_native_is_filtered 159 '!^ret='
fi

# -------------------------------------------------------------------- flags

ctr status_filtered "$(rule_on_getppid SCMP_ACT_ERRNO 42)" \
	/bin/grep -E '^Seccomp(_filters)?:' /proc/self/status
run_ctr status_filtered
expect seccomp_status_shows_one_filter 0 '^Seccomp:[[:space:]]+2$' '^Seccomp_filters:[[:space:]]+1$'

ctr status_unfiltered None /bin/grep -E '^Seccomp:' /proc/self/status
run_ctr status_unfiltered
expect seccomp_status_shows_no_filter_without_profile 0 '^Seccomp:[[:space:]]+0$'

ctr flag_tsync '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_TSYNC"],
    "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 42}]}' \
	/bin/syscall getppid
run_ctr flag_tsync
expect seccomp_flag_tsync_is_accepted 0 '^ret=-1 errno=42$'

# SPEC_ALLOW: the filter does not force the speculative store bypass
# mitigation. Only visible where the kernel mitigates through seccomp
# (spec_store_bypass_disable=seccomp) on an affected CPU.
ssb() { printf '%s\n' "$out" | sed -n 's/^Speculation_Store_Bypass:[[:space:]]*//p'; }
ctr ssb_none None /bin/grep -E '^(Seccomp|Speculation_Store_Bypass):' /proc/self/status
ctr ssb_filter "$(rule_on_getppid SCMP_ACT_ERRNO 42)" \
	/bin/grep -E '^(Seccomp|Speculation_Store_Bypass):' /proc/self/status
ctr ssb_allow '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
    "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 42}]}' \
	/bin/grep -E '^(Seccomp|Speculation_Store_Bypass):' /proc/self/status
run_ctr ssb_none
ssb_none=$(ssb)
run_ctr ssb_filter
ssb_filter=$(ssb)
run_ctr ssb_allow
ssb_allow=$(ssb)
if [ "$rc" = 0 ] && printf '%s\n' "$out" | grep -Eq '^Seccomp:[[:space:]]+2$'; then
	ok seccomp_flag_spec_allow_is_accepted
else
	fail seccomp_flag_spec_allow_is_accepted "exit status $rc" "stdout: $out" "stderr: $err"
fi
if [ "$ssb_none" = "$ssb_filter" ]; then
	skip seccomp_flag_spec_allow_keeps_speculation_as_without_filter \
		"a filter does not change the mitigation here (\"$ssb_none\" either way)"
else
	is seccomp_flag_spec_allow_keeps_speculation_as_without_filter "$ssb_allow" "$ssb_none"
fi

ctr seccomp_unknown_flag_is_an_error_naming_it \
	'{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_BOGUS"]}' true
create_fails seccomp_unknown_flag_is_an_error_naming_it 'flags\[0\]' 'SECCOMP_FILTER_FLAG_BOGUS'

# ----------------------------------------------------------- ENOSYS fallback
# A profile that allows only what the static helper needs to start and
# report (rseq, 334, is the highest): a call numbered above the highest one
# the profile names fails with ENOSYS (programs then fall back to the older
# call), one below it with the default errno. (335 and 336, uretprobe and
# uprobe since Linux 6.11, bypass seccomp in the kernel: 400 stands for an
# unassigned number.)
base='["execve", "brk", "arch_prctl", "set_tid_address", "set_robust_list", "rseq",
       "prlimit64", "readlink", "getrandom", "mprotect", "mmap", "munmap", "newfstatat",
       "fstat", "write", "exit", "exit_group"]'
enosys_case() { # NAME PROFILE_EXTRA EXPECTED_OUT HELPER_ARG...
	local name=$1 extra=$2 expected=$3
	shift 3
	ctr "$name" '{"defaultAction": "SCMP_ACT_ERRNO"'"$extra"', "syscalls": [
	    {"names": '"$base"', "action": "SCMP_ACT_ALLOW"}]}' /bin/syscall "$@"
	run_ctr "$name"
	is "$name" "$rc $out" "0 $expected"
}
enosys_case seccomp_enosys_for_a_call_newer_than_the_profile "" "ret=-1 errno=38" openat2
enosys_case seccomp_enosys_for_an_unassigned_number_above_the_profile "" "ret=-1 errno=38" 400
enosys_case seccomp_default_errno_for_an_older_unnamed_call "" "ret=-1 errno=1" getppid
enosys_case seccomp_default_errno_ret_for_an_older_unnamed_call ', "defaultErrnoRet": 13' \
	"ret=-1 errno=13" getppid
enosys_case seccomp_default_errno_ret_enosys_everywhere ', "defaultErrnoRet": 38' \
	"ret=-1 errno=38" getppid
# openat2 (437) named with its own errno moves the boundary.
boundary_case() { # NAME EXPECTED_OUT NR
	ctr "$1" '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
	    {"names": '"$base"', "action": "SCMP_ACT_ALLOW"},
	    {"names": ["openat2"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}' /bin/syscall "$3"
	run_ctr "$1"
	is "$1" "$rc $out" "0 $2"
}
boundary_case seccomp_highest_named_call_keeps_its_rule "ret=-1 errno=13" 437
boundary_case seccomp_below_highest_named_call_gets_default_errno "ret=-1 errno=1" 436
boundary_case seccomp_above_highest_named_call_gets_enosys "ret=-1 errno=38" 438
ctr allow_in_errno_profile '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
    {"names": '"${base%]}"', "getppid"], "action": "SCMP_ACT_ALLOW"}]}' /bin/syscall getppid
run_ctr allow_in_errno_profile
expect seccomp_allow_rule_lets_the_call_through 0 '^ret=[0-9]+ errno=0$'

# ------------------------------------------------------ unknown names, errors

ctr unknown_name_warns '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names":
    ["getppid", "no_such_syscall_petrel"], "action": "SCMP_ACT_ERRNO", "errnoRet": 42}]}' \
	/bin/syscall getppid
run_ctr unknown_name_warns
if [ "$rc" = 0 ] && [ "$out" = "ret=-1 errno=42" ] &&
	printf '%s\n' "$err" | grep -q 'names\[1\].*no_such_syscall_petrel'; then
	ok seccomp_unknown_syscall_name_warns_and_runs
	printf '%s\n' "$err" | sed 's/^/#   /'
else
	fail seccomp_unknown_syscall_name_warns_and_runs "exit status $rc" "stdout: $out" \
		"stderr: $err" "expected errno 42 and a warning naming names[1]"
fi

ctr seccomp_unknown_syscall_name_fails_with_annotation \
	'{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names":
    ["getppid", "no_such_syscall_petrel"], "action": "SCMP_ACT_ERRNO", "errnoRet": 42}]}' true
edit_config "$TEST_TMP/seccomp_unknown_syscall_name_fails_with_annotation" \
	'c["annotations"] = {"run.oci.seccomp_fail_unknown_syscall": "1"}'
create_fails seccomp_unknown_syscall_name_fails_with_annotation \
	'syscalls\[0\]\.names\[1\]' 'no_such_syscall_petrel'

ctr seccomp_unknown_action_is_an_error_naming_the_rule \
	'{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["getppid"], "action": "SCMP_ACT_ERRNO"},
    {"names": ["getuid"], "action": "SCMP_ACT_BOGUS"}]}' true
create_fails seccomp_unknown_action_is_an_error_naming_the_rule 'syscalls\[1\]' 'SCMP_ACT_BOGUS'

ctr seccomp_unknown_default_action_is_an_error '{"defaultAction": "SCMP_ACT_NOPE"}' true
create_fails seccomp_unknown_default_action_is_an_error 'defaultAction' 'SCMP_ACT_NOPE'

ctr seccomp_unknown_operator_is_an_error_naming_the_argument \
	'{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "args": [
        {"index": 0, "value": 1, "op": "SCMP_CMP_EQ"},
        {"index": 1, "value": 1, "op": "SCMP_CMP_BOGUS"}]}]}' true
create_fails seccomp_unknown_operator_is_an_error_naming_the_argument \
	'syscalls\[0\]\.args\[1\]' 'SCMP_CMP_BOGUS'

ctr seccomp_unknown_architecture_is_an_error_naming_it '{"defaultAction": "SCMP_ACT_ALLOW",
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_BOGUS"]}' true
create_fails seccomp_unknown_architecture_is_an_error_naming_it \
	'architectures\[1\]' 'SCMP_ARCH_BOGUS'

ctr seccomp_errno_ret_on_action_without_errno_is_an_error \
	'{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["getppid"], "action": "SCMP_ACT_KILL_PROCESS", "errnoRet": 5}]}' true
create_fails seccomp_errno_ret_on_action_without_errno_is_an_error 'syscalls\[0\]' 'errnoRet'

ctr seccomp_errno_ret_out_of_range_is_an_error '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["getuid"], "action": "SCMP_ACT_ERRNO"},
    {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 65536}]}' true
create_fails seccomp_errno_ret_out_of_range_is_an_error 'syscalls\[1\]' '65536'

ctr seccomp_argument_index_above_5_is_an_error '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "args": [
        {"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]}' true
create_fails seccomp_argument_index_above_5_is_an_error 'syscalls\[0\]\.args\[0\]' 'index'

ctr seccomp_notify_without_listener_path_is_an_error \
	'{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}' true
create_fails seccomp_notify_without_listener_path_is_an_error 'syscalls\[0\]' 'listenerPath'

ctr seccomp_default_errno_ret_on_allow_is_an_error '{"defaultAction": "SCMP_ACT_ALLOW",
    "defaultErrnoRet": 5}' true
create_fails seccomp_default_errno_ret_on_allow_is_an_error 'defaultErrnoRet'

ctr seccomp_notify_as_default_action_is_an_error '{"defaultAction": "SCMP_ACT_NOTIFY",
    "listenerPath": "'"$TEST_TMP"'/unused.sock"}' true
create_fails seccomp_notify_as_default_action_is_an_error 'defaultAction' 'SCMP_ACT_NOTIFY'

# The init reports the listener with write(): notifying write would hang it.
ctr seccomp_notify_for_write_is_an_error '{"defaultAction": "SCMP_ACT_ALLOW",
    "listenerPath": "'"$TEST_TMP"'/unused.sock",
    "syscalls": [{"names": ["mkdir", "write"], "action": "SCMP_ACT_NOTIFY"}]}' true
create_fails seccomp_notify_for_write_is_an_error 'syscalls\[0\]\.names\[1\]' 'write'

ctr seccomp_listener_metadata_without_path_is_an_error '{"defaultAction": "SCMP_ACT_ALLOW",
    "listenerMetadata": "x"}' true
create_fails seccomp_listener_metadata_without_path_is_an_error 'listenerMetadata'

# ------------------------------------------------------------------- notify
# notify_case NAME RECEIVER_FLAGS CONFIG_EDIT: the receiver answers mkdir
# and mkdirat; its output in $recv_out.
notify_case() {
	local name=$1 flags=$2 edit=$3 sock=$TEST_TMP/$1.sock i
	"$NOTIFY_RECEIVER" $flags --once "$sock" >"$TEST_TMP/$name.recv" 2>"$TEST_TMP/$name.recv.err" &
	local pid=$!
	receivers+=("$pid")
	for i in $(seq 1 100); do
		[ -S "$sock" ] && break
		sleep 0.05
	done
	ctr "$name" '{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "'"$sock"'",
	    "listenerMetadata": "petrel-test-metadata",
	    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}' \
		/bin/sh -c 'mkdir /dev/shm/made; echo "mkdir=$?"
			[ -d /dev/shm/made ] && echo exists || echo absent'
	[ -z "$edit" ] || edit_config "$TEST_TMP/$name" "$edit"
	run_ctr "$name"
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	recv_out=$(cat "$TEST_TMP/$name.recv")
}

notify_case notify_continue --continue ''
is seccomp_notify_continue_makes_the_call "$rc $(echo $out)" "0 mkdir=0 exists"
like seccomp_notify_receiver_logs_the_call "$recv_out" '^syscall (83|258) pid [0-9]+$'
if python3 - "$TEST_TMP/notify_continue.recv" notify_continue <<'EOF'; then
import json, sys
line = next(l for l in open(sys.argv[1]) if l.startswith("{"))
j = json.loads(line)
assert j["fds"] == ["seccompFd"], j["fds"]
assert j["metadata"] == "petrel-test-metadata", j.get("metadata")
assert isinstance(j["pid"], int) and j["pid"] > 0, j["pid"]
assert j["state"]["id"] == sys.argv[2], j["state"]
assert j["state"].get("pid", j["pid"]) == j["pid"], j["state"]
assert j["ociVersion"].startswith("1."), j["ociVersion"]
EOF
	ok seccomp_notify_sends_the_container_process_state
else
	fail seccomp_notify_sends_the_container_process_state "received: $recv_out"
fi

notify_case notify_errno "--errno 13" ''
is seccomp_notify_agent_errno_fails_the_call "$rc $(echo $out)" "0 mkdir=1 absent"
like seccomp_notify_agent_errno_reaches_the_program "$err" 'Permission denied'

notify_case notify_allow --allow ''
is seccomp_notify_agent_success_without_the_call "$rc $(echo $out)" "0 mkdir=0 absent"

notify_case notify_no_nnp --continue 'c["process"]["noNewPrivileges"] = False'
is seccomp_notify_works_without_no_new_privileges "$rc $(echo $out)" "0 mkdir=0 exists"

notify_case notify_killable --continue \
	'c["linux"]["seccomp"]["flags"] = ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
                                  "SECCOMP_FILTER_FLAG_TSYNC"]'
is seccomp_notify_with_wait_killable_recv_and_tsync "$rc $(echo $out)" "0 mkdir=0 exists"

ctr seccomp_notify_unreachable_listener_fails_create '{"defaultAction": "SCMP_ACT_ALLOW",
    "listenerPath": "'"$TEST_TMP"'/nobody-listens.sock",
    "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}' true
create_fails seccomp_notify_unreachable_listener_fails_create 'nobody-listens\.sock'

# exec: a process started in the container later runs under its filter.
ctr exec_filtered "$(rule_on_getppid SCMP_ACT_ERRNO 42)" /bin/sleep 30
pt run -d --bundle "$TEST_TMP/exec_filtered" exec_filtered \
	>"$TEST_TMP/exec_filtered.out" 2>"$TEST_TMP/exec_filtered.err" </dev/null
rc=$?
if [ "$rc" != 0 ]; then
	fail seccomp_exec_process_runs_under_the_filter "run -d: exit status $rc" \
		"$(cat "$TEST_TMP/exec_filtered.err")"
else
	pt exec exec_filtered /bin/syscall getppid >"$TEST_TMP/exec.out" 2>"$TEST_TMP/exec.err" </dev/null
	rc=$?
	out=$(cat "$TEST_TMP/exec.out") err=$(cat "$TEST_TMP/exec.err")
	expect seccomp_exec_process_runs_under_the_filter 0 '^ret=-1 errno=42$'
	pt delete --force exec_filtered >/dev/null 2>&1
fi

# -------------------------------------------------------------------- cache
# A root of its own, so that the entries are this section's.
ptc() {
	"$PETREL" --root "$CACHE_ROOT" "$@"
}
entries() {
	local f
	for f in "$CACHE_ROOT"/.seccomp-cache/*.bpf; do
		f=${f##*/}
		[[ $f =~ ^[0-9a-f]{16}\.bpf$ ]] && echo "$f"
	done
}
# valid_entry FILE: the file is a well formed entry (header, instruction
# count, program size).
valid_entry() {
	python3 - "$1" <<'EOF'
import re, sys
data = open(sys.argv[1], "rb").read()
assert data.startswith(b"petrel-seccomp-bpf "), data[:40]
m = re.match(rb"petrel-seccomp-bpf \d+\nkey (\d+)\n", data)
keylen = int(m.group(1))
rest = data[m.end() + keylen:]
m2 = re.match(rb"\nflags \d+ notify [01] insns (\d+)\n", rest)
assert m2, rest[:60]
assert len(rest) - m2.end() == 8 * int(m2.group(1)), (len(rest), m2.group(1))
EOF
}
cache_profile() { # ERRNO: a profile of its own, with a marker errno
	echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
	    {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": '"$1"'},
	    {"names": ["getpgid", "getsid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 9}]}'
}

ctr cache_first "$(cache_profile 77)" /bin/syscall getppid
run_ctr cache_first "$CACHE_ROOT"
first=$(entries)
if [ "$rc" = 0 ] && [ "$out" = "ret=-1 errno=77" ] && [ "$(echo "$first" | grep -c .)" = 1 ] &&
	valid_entry "$CACHE_ROOT/.seccomp-cache/$first" &&
	[ "$(stat -c %a "$CACHE_ROOT/.seccomp-cache")" = 700 ]; then
	ok seccomp_cache_entry_written_on_first_create
else
	fail seccomp_cache_entry_written_on_first_create "exit status $rc, stdout: $out" \
		"stderr: $err" "entries: $first" \
		"mode: $(stat -c %a "$CACHE_ROOT/.seccomp-cache" 2>&1)"
fi
entry=$CACHE_ROOT/.seccomp-cache/$first
inode=$(stat -c %i "$entry" 2>/dev/null)

# The same profile in another bundle (and another listenerPath-free name):
# the entry is read, not written again.
ctr cache_second "$(cache_profile 77)" /bin/syscall getppid
run_ctr cache_second "$CACHE_ROOT"
if [ "$rc" = 0 ] && [ "$out" = "ret=-1 errno=77" ] && [ "$(entries)" = "$first" ] &&
	[ "$(stat -c %i "$entry" 2>/dev/null)" = "$inode" ]; then
	ok seccomp_cache_entry_reused_by_the_next_container
else
	fail seccomp_cache_entry_reused_by_the_next_container "exit status $rc, stdout: $out" \
		"entries: $(entries)" "inode $inode -> $(stat -c %i "$entry" 2>&1)"
fi

ctr cache_other "$(cache_profile 55)" /bin/syscall getppid
run_ctr cache_other "$CACHE_ROOT"
other=$(entries | grep -vx "$first")
is seccomp_cache_other_profile_gets_its_own_entry "$rc $out $(entries | grep -c .)" \
	"0 ret=-1 errno=55 2"

# Damaged entries are ignored and replaced: garbage, a truncated program,
# and another profile's entry under this profile's name (a hash collision).
damage_case() { # NAME HOW
	local name=$1
	case $2 in
	garbage) head -c 300 /dev/urandom >"$entry" ;;
	truncated)
		cp "$TEST_TMP/good-entry" "$entry"
		truncate -s -8 "$entry"
		;;
	collision) cp "$CACHE_ROOT/.seccomp-cache/$other" "$entry" ;;
	esac
	ctr "$name" "$(cache_profile 77)" /bin/syscall getppid
	run_ctr "$name" "$CACHE_ROOT"
	if [ "$rc" = 0 ] && [ "$out" = "ret=-1 errno=77" ] && valid_entry "$entry" &&
		cmp -s "$entry" "$TEST_TMP/good-entry"; then
		ok "$name"
	else
		fail "$name" "exit status $rc, stdout: $out" "stderr: $err" \
			"entry: $(head -c 64 "$entry" | tr -c '[:print:]' '.')"
	fi
}
cp "$entry" "$TEST_TMP/good-entry"
damage_case seccomp_cache_garbage_entry_is_ignored_and_replaced garbage
damage_case seccomp_cache_truncated_entry_is_ignored_and_replaced truncated
damage_case seccomp_cache_entry_of_another_profile_is_not_used collision

# Ten concurrent creates of one new profile: all succeed, one entry more,
# and each container has the filter.
before=$(entries | grep -c .)
pids=()
for i in $(seq 1 10); do
	ctr "conc$i" "$(cache_profile 66)" /bin/syscall getppid
done
for i in $(seq 1 10); do
	ptc create --bundle "$TEST_TMP/conc$i" "conc$i" \
		>"$TEST_TMP/conc$i.out" 2>"$TEST_TMP/conc$i.err" </dev/null &
	pids+=($!)
done
failed_creates=()
for i in $(seq 1 10); do
	wait "${pids[$((i - 1))]}" || failed_creates+=("conc$i: $(cat "$TEST_TMP/conc$i.err")")
done
bad_outputs=()
for i in $(seq 1 10); do
	ptc start "conc$i" >/dev/null 2>&1 || bad_outputs+=("start conc$i failed")
done
for i in $(seq 1 10); do
	for _ in $(seq 1 100); do
		[ "$(json_get "$(ptc state "conc$i" 2>/dev/null)" "j.get('status')" 2>/dev/null)" = stopped ] &&
			break
		sleep 0.05
	done
	[ "$(cat "$TEST_TMP/conc$i.out")" = "ret=-1 errno=66" ] ||
		bad_outputs+=("conc$i: $(cat "$TEST_TMP/conc$i.out")")
	ptc delete --force "conc$i" >/dev/null 2>&1
done
new=$(entries | grep -vx "$first" | grep -vx "$other")
if [ ${#failed_creates[@]} -eq 0 ] && [ ${#bad_outputs[@]} -eq 0 ] &&
	[ "$(entries | grep -c .)" = $((before + 1)) ] && [ "$(echo "$new" | grep -c .)" = 1 ] &&
	valid_entry "$CACHE_ROOT/.seccomp-cache/$new" &&
	[ -z "$(find "$CACHE_ROOT/.seccomp-cache" -mindepth 1 ! -name '*.bpf')" ]; then
	ok seccomp_cache_ten_concurrent_creates_leave_one_valid_entry
else
	fail seccomp_cache_ten_concurrent_creates_leave_one_valid_entry \
		"failed creates: ${failed_creates[*]}" "bad outputs: ${bad_outputs[*]}" \
		"entries before: $before, now: $(ls -A "$CACHE_ROOT/.seccomp-cache" | tr '\n' ' ')"
fi

# ----------------------------------------------------------- default profile
# Docker-style: everything ordinary allowed; mounts, namespaces, keys and
# tracing refused with EPERM even with every capability.
caps=$(json_get "$("$PETREL" features)" '" ".join(j["linux"]["capabilities"])')
with_all_caps='for s in ("bounding", "effective", "permitted"):
    c["process"]["capabilities"][s] = "'"$caps"'".split()'
default_ctr() { # NAME ARG...
	local name=$1
	shift
	ctr "$name" 'json.load(open("'"$DEFAULT_PROFILE"'"))' "$@"
	edit_config "$TEST_TMP/$name" "$with_all_caps"
}

default_ctr default_shell /bin/sh -c 'echo ok; ls /; cat /etc/passwd'
run_ctr default_shell
expect seccomp_default_profile_runs_a_shell 0 '^ok$' '^bin$' '^root:x:0:0:'

denied_calls='/bin/syscall unshare 0x20000; /bin/syscall mount /tmp /tmp 0 4096 0;
	/bin/syscall keyctl 0 0xfffffffffffffffd 0; /bin/syscall add_key 0 0 0 0 0;
	/bin/syscall request_key 0 0 0 0; /bin/syscall ptrace 0 0 0 0'
default_ctr default_denied /bin/sh -c "$denied_calls"
run_ctr default_denied
is seccomp_default_profile_denies_unshare_mount_keys_ptrace "$rc $(errnos)" "0 1 1 1 1 1 1"
# The same calls without the profile: the capabilities alone would allow
# the first two.
ctr default_control None /bin/sh -c "$denied_calls"
edit_config "$TEST_TMP/default_control" "$with_all_caps"
run_ctr default_control
like seccomp_default_profile_control_unshare_and_mount_pass_without_it \
	"$(printf '%s\n' "$out" | head -n 2 | tr '\n' ' ')" '^ret=0 errno=0 ret=0 errno=0 $'

default_ctr default_personality /bin/sh -c '/bin/syscall personality 0xffffffff;
	/bin/syscall personality 8; /bin/syscall personality 0x20000; /bin/syscall personality 0;
	/bin/syscall personality 0x40000; /bin/syscall personality 0x100000000'
run_ctr default_personality
is seccomp_default_profile_allows_only_listed_personalities "$rc $(errnos)" "0 0 0 0 0 1 1"

# clone: plain fork allowed, a new user namespace refused (MASKED_EQ);
# clone3 answers ENOSYS so that glibc falls back to clone.
default_ctr default_clone /bin/sh -c '/bin/syscall clone 0x10000011 0 0 0 0;
	/bin/syscall clone3 0 0; /bin/syscall clone 17 0 0 0 0'
run_ctr default_clone
expect seccomp_default_profile_clone_without_namespace_flags_only 0 \
	'^ret=-1 errno=1$' '^ret=-1 errno=38$' '^ret=[1-9][0-9]* errno=0$'

default_ctr default_socket /bin/sh -c '/bin/syscall socket 40 1 0; /bin/syscall socket 1 1 0'
run_ctr default_socket
expect seccomp_default_profile_socket_ne_condition 0 '^ret=-1 errno=1$' '^ret=[0-9]+ errno=0$'

if [ "$(uname -m)" = x86_64 ] &&
	[[ $(cat "$TEST_TMP/i386_probe.out" 2>/dev/null) =~ ^ret=[1-9] ]]; then
	# i386 ptrace is 26, getpid 20.
	default_ctr default_i386 /bin/sh -c '/bin/syscall --i386 26 0 0 0 0; /bin/syscall --i386 20'
	run_ctr default_i386
	expect seccomp_default_profile_filters_i386_calls 0 '^ret=-1 errno=1$' '^ret=[1-9][0-9]* errno=0$'
else
	skip seccomp_default_profile_filters_i386_calls "no i386 system calls here"
fi

if [ -r /usr/share/containers/seccomp.json ]; then
	ctr podman_default 'json.load(open("/usr/share/containers/seccomp.json"))' \
		/bin/sh -c 'echo ok; ls /; cat /etc/passwd'
	run_ctr podman_default
	expect seccomp_podman_default_profile_runs_a_shell 0 '^ok$' '^bin$' '^root:x:0:0:'
else
	skip seccomp_podman_default_profile_runs_a_shell \
		"podman's profile (/usr/share/containers/seccomp.json) is not installed"
fi

# ----------------------------------------------------------------- features

features=$("$PETREL" features 2>&1)
if python3 - "$features" <<'EOF'; then
import json, sys
s = json.loads(sys.argv[1])["linux"]["seccomp"]
assert s["enabled"] is True, s
actions = {"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
           "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",
           "SCMP_ACT_NOTIFY"}
assert actions <= set(s["actions"]), s["actions"]
ops = {"SCMP_CMP_" + o for o in ("NE", "LT", "LE", "EQ", "GE", "GT", "MASKED_EQ")}
assert set(s["operators"]) == ops, s["operators"]
archs = {"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64"}
assert archs <= set(s["archs"]), s["archs"]
flags = {"SECCOMP_FILTER_FLAG_" + f for f in ("TSYNC", "LOG", "SPEC_ALLOW")}
assert flags <= set(s["knownFlags"]), s["knownFlags"]
assert set(s["supportedFlags"]) <= set(s["knownFlags"]), s["supportedFlags"]
assert flags <= set(s["supportedFlags"]), s["supportedFlags"]
EOF
	ok seccomp_features_lists_actions_operators_archs_flags
else
	fail seccomp_features_lists_actions_operators_archs_flags "$features"
fi

left=$(leftovers | grep -v '^\.seccomp-cache$')
is seccomp_tests_leave_nothing_behind "$left" ""
# A profile written before openat2, faccessat2 and close_range but naming
# newer calls (landlock, as runtime-tools' default does): those calls get
# the default errno, not ENOSYS, so petrel's init must not need them once
# the filter is in (with and without noNewPrivileges: the filter goes in at
# different points).
old_profile='dict(json.load(open("'"$DEFAULT_PROFILE"'")), syscalls=[r for r in [dict(r, names=[n for n in r["names"] if n not in ("openat2", "faccessat2", "close_range", "pidfd_open", "pidfd_getfd", "pidfd_send_signal", "clone3")]) for r in json.load(open("'"$DEFAULT_PROFILE"'"))["syscalls"]] if r["names"]] + [{"names": ["landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self"], "action": "SCMP_ACT_ALLOW"}])'
for nnp in True False; do
	ctr "old_profile_nnp_$nnp" "$old_profile" /bin/sh -c 'echo ok'
	edit_config "$TEST_TMP/old_profile_nnp_$nnp" "c['process']['noNewPrivileges'] = $nnp
c['process']['cwd'] = '/tmp'"
	run_ctr "old_profile_nnp_$nnp"
	expect "seccomp_profile_without_new_calls_runs_a_shell_nnp_$nnp" 0 '^ok$'
done

tap_done
