#!/bin/bash
# `petrel exec`: every flag; with and without a terminal (a pty driven from
# here for the foreground relay, tests/helpers/console-receiver for
# --console-socket); --detach with --pid-file; exit status and signal
# propagation; the namespaces, cgroup, root, rlimits, capabilities and
# seccomp filter the process gets from the container; 50 concurrent execs;
# exec racing `delete --force`; and the errors (missing, stopped and paused
# containers, bad process JSON, command not found). Needs root. Prints TAP.
# PETREL names the binary (default: $top_builddir/petrel), CONSOLE_RECEIVER
# and SYSCALL_HELPER the helpers (default: under $top_builddir).

. "$(dirname "$0")/../lib/integration.sh" exec_integration
builddir=${top_builddir:-$(dirname "$PETREL")}
RECEIVER=${CONSOLE_RECEIVER:-$builddir/tests/helpers/console-receiver}
SYSCALL_HELPER=${SYSCALL_HELPER:-$builddir/tests/helpers/syscall}
NOTIFY_RECEIVER=${NOTIFY_RECEIVER:-$builddir/contrib/seccomp-notify-receiver}
# The system's python3 first: a pyenv shim costs 0.1 s a call.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

receiver_pid=
notify_pid=
cleanup() {
	[ -n "$receiver_pid" ] && kill "$receiver_pid" 2>/dev/null
	[ -n "$notify_pid" ] && kill "$notify_pid" 2>/dev/null
	cleanup_all
}
trap cleanup EXIT

for helper in "$RECEIVER" "$SYSCALL_HELPER" "$NOTIFY_RECEIVER"; do
	if [ ! -x "$helper" ]; then
		fail "exec_test_helpers_are_built" "not found: $helper (make check TESTS= builds it)"
		tap_done
		exit
	fi
done

# x ARGS...: `petrel exec ARGS...` with stdin from /dev/null, stdout and
# stderr into files; status in $rc, output in $out and $err.
x() {
	pt exec "$@" </dev/null >"$TEST_TMP/x.out" 2>"$TEST_TMP/x.err"
	rc=$?
	out=$(cat "$TEST_TMP/x.out")
	err=$(cat "$TEST_TMP/x.err")
}

# expect NAME RC PATTERN...: the last x exited RC and its stdout matches
# every pattern (grep -E); with RC 1 or 255 (petrel's errors) the patterns
# are for stderr.
expect() {
	local name=$1 want_rc=$2 pattern missing=() text
	shift 2
	text=$out
	[ "$want_rc" = 255 ] || [ "$want_rc" = 1 ] && text=$err
	for pattern in "$@"; do
		printf '%s\n' "$text" | grep -Eq -- "$pattern" || missing+=("$pattern")
	done
	if [ "$rc" = "$want_rc" ] && [ ${#missing[@]} -eq 0 ]; then
		ok "$name"
	else
		fail "$name" "exit status $rc (expected $want_rc)" "stdout: $out" "stderr: $err" \
			"patterns not matched: ${missing[*]}"
	fi
}

# container NAME PYTHON: bundle $TEST_TMP/NAME (make_bundle's config with
# `sleep 1000` as the process, changed by PYTHON) run detached as NAME.
container() {
	local dir=$TEST_TMP/$1
	make_bundle "$dir"
	edit_config "$dir" 'c["process"]["args"] = ["sleep", "1000"]
'"$2"
	pt run -d --bundle "$dir" "${@:3}" "$1" </dev/null >"$TEST_TMP/$1.run" 2>&1 || {
		fail "run_$1" "$(cat "$TEST_TMP/$1.run")"
		return 1
	}
}

init_pid() {
	state_field "$1" pid
}

# The main container: no no_new_privs (so the flag shows), its own rlimit.
container exec-ct 'c["process"]["noNewPrivileges"] = False
c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 777, "hard": 888}]
c["process"]["env"].append("FROM_CONFIG=yes")' || {
	tap_done
	exit
}
CT_PID=$(init_pid exec-ct)

# ------------------------------------------------------------ basics, status
x exec-ct echo hello from exec
expect exec_runs_the_command_and_passes_its_output 0 '^hello from exec$'

x exec-ct sh -c 'exit 42'
expect exec_exits_with_the_process_status 42
x exec-ct false
expect exec_exits_1_when_the_process_does 1
x exec-ct sh -c 'kill -TERM $$'
expect exec_exits_128_plus_the_signal_that_killed_the_process 143

out=$(echo "through stdin" | pt exec exec-ct cat 2>&1)
is exec_passes_stdin_without_a_terminal "$out" "through stdin"

x exec-ct sh -c 'tr "\0" " " </proc/1/cmdline'
expect exec_sees_the_container_init_as_pid_1 0 '^sleep 1000 $'

# ------------------------------------------------------------- namespaces
ns_list="ipc mnt net pid uts cgroup user time"
ns_of() { # PID: the namespaces of PID as the host sees them
	local n
	[ -n "$1" ] || return
	for n in $ns_list; do readlink "/proc/$1/ns/$n"; done
}
x exec-ct sh -c 'for n in '"$ns_list"'; do readlink /proc/self/ns/$n; done'
is exec_joins_every_namespace_of_the_init "$out" "$(ns_of "$CT_PID")"

# The user namespace's root must reach the rootfs.
chmod 755 "$TEST_TMP"
container exec-userns 'c["linux"]["namespaces"] += [{"type": "user"}, {"type": "time"}]
c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 200000, "size": 65536}]
c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 200000, "size": 65536}]
c["linux"]["timeOffsets"] = {"monotonic": {"secs": 864000, "nanosecs": 0},
                             "boottime": {"secs": 864000, "nanosecs": 0}}'
x exec-userns sh -c 'for n in '"$ns_list"'; do readlink /proc/self/ns/$n; done'
is exec_joins_the_user_and_time_namespaces_of_the_init "$out" "$(ns_of "$(init_pid exec-userns)")"
x exec-userns sh -c 'id -u; cat /proc/self/uid_map; cut -d" " -f1 /proc/uptime'
host_uptime=$(cut -d" " -f1 /proc/uptime)
if [ "$rc" = 0 ] && [ "$(echo "$out" | head -1)" = 0 ] &&
	echo "$out" | grep -Eq '^ +0 +200000 +65536$' &&
	python3 -c "import sys; sys.exit(not float(sys.argv[1]) > float(sys.argv[2]) + 800000)" \
		"$(echo "$out" | tail -1)" "$host_uptime"; then
	ok exec_in_a_user_namespace_is_its_root_with_the_time_offsets
else
	fail exec_in_a_user_namespace_is_its_root_with_the_time_offsets "rc $rc" "$out" "$err"
fi
x -u 1000:1000 -g 7 exec-userns id
expect exec_user_flag_inside_a_user_namespace 0 '^uid=1000 gid=1000 groups=7$'
pt delete -f exec-userns >/dev/null 2>&1

# ------------------------------------------------------- cgroup, root, rlimits
cgroups_of() { # PID: its cgroups, one line each
	sort "/proc/$1/cgroup"
}
x -d --pid-file "$TEST_TMP/cg.pid" exec-ct sleep 1001
cg_pid=$(cat "$TEST_TMP/cg.pid" 2>/dev/null)
if [ -n "$cg_pid" ] && [ "$(cgroups_of "$cg_pid")" = "$(cgroups_of "$CT_PID")" ]; then
	ok exec_process_is_in_the_cgroup_of_the_init
else
	fail exec_process_is_in_the_cgroup_of_the_init "rc $rc: $err" \
		"exec: $(cgroups_of "$cg_pid" 2>&1)" "init: $(cgroups_of "$CT_PID")"
fi
[ -n "$cg_pid" ] && kill "$cg_pid" 2>/dev/null

x exec-ct sh -c 'ls /; readlink /proc/self/root; pwd'
expect exec_runs_in_the_container_root 0 '^bin$' '^/$'
x exec-ct sh -c 'ulimit -n; ulimit -Hn'
is exec_gets_the_container_rlimits "$(echo $out)" "777 888"

container exec-nopivot '' --no-pivot
x exec-nopivot sh -c 'ls /bin/busybox && cat /proc/self/mountinfo | head -1'
expect exec_in_a_no_pivot_container_sees_its_root 0 '^/bin/busybox$' ' / ro,'
pt delete -f exec-nopivot >/dev/null 2>&1

# ------------------------------------------------------------- process flags
x --cwd /tmp exec-ct pwd
expect exec_cwd_sets_the_working_directory 0 '^/tmp$'
x --cwd tmp exec-ct pwd
expect exec_relative_cwd_is_an_error 255 'cwd "tmp" is not an absolute path'
x --cwd /no/such/dir exec-ct pwd
expect exec_missing_cwd_is_an_error 255 '/no/such/dir'

x -e A=1 --env B=two -e PATH=/bin:/usr/bin exec-ct sh -c 'echo $A $B $FROM_CONFIG; env | grep -c ^PATH=; echo $PATH'
expect exec_env_adds_and_replaces_variables 0 '^1 two yes$' '^1$' '^/bin:/usr/bin$'
x exec-ct sh -c 'echo $HOME'
expect exec_sets_home_from_the_container_passwd 0 '^/root$'

x --user 1000:1001 exec-ct sh -c 'id -u; id -g'
is exec_user_sets_uid_and_gid "$(echo $out)" "1000 1001"
x -u 1000 exec-ct sh -c 'id -u; id -g'
is exec_user_without_gid_keeps_the_container_gid "$(echo $out)" "1000 0"
x -u 1000:1000 -g 5 --additional-gids 6 exec-ct id -G
expect exec_additional_gids_add_groups 0 '^1000 5 6$'

capmask() { # NAME: the capability set NAME of the last x's output
	echo "$out" | awk -v n="Cap$1:" '$1 == n {print $2}'
}
has_cap() { # MASK BIT
	python3 -c 'import sys; sys.exit(not int(sys.argv[1], 16) >> int(sys.argv[2]) & 1)' "$1" "$2"
}
x exec-ct grep Cap /proc/self/status
base_eff=$(capmask Eff)
if has_cap "$base_eff" 21; then
	fail exec_without_cap_has_the_container_capabilities "CAP_SYS_ADMIN held: $out"
else
	ok exec_without_cap_has_the_container_capabilities
fi
x --cap CAP_SYS_ADMIN -c net_admin exec-ct grep Cap /proc/self/status
if [ "$rc" = 0 ] && has_cap "$(capmask Eff)" 21 && has_cap "$(capmask Prm)" 21 &&
	has_cap "$(capmask Bnd)" 21 && has_cap "$(capmask Eff)" 12; then
	ok exec_cap_adds_to_bounding_effective_permitted
else
	fail exec_cap_adds_to_bounding_effective_permitted "rc $rc" "$out" "$err"
fi
is exec_cap_leaves_the_inheritable_set_empty "$(capmask Inh) $(capmask Amb)" \
	"0000000000000000 0000000000000000"
# An unknown capability is left out with a warning, as runc does and as
# the spec asks of config.json's capabilities.
x --cap CAP_BOGUS --cap CAP_NET_RAW exec-ct grep CapEff /proc/self/status
if [ "$rc" = 0 ] && has_cap "$(capmask Eff)" 13 &&
	printf '%s\n' "$err" | grep -q 'warning.*unknown or unavailable capability "CAP_BOGUS"'; then
	ok exec_unknown_cap_is_ignored_with_a_warning
else
	fail exec_unknown_cap_is_ignored_with_a_warning "rc $rc" "$out" "$err"
fi

x exec-ct grep NoNewPrivs /proc/self/status
expect exec_keeps_the_container_no_new_privs 0 '0$'
x --no-new-privs exec-ct grep NoNewPrivs /proc/self/status
expect exec_no_new_privs_sets_it 0 '1$'

if grep -qx Y /sys/module/apparmor/parameters/enabled 2>/dev/null; then
	x --apparmor unconfined exec-ct cat /proc/self/attr/current
	expect exec_apparmor_sets_the_profile 0 'unconfined'
else
	x --apparmor petrel-test exec-ct true
	expect exec_apparmor_without_apparmor_is_an_error 255 'AppArmor is not enabled'
fi
if grep -qw selinuxfs /proc/filesystems; then
	skip exec_process_label_without_selinux_is_an_error "SELinux is enabled here"
else
	x --process-label system_u:system_r:container_t:s0 exec-ct true
	expect exec_process_label_without_selinux_is_an_error 255 'SELinux is not enabled'
fi

# --process: the whole process from a JSON file; the flags are not used.
cat >"$TEST_TMP/process.json" <<'EOF'
{"args": ["sh", "-c", "echo $DOC; id -u; pwd; grep -E 'CapEff|CapAmb' /proc/self/status; ulimit -n"],
 "cwd": "/etc", "env": ["DOC=from the document", "PATH=/bin"],
 "user": {"uid": 1234, "gid": 1234},
 "capabilities": {"bounding": ["CAP_NET_RAW"], "effective": ["CAP_NET_RAW"],
                  "permitted": ["CAP_NET_RAW"], "inheritable": ["CAP_NET_RAW"],
                  "ambient": ["CAP_NET_RAW"]},
 "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 555, "hard": 555}]}
EOF
x --process "$TEST_TMP/process.json" --cwd /tmp exec-ct ignored
expect exec_process_json_describes_the_process 0 '^from the document$' '^1234$' '^/etc$' \
	'CapEff:[[:space:]]+0000000000002000$' 'CapAmb:[[:space:]]+0000000000002000$' '^555$'
cat >"$TEST_TMP/process-min.json" <<'EOF'
{"args": ["sh", "-c", "ulimit -n; grep CapEff /proc/self/status"], "cwd": "/"}
EOF
x -p "$TEST_TMP/process-min.json" exec-ct
expect exec_process_json_takes_the_rest_from_the_container 0 '^777$' "CapEff:[[:space:]]+$base_eff\$"
echo '{"args": ["sh"], "cwd": "/", "user": {"uid": "root"}}' >"$TEST_TMP/bad.json"
x -p "$TEST_TMP/bad.json" exec-ct
expect exec_bad_process_json_names_the_field 255 'bad\.json: \.user\.uid: '
echo '{"args": ["sh"]}' >"$TEST_TMP/nocwd.json"
x -p "$TEST_TMP/nocwd.json" exec-ct
expect exec_process_json_without_cwd_names_it 255 'nocwd\.json: .*cwd'
x -p "$TEST_TMP/missing.json" exec-ct
expect exec_missing_process_json_is_an_error 255 'missing\.json'

# --preserve-fds: 3 and 4 go to the process, nothing else.
echo three >"$TEST_TMP/fd3"
echo four >"$TEST_TMP/fd4"
pt exec --preserve-fds 2 exec-ct sh -c 'cat <&3; cat <&4; ls /proc/self/fd | tr "\n" " "' \
	3<"$TEST_TMP/fd3" 4<"$TEST_TMP/fd4" 5<"$TEST_TMP/fd4" </dev/null >"$TEST_TMP/x.out" 2>&1
rc=$? out=$(cat "$TEST_TMP/x.out")
expect exec_preserve_fds_passes_fds_from_3 0 '^three$' '^four$' '^0 1 2 3 4 [0-9]+ $'
x --preserve-fds 40 exec-ct true
expect exec_preserve_fds_needs_the_fds_open 255 'fd [0-9]+ is not open'

# ---------------------------------------------------- detach and pid file
start=$(date +%s%N)
x -d --pid-file "$TEST_TMP/d.pid" exec-ct sleep 1234
elapsed=$((($(date +%s%N) - start) / 1000000))
d_pid=$(cat "$TEST_TMP/d.pid" 2>/dev/null)
if [ "$rc" = 0 ] && [ "$elapsed" -lt 5000 ] && [ -n "$d_pid" ] &&
	[ "$(tr '\0' ' ' <"/proc/$d_pid/cmdline")" = "sleep 1234 " ] &&
	[ "$(readlink "/proc/$d_pid/ns/pid")" = "$(readlink "/proc/$CT_PID/ns/pid")" ]; then
	ok exec_detach_returns_with_the_host_pid_in_the_pid_file
else
	fail exec_detach_returns_with_the_host_pid_in_the_pid_file "rc $rc after $elapsed ms: $err" \
		"pid file: $d_pid"
fi
[ -n "$d_pid" ] && kill "$d_pid" 2>/dev/null
x --pid-file "$TEST_TMP/f.pid" exec-ct true
f_pid=$(cat "$TEST_TMP/f.pid" 2>/dev/null)
if [ "$rc" = 0 ] && [[ $f_pid =~ ^[0-9]+$ ]] && [ "$f_pid" != "$CT_PID" ]; then
	ok exec_pid_file_in_the_foreground
else
	fail exec_pid_file_in_the_foreground "rc $rc, pid file '$f_pid': $err"
fi
x --pid-file /no/such/dir/pid exec-ct true
expect exec_pid_file_in_a_missing_directory_is_an_error 255 'pid file'

# --------------------------------------------------------------- signals
# timeout itself in the background, which passes the signal on to petrel.
(exec timeout -k 5 60 "$PETREL" --root "$TEST_ROOT" exec exec-ct \
	sh -c 'trap "echo got TERM; exit 9" TERM; echo ready; while :; do sleep 0.1; done' \
	</dev/null >"$TEST_TMP/sig.out" 2>&1) &
sig_pid=$!
for _ in $(seq 1 100); do
	grep -q ready "$TEST_TMP/sig.out" && break
	sleep 0.05
done
kill -TERM "$sig_pid"
wait "$sig_pid"
rc=$?
if [ "$rc" = 9 ] && grep -q "got TERM" "$TEST_TMP/sig.out"; then
	ok exec_forwards_signals_to_the_process
else
	fail exec_forwards_signals_to_the_process "rc $rc" "$(cat "$TEST_TMP/sig.out")"
fi

# -------------------------------------------------------------- terminals
# ptydrive OUTPUT ROWS COLS WAIT_FOR INPUT COMMAND...: COMMAND on a new pty
# of ROWSxCOLS; types INPUT once WAIT_FOR was printed; exits with COMMAND's
# status (124 after 30 s).
cat >"$TEST_TMP/ptydrive.py" <<'PY'
import fcntl, os, pty, select, signal, struct, sys, termios, time
out_path, rows, cols, wait_for, text = sys.argv[1:6]
pid, master = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", int(rows), int(cols), 0, 0))
    os.execv(sys.argv[6], sys.argv[6:])
deadline, out, typed = time.monotonic() + 30, b"", False
while time.monotonic() < deadline:
    r, _, _ = select.select([master], [], [], 0.5)
    if not r:
        continue
    try:
        data = os.read(master, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    if not typed and wait_for.encode() in out:
        os.write(master, text.encode())
        typed = True
open(out_path, "wb").write(out)
if time.monotonic() >= deadline:
    os.kill(pid, signal.SIGKILL)
    sys.exit(124)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
PY
timeout 60 python3 "$TEST_TMP/ptydrive.py" "$TEST_TMP/tty.out" 33 99 ready $'typed\n' \
	"$PETREL" --root "$TEST_ROOT" exec -t exec-ct \
	sh -c 'tty; stty size; echo ready; read x; echo got:$x; exit 5'
rc=$?
out=$(tr -d '\r' <"$TEST_TMP/tty.out")
expect exec_tty_relays_a_pty_in_the_foreground 5 '^/dev/pts/[0-9]+$' '^33 99$' '^got:typed$'

# --pidfd-socket: a pidfd of the exec'd process (payload "setns", as runc),
# detached and in the foreground.
for mode in -d ""; do
	rm -f "$TEST_TMP/pidfd.sock"
	"$RECEIVER" "$TEST_TMP/pidfd.sock" "$TEST_TMP/pidfd.out" --pidfd 2>"$TEST_TMP/pidfd.err" &
	pidfd_receiver=$!
	for _ in $(seq 1 100); do
		[ -S "$TEST_TMP/pidfd.sock" ] && break
		sleep 0.05
	done
	x $mode --pidfd-socket "$TEST_TMP/pidfd.sock" --pid-file "$TEST_TMP/pidfd.pid" exec-ct \
		sh -c 'sleep 0.3'
	timeout 30 tail --pid="$pidfd_receiver" -f /dev/null
	wait "$pidfd_receiver"
	is "exec${mode:+_detached}_sends_a_pidfd_of_the_process_to_the_pidfd_socket" \
		"$rc:$(tr '\n' ' ' <"$TEST_TMP/pidfd.out")" "0:setns $(cat "$TEST_TMP/pidfd.pid") exited "
done

receiver_out=$TEST_TMP/console.out
rm -f "$TEST_TMP/console.sock"
"$RECEIVER" "$TEST_TMP/console.sock" "$receiver_out" 2>"$receiver_out.err" &
receiver_pid=$!
for _ in $(seq 1 200); do
	[ -S "$TEST_TMP/console.sock" ] && break
	sleep 0.05
done
x -t -d --console-socket "$TEST_TMP/console.sock" exec-ct sh -c 'tty; echo via the socket'
timeout 30 tail --pid="$receiver_pid" -f /dev/null
receiver_pid=
out=$(tr -d '\r' <"$receiver_out")
expect exec_tty_detach_sends_the_pty_to_the_console_socket 0 '^/dev/pts/[0-9]+$' \
	'^via the socket$'
x -t -d exec-ct true
expect exec_tty_detach_without_console_socket_is_an_error 255 'console-socket'
x --console-socket "$TEST_TMP/console.sock" exec-ct true
expect exec_console_socket_without_tty_is_an_error 255 'needs --tty'
x -t --console-socket "$TEST_TMP/console.sock" exec-ct true
expect exec_console_socket_in_the_foreground_is_an_error 255 'needs --detach'
echo '{"args": ["true"], "cwd": "/", "terminal": true}' >"$TEST_TMP/tty.json"
x -p "$TEST_TMP/tty.json" --console-socket "$TEST_TMP/console.sock" exec-ct
expect exec_process_terminal_with_console_socket_in_the_foreground_is_an_error 255 \
	'needs --detach'

# ----------------------------------------------------------------- cgroups
# Sub-cgroups in every hierarchy of the container's cgroup, from its state.
cg_dirs=$(python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
for d in (s.get("cgroup") or {}).get("dirs", []):
    print((d["controllers"] or "v2") + "\t" + d["path"])' "$TEST_ROOT/exec-ct/state.json")
if [ -z "$cg_dirs" ]; then
	skip exec_cgroup_runs_in_a_sub_cgroup "the container has no cgroup directories"
else
	while IFS=$'\t' read -r ctrls dir; do
		mkdir -p "$dir/sub"
		# A v1 cpuset takes no process before it has CPUs and memory nodes.
		if [[ ,$ctrls, == *,cpuset,* ]]; then
			cat "$dir/cpuset.cpus" >"$dir/sub/cpuset.cpus"
			cat "$dir/cpuset.mems" >"$dir/sub/cpuset.mems"
		fi
	done <<<"$cg_dirs"
	x -d --pid-file "$TEST_TMP/sub.pid" --cgroup sub exec-ct sleep 1002
	sub_pid=$(cat "$TEST_TMP/sub.pid" 2>/dev/null)
	lines=$(cgroups_of "$sub_pid" 2>/dev/null | grep -vc '/sub$')
	if [ "$rc" = 0 ] && [ "$lines" = 0 ]; then
		ok exec_cgroup_runs_in_a_sub_cgroup
	else
		fail exec_cgroup_runs_in_a_sub_cgroup "rc $rc: $err" "$(cgroups_of "$sub_pid" 2>&1)"
	fi
	[ -n "$sub_pid" ] && kill "$sub_pid" 2>/dev/null
	if grep -q '^memory' <<<"$cg_dirs"; then
		x -d --pid-file "$TEST_TMP/sub.pid" --cgroup memory:sub exec-ct sleep 1003
		sub_pid=$(cat "$TEST_TMP/sub.pid" 2>/dev/null)
		if [ "$rc" = 0 ] && cgroups_of "$sub_pid" | grep -q ':memory:.*/sub$' &&
			[ "$(cgroups_of "$sub_pid" | grep -c '/sub$')" = 1 ]; then
			ok exec_cgroup_with_a_controller_moves_only_that_one
		else
			fail exec_cgroup_with_a_controller_moves_only_that_one "rc $rc: $err" \
				"$(cgroups_of "$sub_pid" 2>&1)"
		fi
		[ -n "$sub_pid" ] && kill "$sub_pid" 2>/dev/null
	else
		skip exec_cgroup_with_a_controller_moves_only_that_one "no v1 memory hierarchy"
	fi
	x --cgroup nosuch exec-ct true
	expect exec_cgroup_missing_sub_cgroup_is_an_error 255 'nosuch'
	# The processes in them are killed; their exit leaves them empty.
	for _ in $(seq 1 100); do
		busy=
		while IFS=$'\t' read -r _ dir; do
			[ -d "$dir/sub" ] && ! rmdir "$dir/sub" 2>/dev/null && busy=1
		done <<<"$cg_dirs"
		[ -z "$busy" ] && break
		sleep 0.05
	done
fi
x --cgroup memory:a --cgroup memory:b exec-ct true
expect exec_cgroup_controller_twice_is_an_error 255 'controller memory specified multiple times'
x --cgroup a --cgroup b exec-ct true
expect exec_cgroup_several_paths_need_controllers 255 'missing <controller>: prefix'

# ------------------------------------------------ cgroups, per controller
# runc's v1 form: each hierarchy named by a controller goes to its own
# sub-cgroup (several --cgroup values, or a controller list on one); the
# others stay in the container's cgroup. Sub-cgroups made from the host.
# with_subs LINES CTRL=PATH...: /proc/PID/cgroup LINES with PATH below the
# cgroup of each hierarchy that has CTRL.
with_subs() {
	python3 - "$@" <<'PY'
import sys
subs = dict(a.split("=", 1) for a in sys.argv[2:])
for line in sys.argv[1].splitlines():
    n, ctrls, path = line.split(":", 2)
    for c in ctrls.split(","):
        if c in subs:
            path = path.rstrip("/") + "/" + subs[c]
    print(":".join((n, ctrls, path)))
PY
}
v1_dir() { # CONTROLLER: exec-ct's v1 directory whose hierarchy has it
	awk -F'\t' -v c="$1" '{ n = split($1, a, ",")
		for (i = 1; i <= n; i++) if (a[i] == c) { print $2; exit } }' <<<"$cg_dirs"
}
cpu_dir=$(v1_dir cpu)
mem_dir=$(v1_dir memory)
if [ -z "$cpu_dir" ] || [ -z "$mem_dir" ] || [ "$cpu_dir" = "$mem_dir" ]; then
	for t in exec_cgroup_per_controller_paths exec_cgroup_controller_list_on_one_value; do
		skip "$t" "no separate v1 cpu and memory hierarchies"
	done
else
	mkdir -p "$cpu_dir/a" "$mem_dir/b" "$cpu_dir/c" "$mem_dir/c"
	x exec-ct cat /proc/self/cgroup
	base=$out
	x --cgroup cpu:a --cgroup memory:b exec-ct cat /proc/self/cgroup
	is exec_cgroup_per_controller_paths "$rc:$(sort <<<"$out")" \
		"0:$(with_subs "$base" cpu=a memory=b | sort)"
	x --cgroup cpu,memory:c exec-ct cat /proc/self/cgroup
	is exec_cgroup_controller_list_on_one_value "$rc:$(sort <<<"$out")" \
		"0:$(with_subs "$base" cpu=c memory=c | sort)"
	for _ in $(seq 1 100); do
		rmdir "$cpu_dir/a" "$mem_dir/b" "$cpu_dir/c" "$mem_dir/c" 2>/dev/null
		[ -d "$cpu_dir/a" ] || [ -d "$mem_dir/b" ] || [ -d "$cpu_dir/c" ] ||
			[ -d "$mem_dir/c" ] || break
		sleep 0.05
	done
fi
if grep -qv -e '^v2' -e '^$' <<<"$cg_dirs"; then
	x --cgroup memory:b --cgroup foo:sub exec-ct echo ran
	expect exec_cgroup_unknown_controller_is_an_error 255 'unknown controller "foo"'
	is exec_cgroup_unknown_controller_runs_nothing "$out" ""
else # runc ignores controllers on v2 (cgroups-v2.sh)
	for t in exec_cgroup_unknown_controller_is_an_error \
		exec_cgroup_unknown_controller_runs_nothing; do
		skip "$t" "no v1 hierarchy"
	done
fi
x --cgroup memory:../x exec-ct true
expect exec_cgroup_parent_path_is_an_error 255 'relative path without "\.\."'
# Two controllers of one hierarchy (cpu,cpuacct mounted together, say).
shared=$(awk -F'\t' '$1 ~ /,/ && $1 !~ /=/ { print $1 "\t" $2; exit }' <<<"$cg_dirs")
if [ -n "$shared" ]; then
	IFS=$'\t' read -r ctrls dir <<<"$shared"
	first=${ctrls%%,*} rest=${ctrls#*,}
	second=${rest%%,*}
	mkdir -p "$dir/a"
	x --cgroup "$first:a" --cgroup "$second:a" exec-ct sh -c 'grep -c "^[0-9]*:'"$ctrls"':.*/a$" /proc/self/cgroup'
	expect exec_cgroup_same_path_for_one_hierarchy_is_allowed 0 '^1$'
	x --cgroup "$first:a" --cgroup "$second:b" exec-ct true
	expect exec_cgroup_two_paths_for_one_hierarchy_is_an_error 255 \
		"\"$first\" and \"$second\" share the hierarchy"
	rmdir "$dir/a" 2>/dev/null
else
	for t in exec_cgroup_same_path_for_one_hierarchy_is_allowed \
		exec_cgroup_two_paths_for_one_hierarchy_is_an_error; do
		skip "$t" "no v1 hierarchy here has two controllers"
	done
fi

# ---------------------------------------------------------------- seccomp
SC_ROOTFS=$TEST_TMP/sc-rootfs
cp -a "$ROOTFS_CACHE" "$SC_ROOTFS" && cp "$SYSCALL_HELPER" "$SC_ROOTFS/bin/syscall"
container exec-filtered 'c["root"]["path"] = "'"$SC_ROOTFS"'"
c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 42}]}'
x exec-filtered /bin/syscall getppid
expect exec_process_runs_under_the_container_seccomp_filter 0 '^ret=-1 errno=42$'
echo '{"args": ["/bin/syscall", "getppid"], "cwd": "/", "noNewPrivileges": false}' \
	>"$TEST_TMP/sc.json"
x -p "$TEST_TMP/sc.json" exec-filtered
expect exec_seccomp_filter_without_no_new_privs 0 '^ret=-1 errno=42$'
x exec-ct /bin/sh -c 'cat /proc/self/status | grep ^Seccomp:'
expect exec_without_a_container_filter_has_none 0 'Seccomp:[[:space:]]+0$'
# --no-new-privs=false clears the container's noNewPrivileges (as runc);
# the filter still goes in.
x exec-filtered grep NoNewPrivs /proc/self/status
expect exec_keeps_the_container_no_new_privs_when_set 0 '1$'
x --no-new-privs=false exec-filtered sh -c 'grep NoNewPrivs /proc/self/status; /bin/syscall getppid'
expect exec_no_new_privs_false_clears_it_and_keeps_the_filter 0 'NoNewPrivs:[[:space:]]+0$' \
	'^ret=-1 errno=42$'
pt delete -f exec-filtered >/dev/null 2>&1

# A notifying profile: the exec'd process's listener goes to the agent too.
"$NOTIFY_RECEIVER" --errno 13 "$TEST_TMP/notify.sock" >"$TEST_TMP/notify.out" 2>&1 &
notify_pid=$!
for _ in $(seq 1 100); do
	[ -S "$TEST_TMP/notify.sock" ] && break
	sleep 0.05
done
container exec-notified 'c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW",
    "listenerPath": "'"$TEST_TMP/notify.sock"'", "listenerMetadata": "exec-test",
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}'
x exec-notified sh -c 'mkdir /dev/shm/made 2>&1; echo mkdir=$?'
if [ "$rc" = 0 ] && grep -q 'Permission denied' <<<"$out" && grep -q 'mkdir=1' <<<"$out" &&
	[ "$(grep -c '"metadata":"exec-test"' "$TEST_TMP/notify.out")" = 2 ]; then
	ok exec_notify_profile_sends_the_process_listener_to_the_agent
else
	fail exec_notify_profile_sends_the_process_listener_to_the_agent "rc $rc: $out $err" \
		"agent: $(cat "$TEST_TMP/notify.out")"
fi
# Without no_new_privs the filter goes in before the user changes, while
# petrel may still be moving the process into its cgroup.
echo '{"args": ["sh", "-c", "mkdir /dev/shm/made 2>&1; echo mkdir=$?"], "cwd": "/",
       "noNewPrivileges": false, "user": {"uid": 1000, "gid": 1000}}' >"$TEST_TMP/notify.json"
x -p "$TEST_TMP/notify.json" exec-notified
if [ "$rc" = 0 ] && grep -q 'Permission denied' <<<"$out" &&
	[ "$(grep -c '"metadata":"exec-test"' "$TEST_TMP/notify.out")" = 3 ]; then
	ok exec_notify_profile_without_no_new_privs
else
	fail exec_notify_profile_without_no_new_privs "rc $rc: $out $err" \
		"agent: $(cat "$TEST_TMP/notify.out")"
fi
pt delete -f exec-notified >/dev/null 2>&1
kill "$notify_pid" 2>/dev/null
wait "$notify_pid" 2>/dev/null
notify_pid=

# ------------------------------------------------------------------ errors
x nosuch true
expect exec_missing_container_is_an_error 255 'container "nosuch" does not exist'
x exec-ct no-such-command
expect exec_command_not_found_says_so 255 'exec: "no-such-command": executable file not found in \$PATH'
x exec-ct /no/such/file
expect exec_missing_path_says_so 255 '/no/such/file'

container exec-stopper 'c["process"]["args"] = ["true"]'
wait_status exec-stopper stopped
x exec-stopper true
expect exec_stopped_container_is_an_error 255 'cannot exec in a stopped container'
pt delete exec-stopper >/dev/null 2>&1

if pt pause exec-ct >"$TEST_TMP/pause.out" 2>&1; then
	x exec-ct true
	expect exec_paused_container_is_an_error 255 \
		'cannot exec in a paused container \(use --ignore-paused to override\)'
	(
		sleep 1
		pt resume exec-ct
	) &
	x --ignore-paused exec-ct echo after resume
	wait
	expect exec_ignore_paused_runs_once_resumed 0 '^after resume$'
else
	skip exec_paused_container_is_an_error "pause does not work: $(cat "$TEST_TMP/pause.out")"
	skip exec_ignore_paused_runs_once_resumed "pause does not work"
fi

# A created container's init waits for start; exec works already (as runc).
make_bundle "$TEST_TMP/created"
edit_config "$TEST_TMP/created" 'c["process"]["args"] = ["sleep", "1000"]'
pt create --bundle "$TEST_TMP/created" exec-created </dev/null >/dev/null 2>&1
x exec-created echo in created
if [ "$rc" = 0 ] && [ "$out" = "in created" ] &&
	[ "$(state_field exec-created status)" = created ]; then
	ok exec_in_a_created_container_leaves_it_created
else
	fail exec_in_a_created_container_leaves_it_created "rc $rc: $out $err" \
		"status: $(state_field exec-created status)"
fi
pt delete -f exec-created >/dev/null 2>&1

# ------------------------------------------------------------- concurrency
for i in $(seq 1 50); do
	pt exec exec-ct sh -c "echo $i" </dev/null >"$TEST_TMP/conc.$i" 2>&1 &
	pids[i]=$!
done
bad=
for i in $(seq 1 50); do
	wait "${pids[i]}" || bad+=" $i(rc $?)"
	[ "$(cat "$TEST_TMP/conc.$i")" = "$i" ] || bad+=" $i($(cat "$TEST_TMP/conc.$i"))"
done
is exec_50_concurrent_execs_all_succeed "$bad" ""

# exec racing delete --force: no hang, no process or state left behind.
for round in 1 2 3; do
	container exec-race$round '' || break
	race_cg=$(python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
print(" ".join(d["path"] for d in (s.get("cgroup") or {}).get("dirs", [])))' \
		"$TEST_ROOT/exec-race$round/state.json")
	pids=()
	for i in $(seq 1 10); do
		PETREL_TEST_TIMEOUT=20 pt exec exec-race$round sleep 7771 </dev/null >/dev/null 2>&1 &
		pids+=($!)
		PETREL_TEST_TIMEOUT=20 pt exec -d exec-race$round sleep 7772 </dev/null >/dev/null 2>&1 &
		pids+=($!)
	done
	sleep "0.0$round"
	PETREL_TEST_TIMEOUT=20 pt delete --force exec-race$round >"$TEST_TMP/race.err" 2>&1
	del_rc=$?
	hung=
	for p in "${pids[@]}"; do
		wait "$p"
		[ $? = 124 ] && hung+=" $p"
	done
	sleep 0.2
	left=$(pgrep -f 'sleep 777[12]')
	cg_left=
	for d in $race_cg; do [ -d "$d" ] && cg_left+=" $d"; done
	if [ "$del_rc" = 0 ] && [ -z "$hung" ] && [ -z "$left" ] && [ -z "$cg_left" ] &&
		[ ! -e "$TEST_ROOT/exec-race$round" ]; then
		ok "exec_racing_delete_force_leaves_nothing_round_$round"
	else
		fail "exec_racing_delete_force_leaves_nothing_round_$round" "delete: $del_rc $(cat "$TEST_TMP/race.err")" \
			"hung execs:$hung" "processes left: $left" "cgroups left:$cg_left" \
			"state: $(ls "$TEST_ROOT")"
		pkill -f 'sleep 777[12]'
	fi
done

pt delete -f exec-ct >/dev/null 2>&1
is exec_tests_leave_nothing_behind "$(leftovers)" ""
tap_done
