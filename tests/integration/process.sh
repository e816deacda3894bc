#!/bin/bash
# The container process as petrel sets it up, for what oci-check cannot see
# from inside by itself: the warnings and errors of process fields (unknown
# and unsupported capabilities, duplicate and too-high rlimits, a missing
# cwd or executable, LSM labels on a host without the LSM), the exact environment
# and $HOME, execCPUAffinity, and a non-root user under a restrictive umask.
# Observed from inside with busybox and /proc/self/status. Needs root;
# prints TAP. PETREL names the binary (default: $top_builddir/petrel).

. "$(dirname "$0")/../lib/integration.sh" process_integration
trap cleanup_all EXIT

# ctr NAME PYTHON ARG...: a bundle $TEST_TMP/NAME with config edit PYTHON
# (c is the config) and process.args ARG...
ctr() {
	local dir=$TEST_TMP/$1
	make_bundle "$dir"
	set_args "$dir" "${@:3}"
	edit_config "$dir" "$2"
}

# run_ctr NAME [FLAGS...]: petrel run of bundle NAME, its stdio into files;
# status in $rc, output in $out and $err.
run_ctr() {
	local name=$1
	shift
	pt run --bundle "$TEST_TMP/$name" "$@" "$name" \
		>"$TEST_TMP/$name.out" 2>"$TEST_TMP/$name.err" </dev/null
	rc=$?
	out=$(cat "$TEST_TMP/$name.out")
	err=$(cat "$TEST_TMP/$name.err")
}

# create_ctr NAME: petrel create of bundle NAME; like run_ctr. A container
# that was created is deleted again.
create_ctr() {
	local name=$1
	pt create --bundle "$TEST_TMP/$name" "$name" \
		>"$TEST_TMP/$name.out" 2>"$TEST_TMP/$name.err" </dev/null
	rc=$?
	out=$(cat "$TEST_TMP/$name.out")
	err=$(cat "$TEST_TMP/$name.err")
	[ "$rc" -ne 0 ] || pt delete --force "$name" >/dev/null 2>&1
}

# create_fails NAME PATTERN...: create must fail, its error must match every
# (grep -E) pattern, and it must leave no container behind.
create_fails() {
	local name=$1 pattern missing=()
	shift
	create_ctr "$name"
	for pattern in "$@"; do
		printf '%s\n' "$err" | grep -Eq -- "$pattern" || missing+=("$pattern")
	done
	if [ "$rc" -ne 0 ] && [ ${#missing[@]} -eq 0 ] && [ -z "$(leftovers)" ]; then
		ok "$name"
		printf '%s\n' "$err" | sed 's/^/#   /'
	else
		fail "$name" "exit status $rc, stderr: $err" "patterns not matched: ${missing[*]}" \
			"left behind: $(leftovers)"
		rm -rf "${TEST_ROOT:?}"/*
	fi
}

status_field() { # status_field TEXT FIELD: the value of FIELD: in TEXT
	printf '%s\n' "$1" | sed -n "s/^$2:[[:space:]]*//p" | tr -s '[:space:]' ' ' | sed 's/ $//'
}

# ------------------------------------------------------------ capabilities

# A name petrel does not know is left out with a warning naming it and its
# set (the spec: "MUST be logged as a warning", "SHOULD NOT fail"; runc
# does the same); the other capabilities are granted.
ctr unknown_capability_is_ignored_with_a_warning \
	'for s in ("bounding", "effective", "permitted"):
    c["process"]["capabilities"][s] = ["CAP_KILL", "CAP_NO_SUCH_THING"]
c["process"]["capabilities"]["ambient"] = ["CAP_KIL"]' \
	grep -E '^CapEff:' /proc/self/status
run_ctr unknown_capability_is_ignored_with_a_warning
if [ "$rc" -eq 0 ] && grep -q "^CapEff:[[:space:]]*0*20$" <<<"$out" &&
	[ "$(grep -c 'warning.*unknown capability "CAP_NO_SUCH_THING" in .process.capabilities.\(bounding\|effective\|permitted\); ignoring it' <<<"$err")" -eq 3 ] &&
	grep -q 'warning.*unknown capability "CAP_KIL" in .process.capabilities.ambient' <<<"$err"; then
	ok unknown_capability_is_ignored_with_a_warning
else
	fail unknown_capability_is_ignored_with_a_warning "exit status $rc" "stdout: $out" \
		"stderr: $err" "expected CapEff 0x20 and one warning per set naming the capability"
fi

# A capability petrel knows but the kernel does not is left out with a
# warning. On a kernel that knows every capability petrel does, an older one
# is shown to petrel: a private mount namespace binds a lower number over
# /proc/sys/kernel/cap_last_cap.
last_cap=$(cat /proc/sys/kernel/cap_last_cap)
cap_names=(CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_FSETID CAP_KILL
	CAP_SETGID CAP_SETUID CAP_SETPCAP CAP_LINUX_IMMUTABLE CAP_NET_BIND_SERVICE
	CAP_NET_BROADCAST CAP_NET_ADMIN CAP_NET_RAW CAP_IPC_LOCK CAP_IPC_OWNER CAP_SYS_MODULE
	CAP_SYS_RAWIO CAP_SYS_CHROOT CAP_SYS_PTRACE CAP_SYS_PACCT CAP_SYS_ADMIN CAP_SYS_BOOT
	CAP_SYS_NICE CAP_SYS_RESOURCE CAP_SYS_TIME CAP_SYS_TTY_CONFIG CAP_MKNOD CAP_LEASE
	CAP_AUDIT_WRITE CAP_AUDIT_CONTROL CAP_SETFCAP CAP_MAC_OVERRIDE CAP_MAC_ADMIN CAP_SYSLOG
	CAP_WAKE_ALARM CAP_BLOCK_SUSPEND CAP_AUDIT_READ CAP_PERFMON CAP_BPF CAP_CHECKPOINT_RESTORE)
if [ "$last_cap" -lt $((${#cap_names[@]} - 1)) ]; then
	unsupported=${cap_names[$((last_cap + 1))]}
	pretend_last=
else
	unsupported=${cap_names[-1]}
	pretend_last=$((${#cap_names[@]} - 2))
	echo "$pretend_last" >"$TEST_TMP/cap_last_cap"
fi
# noNewPrivileges keeps a pretended-unknown capability that petrel left in the
# bounding set out of root's permitted set at execve.
ctr capability_above_last_cap_is_skipped_with_warning \
	'for s in ("bounding", "effective", "permitted"):
    c["process"]["capabilities"][s] = ["CAP_KILL", "'"$unsupported"'"]
c["process"]["noNewPrivileges"] = True' \
	grep -E '^Cap(Eff|Prm):' /proc/self/status
b=$TEST_TMP/capability_above_last_cap_is_skipped_with_warning
if [ -n "$pretend_last" ]; then
	unshare --mount --propagation private sh -c '
		mount --bind "$1" /proc/sys/kernel/cap_last_cap || exit 125
		shift
		exec "$@"' sh "$TEST_TMP/cap_last_cap" "$PETREL" --root "$TEST_ROOT" run --bundle "$b" \
		cap-above >"$b.out" 2>"$b.err" </dev/null
	rc=$?
else
	pt run --bundle "$b" cap-above >"$b.out" 2>"$b.err" </dev/null
	rc=$?
fi
err=$(cat "$b.err")
# CAP_KILL is bit 5: the rest of the set is still granted.
if [ "$rc" -eq 0 ] && grep -q "^CapEff:[[:space:]]*0*20$" "$b.out" &&
	[ "$(grep -c "warning.*$unsupported" "$b.err")" -eq 3 ]; then
	ok capability_above_last_cap_is_skipped_with_warning
else
	fail capability_above_last_cap_is_skipped_with_warning "exit status $rc" \
		"stdout: $(cat "$b.out")" "stderr: $err" \
		"expected CapEff 0x20 and a warning naming $unsupported for each of the three sets"
fi

# ------------------------------------------------------------------ rlimits

ctr duplicate_rlimit_is_an_error \
	'c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 100},
                            {"type": "RLIMIT_CORE", "soft": 0, "hard": 0},
                            {"type": "RLIMIT_NOFILE", "soft": 200, "hard": 200}]' true
create_fails duplicate_rlimit_is_an_error 'duplicate' 'RLIMIT_NOFILE'

ctr unknown_rlimit_is_an_error \
	'c["process"]["rlimits"] = [{"type": "RLIMIT_NOPE", "soft": 1, "hard": 1}]' true
create_fails unknown_rlimit_is_an_error 'RLIMIT_NOPE'

# Raising a hard limit needs CAP_SYS_RESOURCE; without it in the bounding set
# setrlimit fails, and the error says which limit and values.
if grep -q '^CapBnd:' /proc/self/status &&
	(($((16#$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status))) & (1 << 24))); then
	skip rlimit_above_hard_limit_fails_with_setrlimit_message \
		"CAP_SYS_RESOURCE is in the bounding set: raising a hard limit is allowed here"
else
	hard=$(ulimit -Hn)
	ctr rlimit_above_hard_limit_fails_with_setrlimit_message \
		'c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 64,
                             "hard": '"$((hard + 1))"'}]' true
	create_fails rlimit_above_hard_limit_fails_with_setrlimit_message \
		"setrlimit RLIMIT_NOFILE" "hard $((hard + 1))" "Operation not permitted"
fi

ctr rlimits_are_in_effect_inside \
	'c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 321, "hard": 654},
                            {"type": "RLIMIT_CORE", "soft": 0, "hard": 0}]' \
	sh -c 'ulimit -Sn; ulimit -Hn; ulimit -c'
run_ctr rlimits_are_in_effect_inside
is rlimits_are_in_effect_inside "$rc ${out//$'\n'/ }" "0 321 654 0"

# ------------------------------------------------------ cwd and executable

ctr missing_cwd_fails_with_chdir_to_cwd 'c["process"]["cwd"] = "/no/such/dir"' true
create_fails missing_cwd_fails_with_chdir_to_cwd 'chdir to cwd' '/no/such/dir' \
	'No such file or directory'

ctr cwd_that_is_a_file_fails_with_chdir_to_cwd 'c["process"]["cwd"] = "/etc/passwd"' true
create_fails cwd_that_is_a_file_fails_with_chdir_to_cwd 'chdir to cwd' '/etc/passwd' \
	'Not a directory'

ctr cwd_is_in_effect_inside 'c["process"]["cwd"] = "/tmp"' pwd
run_ctr cwd_is_in_effect_inside
is cwd_is_in_effect_inside "$rc $out" "0 /tmp"

ctr missing_executable_fails_with_not_found_in_path 'pass' no-such-command-petrel
create_fails missing_executable_fails_with_not_found_in_path 'no-such-command-petrel' \
	'executable file not found in \$PATH'

# The lookup uses the container's PATH from process.env, not petrel's.
ctr executable_is_looked_up_in_the_configured_path \
	'c["process"]["env"] = ["PATH=/no/such/dir"]' true
create_fails executable_is_looked_up_in_the_configured_path '"true"' \
	'executable file not found in \$PATH'

ctr missing_absolute_executable_fails_naming_it 'pass' /bin/no-such-binary
create_fails missing_absolute_executable_fails_naming_it '/bin/no-such-binary' \
	'No such file or directory'

# -------------------------------------------------------------------- LSMs

if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; then
	skip apparmor_profile_fails_clearly_without_apparmor "AppArmor is enabled on this host"
else
	ctr apparmor_profile_fails_clearly_without_apparmor \
		'c["process"]["apparmorProfile"] = "petrel-test-profile"' true
	create_fails apparmor_profile_fails_clearly_without_apparmor '[Aa]pp[Aa]rmor' \
		'petrel-test-profile' 'not enabled'
fi

if grep -qw selinuxfs /proc/filesystems; then
	skip selinux_label_fails_clearly_without_selinux "SELinux is enabled on this host"
else
	ctr selinux_label_fails_clearly_without_selinux \
		'c["process"]["selinuxLabel"] = "system_u:system_r:container_t:s0"' true
	create_fails selinux_label_fails_clearly_without_selinux '[Ss][Ee][Ll]inux' \
		'system_u:system_r:container_t:s0' 'not enabled'
fi

# ------------------------------------------------------------- environment

# env(1) as the process itself prints environ as execve gave it: nothing of
# petrel's environment leaks in, and HOME is added from /etc/passwd.
ctr environment_is_exactly_the_configured_one_plus_home \
	'c["process"]["env"] = ["PATH=/bin", "PETREL_A=1", "PETREL_B=two words = and more",
                        "PETREL_EMPTY="]' env
PETREL_TEST_LEAK=from-the-host run_ctr environment_is_exactly_the_configured_one_plus_home
is environment_is_exactly_the_configured_one_plus_home "$rc
$(printf '%s\n' "$out" | sort)" "0
HOME=/root
PATH=/bin
PETREL_A=1
PETREL_B=two words = and more
PETREL_EMPTY="

ctr configured_home_is_kept \
	'c["process"]["env"] = ["PATH=/bin", "HOME=/srv/elsewhere"]' env
run_ctr configured_home_is_kept
is configured_home_is_kept "$rc
$(printf '%s\n' "$out" | sort)" "0
HOME=/srv/elsewhere
PATH=/bin"

# HOME comes from the container's /etc/passwd (a user the host does not have,
# with a home only the container's passwd names), and is / for a uid that
# has no entry there.
passwd_rootfs=$TEST_TMP/rootfs-passwd
make_bundle "$TEST_TMP/passwd-probe" # fills the shared rootfs cache
cp -a "$ROOTFS_CACHE" "$passwd_rootfs"
echo 'petreltest:x:4321:4321:petrel test:/home/petrel-in-container:/bin/sh' \
	>>"$passwd_rootfs/etc/passwd"
ctr home_comes_from_container_passwd_for_non_root_uid \
	'c["root"]["path"] = "'"$passwd_rootfs"'"
c["process"]["user"] = {"uid": 4321, "gid": 4321}
c["process"]["env"] = ["PATH=/bin"]' env
run_ctr home_comes_from_container_passwd_for_non_root_uid
like home_comes_from_container_passwd_for_non_root_uid "$rc ${out//$'\n'/ }" \
	'^0 .*HOME=/home/petrel-in-container( |$)'

ctr home_is_root_dir_for_uid_without_passwd_entry \
	'c["root"]["path"] = "'"$passwd_rootfs"'"
c["process"]["user"] = {"uid": 4322, "gid": 4322}
c["process"]["env"] = ["PATH=/bin"]' env
run_ctr home_is_root_dir_for_uid_without_passwd_entry
like home_is_root_dir_for_uid_without_passwd_entry "$rc ${out//$'\n'/ }" '^0 .*HOME=/( |$)'

# --------------------------------------------------- user, groups, affinity

ctr user_and_groups_are_set_for_every_id \
	'c["process"]["user"] = {"uid": 1234, "gid": 5678, "additionalGids": [10, 20, 30],
                         "umask": 0o077}' cat /proc/self/status
run_ctr user_and_groups_are_set_for_every_id
ids="$rc|$(status_field "$out" Uid)|$(status_field "$out" Gid)|$(status_field "$out" Groups)"
is user_and_groups_are_set_for_every_id "$ids|$(status_field "$out" Umask)" \
	"0|1234 1234 1234 1234|5678 5678 5678 5678|10 20 30|0077"

# With no additionalGids the process has no supplementary groups, whatever
# groups petrel itself had.
if ! command -v setpriv >/dev/null; then
	skip no_additional_gids_clears_petrels_groups "needs setpriv (util-linux)"
else
	ctr no_additional_gids_clears_petrels_groups \
		'c["process"]["user"] = {"uid": 1234, "gid": 5678}' cat /proc/self/status
	setpriv --groups 4,24,27 "$PETREL" --root "$TEST_ROOT" run \
		--bundle "$TEST_TMP/no_additional_gids_clears_petrels_groups" no-groups \
		>"$TEST_TMP/no-groups.out" 2>"$TEST_TMP/no-groups.err" </dev/null
	rc=$?
	is no_additional_gids_clears_petrels_groups \
		"$rc|$(status_field "$(cat "$TEST_TMP/no-groups.out")" Groups)" "0|"
fi

# The affinity after execve is execCPUAffinity.final (the initial one only
# holds while the init sets up).
cpus=$(python3 -c 'import os; print(" ".join(map(str, sorted(os.sched_getaffinity(0)))))')
first_cpu=${cpus%% *}
last_cpu=${cpus##* }
ctr exec_cpu_affinity_final_is_in_effect \
	'c["process"]["execCPUAffinity"] = {"initial": "'"$first_cpu"'", "final": "'"$last_cpu"'"}' \
	cat /proc/self/status
run_ctr exec_cpu_affinity_final_is_in_effect
is exec_cpu_affinity_final_is_in_effect \
	"$rc $(status_field "$out" Cpus_allowed_list)" "0 $last_cpu"

# The final affinity is set after start: its error comes from start (run).
ctr exec_cpu_affinity_outside_the_allowed_cpus_fails_naming_it \
	'c["process"]["execCPUAffinity"] = {"final": "1023"}' true
run_ctr exec_cpu_affinity_outside_the_allowed_cpus_fails_naming_it
like exec_cpu_affinity_outside_the_allowed_cpus_fails_naming_it "$rc $err" \
	'^[1-9][0-9]* .*[Aa]ffinity.*"?1023"?'

# The init, once it is the container's user, still opens exec.fifo in the
# container's state directory: petrel's own umask must not lock it out.
ctr non_root_user_runs_under_a_restrictive_umask \
	'c["process"]["user"] = {"uid": 1000, "gid": 1000}' id -u
(umask 077 && exec "$PETREL" --root "$TEST_ROOT" run \
	--bundle "$TEST_TMP/non_root_user_runs_under_a_restrictive_umask" umask-077) \
	>"$TEST_TMP/umask.out" 2>"$TEST_TMP/umask.err" </dev/null
rc=$?
got="$rc $(cat "$TEST_TMP/umask.out")"
[ -s "$TEST_TMP/umask.err" ] && got="$got (stderr: $(cat "$TEST_TMP/umask.err"))"
is non_root_user_runs_under_a_restrictive_umask "$got" "0 1000"

is process_tests_leave_nothing_behind "$(leftovers; pt list -q 2>&1)" ""
tap_done
