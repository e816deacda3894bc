#!/bin/bash
# A container's life through petrel's commands, checked against runc's
# behaviour: create (pid file, hooks, the waiting init left alone), start,
# state, kill, delete, run (exit codes, signal forwarding, --keep, --detach)
# and list, every wrong-state error, container id validation, the fds a
# container gets (--preserve-fds, $LISTEN_FDS), and cwd/executable errors.
# After each group nothing is left behind. Needs root; prints TAP. PETREL
# names the binary (default: $top_builddir/petrel).

. "$(dirname "$0")/../lib/integration.sh" lifecycle_integration
trap cleanup_all EXIT

# Pids of every container init the tests made; all must be gone at the end
# of each group.
TRACKED_PIDS=()

# bundle NAME ARG...: a bundle $TEST_TMP/NAME running ARG...; prints its path.
bundle() {
	local dir=$TEST_TMP/$1
	shift
	make_bundle "$dir"
	set_args "$dir" "$@"
	echo "$dir"
}

# create_ctr BUNDLE ID [FLAGS...]: petrel create; the container's stdio (and
# create's) go to $TEST_TMP/ID.out and ID.err. Status in $rc, stderr in $err.
create_ctr() {
	local b=$1 id=$2
	shift 2
	pt create --bundle "$b" "$@" "$id" >"$TEST_TMP/$id.out" 2>"$TEST_TMP/$id.err" </dev/null
	rc=$?
	err=$(cat "$TEST_TMP/$id.err")
	track "$id"
}

# run_fg BUNDLE ID [FLAGS...]: petrel run in the foreground; like create_ctr.
run_fg() {
	local b=$1 id=$2
	shift 2
	pt run --bundle "$b" "$@" "$id" >"$TEST_TMP/$id.out" 2>"$TEST_TMP/$id.err" </dev/null
	rc=$?
	out=$(cat "$TEST_TMP/$id.out")
	err=$(cat "$TEST_TMP/$id.err")
}

# run_bg BUNDLE ID [FLAGS...]: petrel run in the foreground as a background
# job; its pid (petrel's own, for signals) in $bg.
run_bg() {
	local b=$1 id=$2
	shift 2
	"$PETREL" --root "$TEST_ROOT" run --bundle "$b" "$@" "$id" \
		>"$TEST_TMP/$id.out" 2>"$TEST_TMP/$id.err" </dev/null &
	bg=$!
}

# track ID: remembers the container's init pid, if it has one.
track() {
	local pid
	pid=$(state_field "$1" pid 2>/dev/null) || return 0
	[ -n "$pid" ] && [ "$pid" != 0 ] && TRACKED_PIDS+=("$pid")
	return 0
}

# wait_dead PID [TIMEOUT_S]
wait_dead() {
	local _
	for _ in $(seq 1 $((${2:-10} * 20))); do
		proc_alive "$1" || return 0
		sleep 0.05
	done
	return 1
}

# reap PID [TIMEOUT_S]: waits for a background job, status in $rc; a job
# still there after the timeout is killed and gets status 124.
reap() {
	local deadline=$((SECONDS + ${2:-20}))
	while proc_alive "$1" && [ "$SECONDS" -lt "$deadline" ]; do
		sleep 0.05
	done
	if proc_alive "$1"; then
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		rc=124
		return
	fi
	wait "$1"
	rc=$?
}

# petrel_procs: pids of the processes whose command line names the test's
# state root: petrel commands and the inits that have not exec'd yet.
petrel_procs() {
	local f cmd
	for f in /proc/[0-9]*/cmdline; do
		cmd=$(tr '\0' ' ' 2>/dev/null <"$f") || continue
		[[ $cmd == *"$TEST_ROOT "* ]] && { f=${f#/proc/}; echo "${f%/cmdline}"; }
	done
	return 0
}

# pid_ns_members INIT_PID CMDLINE: pids in INIT_PID's pid namespace whose
# command line (spaces for NULs) is CMDLINE.
pid_ns_members() {
	local ns p cmd
	ns=$(readlink "/proc/$1/ns/pid") || return 0
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] || continue
		cmd=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline")
		[ "${cmd% }" = "$2" ] && proc_alive "${p#/proc/}" && echo "${p#/proc/}"
	done
	return 0
}

# assert_clean GROUP: nothing of the group is left (state dirs, mounts,
# listed containers, container processes); removes whatever is, so that the
# next group starts clean.
assert_clean() {
	local left listed alive="" pid id procs
	left=$(leftovers)
	listed=$(pt list -q 2>&1)
	for pid in "${TRACKED_PIDS[@]}"; do
		proc_alive "$pid" && alive="$alive $pid"
	done
	procs=$(petrel_procs)
	if [ -z "$left" ] && [ -z "$listed" ] && [ -z "$alive" ] && [ -z "$procs" ]; then
		ok "$1_leaves_nothing_behind"
	else
		fail "$1_leaves_nothing_behind" "state/mounts: $left" "listed: $listed" \
			"live inits:$alive" "petrel processes: $procs"
		for id in $(pt list -q 2>/dev/null); do
			pt delete --force "$id" >/dev/null 2>&1
		done
		for pid in "${TRACKED_PIDS[@]}" $procs; do
			proc_alive "$pid" && kill -KILL "$pid" 2>/dev/null
		done
		rm -rf --one-file-system "${TEST_ROOT:?}"/*
	fi
	TRACKED_PIDS=()
}

RFC3339='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?'
RFC3339+='(Z|[+-][0-9]{2}:[0-9]{2})$'

SLEEPER=$(bundle sleeper sh -c 'echo started; exec sleep 1000')
# Which file a process runs, as device:inode: the container's processes run
# the rootfs's busybox, a waiting init runs petrel (or a sealed copy).
exe_id() { stat -L -c %d:%i "/proc/$1/exe" 2>/dev/null; }
BUSYBOX_ID=$(stat -L -c %d:%i "$ROOTFS_CACHE/bin/busybox")
# Traps TERM, USR1 and HUP, saying which it got; TERM does not end it.
TRAPPER=$(bundle trapper sh -c 'trap "echo got-TERM" TERM; trap "echo got-USR1" USR1;
	trap "echo got-HUP" HUP; echo ready; while :; do sleep 0.1; done')
# Exits 42 on TERM.
TERMINATOR=$(bundle terminator sh -c 'trap "echo got-USR1" USR1; trap "echo got-TERM; exit 42" TERM;
	echo ready; while :; do sleep 0.1; done')

# ---------------------------------------------------------------- create
create_ctr "$SLEEPER" c1 --pid-file "$TEST_TMP/c1.pid"
if [ "$rc" -eq 0 ]; then
	ok "create_succeeds"
else
	fail "create_succeeds" "status $rc" "$err"
fi
is "create_leaves_container_created" "$(state_field c1 status)" created
pidfile=$(cat "$TEST_TMP/c1.pid" 2>/dev/null)
state_pid=$(state_field c1 pid)
like "create_pid_file_holds_a_bare_pid" "$pidfile" '^[0-9]+$'
is "create_pid_file_matches_state_pid" "$pidfile" "$state_pid"
if [ -n "$pidfile" ] && [ "$pidfile" != 1 ] && proc_alive "$pidfile"; then
	ok "create_pid_file_is_the_host_pid_of_a_live_init"
else
	fail "create_pid_file_is_the_host_pid_of_a_live_init" "pid file: $pidfile"
fi
if [ -d "$TEST_ROOT/c1" ]; then
	ok "create_keeps_state_under_root_slash_id"
else
	fail "create_keeps_state_under_root_slash_id" "$(ls -la "$TEST_ROOT" 2>&1)"
fi
# No petrel process but the init itself (which names the root only as long
# as it is a copy of petrel create).
procs=$(petrel_procs | grep -vx "$state_pid" | tr '\n' ' ')
is "create_leaves_the_waiting_init_as_the_only_process" "$procs" ""
ppid=$(awk '{ sub(/.*\) /, ""); print $2 }' "/proc/$state_pid/stat" 2>/dev/null)
parent_cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$ppid/cmdline")
if [ -n "$ppid" ] && [[ $parent_cmd != *"$TEST_ROOT"* ]]; then
	ok "create_init_parent_is_not_a_petrel_process"
else
	fail "create_init_parent_is_not_a_petrel_process" "parent $ppid: $parent_cmd"
fi
exe=$(exe_id "$state_pid")
if [ -n "$exe" ] && [ "$exe" != "$BUSYBOX_ID" ]; then
	ok "create_does_not_exec_the_process_before_start"
else
	fail "create_does_not_exec_the_process_before_start" \
		"init runs $(readlink "/proc/$state_pid/exe") ($exe, busybox is $BUSYBOX_ID)"
fi

create_ctr "$SLEEPER" c1
if [ "$rc" -ne 0 ] && [[ $err == *"already exists"* ]] &&
	[ "$(state_field c1 pid)" = "$state_pid" ] && [ "$(state_field c1 status)" = created ]; then
	ok "create_refuses_an_existing_id_and_keeps_the_container"
else
	fail "create_refuses_an_existing_id_and_keeps_the_container" "status $rc: $err" \
		"$(pt state c1 2>&1)"
fi

# ---------------------------------------------------------------- start
run_pt start c1
is "start_of_created_container_succeeds" "$rc:$err" "0:"
is "start_makes_container_running" "$(state_field c1 status)" running
if wait_output "$TEST_TMP/c1.out" '^started$'; then
	ok "start_runs_the_process_with_create_stdio"
else
	fail "start_runs_the_process_with_create_stdio" "$(cat "$TEST_TMP/c1.out")"
fi
exe=$(exe_id "$state_pid")
if [ "$exe" = "$BUSYBOX_ID" ]; then
	ok "start_execs_the_process_in_the_init"
else
	fail "start_execs_the_process_in_the_init" \
		"init runs $(readlink "/proc/$state_pid/exe") ($exe, busybox is $BUSYBOX_ID)"
fi
run_pt start c1
if [ "$rc" -ne 0 ] && [[ $err == *running* ]]; then
	ok "start_twice_fails"
else
	fail "start_twice_fails" "status $rc: $err"
fi
is "start_twice_leaves_container_running" "$(state_field c1 status)" running

# ---------------------------------------------------------------- state
run_pt state c1
st=$out
is "state_prints_ociVersion_id_status" \
	"$(json_get "$st" '"%s %s %s" % ("ociVersion" in j, j.get("id"), j.get("status"))')" \
	"True c1 running"
is "state_pid_is_the_init_pid" "$(json_get "$st" 'j.get("pid")')" "$state_pid"
is "state_bundle_is_the_absolute_bundle_path" "$(json_get "$st" 'j.get("bundle")')" "$SLEEPER"
is "state_rootfs_is_the_absolute_rootfs_path" "$(json_get "$st" 'j.get("rootfs")')" \
	"$SLEEPER/rootfs"
like "state_created_is_rfc3339" "$(json_get "$st" 'j.get("created")')" "$RFC3339"
is "state_owner_is_the_creating_user" "$(json_get "$st" 'j.get("owner")')" "$(id -un)"
like "state_ociVersion_is_a_version" "$(json_get "$st" 'j.get("ociVersion")')" '^1\.[0-9]+\.[0-9]+'

# ---------------------------------------------------------------- delete and kill when running
run_pt delete c1
if [ "$rc" -ne 0 ] && [[ $err == *"not stopped"* || $err == *running* ]]; then
	ok "delete_refuses_running_container"
else
	fail "delete_refuses_running_container" "status $rc: $err"
fi
if [ "$(state_field c1 status)" = running ] && proc_alive "$state_pid" &&
	[ -d "$TEST_ROOT/c1" ]; then
	ok "delete_without_force_leaves_running_container_untouched"
else
	fail "delete_without_force_leaves_running_container_untouched" "$(pt state c1 2>&1)"
fi
run_pt kill c1 KILL
is "kill_KILL_succeeds" "$rc:$err" "0:"
if wait_status c1 stopped 10; then
	ok "kill_KILL_stops_the_container"
else
	fail "kill_KILL_stops_the_container" "$(pt state c1 2>&1)"
fi
is "state_of_stopped_container_has_pid_0" "$(state_field c1 pid)" 0
run_pt kill c1 KILL
if [ "$rc" -ne 0 ] && [[ $err == *"not running"* ]]; then
	ok "kill_of_stopped_container_fails"
else
	fail "kill_of_stopped_container_fails" "status $rc: $err"
fi
run_pt start c1
if [ "$rc" -ne 0 ] && [[ $err == *stopped* ]]; then
	ok "start_of_stopped_container_fails"
else
	fail "start_of_stopped_container_fails" "status $rc: $err"
fi
run_pt delete c1
is "delete_of_stopped_container_succeeds" "$rc:$err" "0:"
if [ ! -e "$TEST_ROOT/c1" ] && ! pt state c1 >/dev/null 2>&1; then
	ok "delete_removes_the_state"
else
	fail "delete_removes_the_state" "$(ls -la "$TEST_ROOT/c1" 2>&1)"
fi
assert_clean "create_start_kill_delete"

# ---------------------------------------------------------------- hooks run before create returns
HOOKED=$(bundle hooked sh -c 'exec sleep 1000')
edit_config "$HOOKED" "
c['hooks'] = {'createRuntime': [{'path': '/bin/sh',
	'args': ['sh', '-c', 'cat > $TEST_TMP/hook.state']}]}"
create_ctr "$HOOKED" hk1
if [ "$rc" -eq 0 ] && [ -s "$TEST_TMP/hook.state" ]; then
	ok "create_returns_after_createRuntime_hooks_ran"
else
	fail "create_returns_after_createRuntime_hooks_ran" "status $rc: $err" \
		"$(ls -la "$TEST_TMP/hook.state" 2>&1)"
fi
hs=$(cat "$TEST_TMP/hook.state" 2>/dev/null)
is "createRuntime_hook_reads_the_state_with_the_init_pid" \
	"$(json_get "$hs" '"%s %s" % (j.get("id"), j.get("pid"))' 2>&1)" "hk1 $(state_field hk1 pid)"
run_pt delete hk1
is "delete_of_created_container_succeeds" "$rc:$err" "0:"
assert_clean "create_hooks"

# ---------------------------------------------------------------- delete of a created container
create_ctr "$SLEEPER" c2 --pid-file "$TEST_TMP/c2.pid"
c2pid=$(cat "$TEST_TMP/c2.pid" 2>/dev/null)
run_pt delete c2
if [ "$rc" -eq 0 ] && [ ! -e "$TEST_ROOT/c2" ] && wait_dead "$c2pid" 10; then
	ok "delete_of_created_container_kills_its_init_and_removes_it"
else
	fail "delete_of_created_container_kills_its_init_and_removes_it" "status $rc: $err" \
		"init $c2pid alive: $(proc_alive "$c2pid" && echo yes || echo no)"
fi
if [ ! -s "$TEST_TMP/c2.out" ]; then
	ok "deleted_created_container_never_ran_its_process"
else
	fail "deleted_created_container_never_ran_its_process" "$(cat "$TEST_TMP/c2.out")"
fi

# kill KILL of a created container stops it; start then fails.
create_ctr "$SLEEPER" c3
run_pt kill c3 SIGKILL
if [ "$rc" -eq 0 ] && wait_status c3 stopped 10; then
	ok "kill_SIGKILL_stops_a_created_container"
else
	fail "kill_SIGKILL_stops_a_created_container" "status $rc: $err" "$(pt state c3 2>&1)"
fi
run_pt start c3
if [ "$rc" -ne 0 ] && [[ $err == *stopped* ]]; then
	ok "start_of_container_killed_before_start_fails"
else
	fail "start_of_container_killed_before_start_fails" "status $rc: $err"
fi
run_pt delete c3
is "delete_of_container_killed_before_start_succeeds" "$rc:$err" "0:"

# delete --force of a running container
create_ctr "$SLEEPER" c4 --pid-file "$TEST_TMP/c4.pid"
c4pid=$(cat "$TEST_TMP/c4.pid" 2>/dev/null)
pt start c4 >/dev/null 2>&1
run_pt delete --force c4
if [ "$rc" -eq 0 ] && [ ! -e "$TEST_ROOT/c4" ] && wait_dead "$c4pid" 10; then
	ok "delete_force_kills_and_removes_running_container"
else
	fail "delete_force_kills_and_removes_running_container" "status $rc: $err"
fi

# missing containers
run_pt delete nosuch
if [ "$rc" -ne 0 ] && [[ $err == *"does not exist"* ]]; then
	ok "delete_of_missing_container_says_it_does_not_exist"
else
	fail "delete_of_missing_container_says_it_does_not_exist" "status $rc: $err"
fi
run_pt delete --force nosuch
is "delete_force_of_missing_container_succeeds" "$rc:$err" "0:"
for cmd in start state kill; do
	run_pt "$cmd" nosuch
	if [ "$rc" -ne 0 ] && [[ $err == *"does not exist"* ]]; then
		ok "${cmd}_of_missing_container_says_it_does_not_exist"
	else
		fail "${cmd}_of_missing_container_says_it_does_not_exist" "status $rc: $err"
	fi
done
assert_clean "delete"

# ---------------------------------------------------------------- kill: signal names and numbers
create_ctr "$TRAPPER" k1
pt start k1 >/dev/null 2>&1
track k1
wait_output "$TEST_TMP/k1.out" '^ready$'
run_pt kill k1
if [ "$rc" -eq 0 ] && wait_output "$TEST_TMP/k1.out" '^got-TERM$'; then
	ok "kill_sends_SIGTERM_by_default"
else
	fail "kill_sends_SIGTERM_by_default" "status $rc: $err" "$(cat "$TEST_TMP/k1.out")"
fi
for sig in USR1:USR1 SIGHUP:HUP sigusr1:USR1 1:HUP; do
	: >"$TEST_TMP/k1.out"
	run_pt kill k1 "${sig%%:*}"
	if [ "$rc" -eq 0 ] && wait_output "$TEST_TMP/k1.out" "^got-${sig#*:}$"; then
		ok "kill_by_signal_${sig%%:*}_delivers_SIG${sig#*:}"
	else
		fail "kill_by_signal_${sig%%:*}_delivers_SIG${sig#*:}" "status $rc: $err" \
			"$(cat "$TEST_TMP/k1.out")"
	fi
done
run_pt kill k1 NOSUCHSIG
if [ "$rc" -ne 0 ] && [ "$(state_field k1 status)" = running ]; then
	ok "kill_with_unknown_signal_fails"
else
	fail "kill_with_unknown_signal_fails" "status $rc: $err"
fi
is "container_survives_signals_it_traps" "$(state_field k1 status)" running
run_pt kill k1 9
if [ "$rc" -eq 0 ] && wait_status k1 stopped 10; then
	ok "kill_by_number_9_stops_the_container"
else
	fail "kill_by_number_9_stops_the_container" "status $rc: $err"
fi
pt delete k1 >/dev/null 2>&1

# kill --all reaches every process of the container, kill only the init.
ALLK=$(bundle allk sh -c 'trap "echo got-TERM" TERM; sleep 1000 & echo ready;
	while :; do sleep 0.1; done')
create_ctr "$ALLK" k2
pt start k2 >/dev/null 2>&1
track k2
wait_output "$TEST_TMP/k2.out" '^ready$'
k2pid=$(state_field k2 pid)
child=$(pid_ns_members "$k2pid" "sleep 1000")
if [ -z "$child" ]; then
	fail "kill_without_all_spares_other_processes" "no 'sleep 1000' in the container"
	fail "kill_all_signals_every_process"
else
	run_pt kill k2 TERM
	wait_output "$TEST_TMP/k2.out" '^got-TERM$'
	sleep 0.2
	if [ "$rc" -eq 0 ] && proc_alive "$child"; then
		ok "kill_without_all_spares_other_processes"
	else
		fail "kill_without_all_spares_other_processes" "status $rc: $err"
	fi
	: >"$TEST_TMP/k2.out"
	run_pt kill --all k2 TERM
	if [ "$rc" -eq 0 ] && wait_dead "$child" 10 && wait_output "$TEST_TMP/k2.out" '^got-TERM$' &&
		[ "$(state_field k2 status)" = running ]; then
		ok "kill_all_signals_every_process"
	else
		fail "kill_all_signals_every_process" "status $rc: $err" \
			"child alive: $(proc_alive "$child" && echo yes || echo no)" \
			"status: $(state_field k2 status)"
	fi
fi
pt delete --force k2 >/dev/null 2>&1
assert_clean "kill"

# ---------------------------------------------------------------- run
EXIT0=$(bundle exit0 sh -c 'echo hello; exit 0')
EXIT7=$(bundle exit7 sh -c 'exit 7')
run_fg "$EXIT0" r0
is "run_exits_0_when_the_process_does" "$rc" 0
is "run_relays_the_process_output" "$out" hello
is "run_deletes_the_container_after_it_exits" "$(pt list -q; ls -A "$TEST_ROOT")" ""
run_fg "$EXIT7" r7
is "run_exits_with_the_process_exit_status" "$rc" 7
is "run_deletes_a_failed_container" "$(pt list -q; ls -A "$TEST_ROOT")" ""

run_bg "$SLEEPER" r9
if wait_status r9 running 10; then
	track r9
	run_pt kill r9 KILL
	reap "$bg" 20
	is "run_exits_137_when_the_process_is_killed_by_SIGKILL" "$rc" 137
else
	fail "run_exits_137_when_the_process_is_killed_by_SIGKILL" "never running" \
		"$(cat "$TEST_TMP/r9.err")"
	reap "$bg" 1
fi
is "run_deletes_a_killed_container" "$(pt list -q; ls -A "$TEST_ROOT")" ""

run_bg "$TERMINATOR" rterm
if wait_output "$TEST_TMP/rterm.out" '^ready$' 10; then
	track rterm
	run_pt kill rterm
	reap "$bg" 20
	is "run_exits_with_the_status_the_trap_chose_on_SIGTERM" "$rc" 42
else
	fail "run_exits_with_the_status_the_trap_chose_on_SIGTERM" "never ready" \
		"$(cat "$TEST_TMP/rterm.err")"
	reap "$bg" 1
fi

# A foreground run forwards the signals it gets to the container.
run_bg "$TERMINATOR" rfwd
if wait_output "$TEST_TMP/rfwd.out" '^ready$' 10; then
	track rfwd
	kill -USR1 "$bg"
	if wait_output "$TEST_TMP/rfwd.out" '^got-USR1$' 10; then
		ok "run_forwards_SIGUSR1_to_the_container"
	else
		fail "run_forwards_SIGUSR1_to_the_container" "$(cat "$TEST_TMP/rfwd.out")"
	fi
	if is_running=$(state_field rfwd status) && [ "$is_running" = running ]; then
		ok "run_survives_a_forwarded_signal"
	else
		fail "run_survives_a_forwarded_signal" "status: $is_running"
	fi
	kill -TERM "$bg"
	reap "$bg" 20
	if [ "$rc" = 42 ] && grep -q '^got-TERM$' "$TEST_TMP/rfwd.out"; then
		ok "run_forwards_SIGTERM_and_exits_with_the_container_status"
	else
		fail "run_forwards_SIGTERM_and_exits_with_the_container_status" "status $rc" \
			"$(cat "$TEST_TMP/rfwd.out" "$TEST_TMP/rfwd.err")"
	fi
else
	fail "run_forwards_SIGUSR1_to_the_container" "never ready" "$(cat "$TEST_TMP/rfwd.err")"
	skip "run_survives_a_forwarded_signal" "container never ready"
	skip "run_forwards_SIGTERM_and_exits_with_the_container_status" "container never ready"
	kill -KILL "$bg" 2>/dev/null
	reap "$bg" 1
fi

# Without a pid namespace the process can die of its own signal: 128+N.
SELFTERM=$(bundle selfterm sh -c 'kill -TERM $$; sleep 10')
edit_config "$SELFTERM" \
	'c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "pid"]'
run_fg "$SELFTERM" rsig
is "run_exits_128_plus_N_when_the_process_dies_of_signal_N" "$rc" 143

run_fg "$EXIT0" rflags --no-pivot --no-new-keyring --no-subreaper
is "run_accepts_no_pivot_no_new_keyring_no_subreaper" "$rc:$out" "0:hello"
create_ctr "$EXIT0" cflags --no-pivot --no-new-keyring --no-subreaper
run_pt start cflags
if wait_status cflags stopped 10 && [ "$(cat "$TEST_TMP/cflags.out")" = hello ]; then
	ok "create_accepts_no_pivot_no_new_keyring_no_subreaper"
else
	fail "create_accepts_no_pivot_no_new_keyring_no_subreaper" "start: $rc $err" \
		"$(cat "$TEST_TMP/cflags.out" "$TEST_TMP/cflags.err")"
fi
pt delete cflags >/dev/null 2>&1

EXIT3=$(bundle exit3 sh -c 'exit 3')
run_fg "$EXIT3" rkeep --keep
is "run_keep_exits_with_the_process_status" "$rc" 3
is "run_keep_leaves_a_stopped_container" "$(state_field rkeep status)" stopped
run_pt delete rkeep
is "run_keep_container_can_be_deleted" "$rc:$err" "0:"

run_fg "$SLEEPER" rdet -d --pid-file "$TEST_TMP/rdet.pid"
is "run_detach_returns_0" "$rc:$err" "0:"
is "run_detach_leaves_container_running" "$(state_field rdet status)" running
track rdet
is "run_detach_pid_file_matches_state" "$(cat "$TEST_TMP/rdet.pid" 2>/dev/null)" \
	"$(state_field rdet pid)"
is "run_detach_leaves_no_petrel_process" "$(petrel_procs)" ""
run_pt delete --force rdet
is "run_detach_container_deleted_with_force" "$rc:$err" "0:"
assert_clean "run"

# ---------------------------------------------------------------- list
run_pt list -q
is "list_quiet_of_empty_root_prints_nothing" "$rc:$out" "0:"
run_pt list --format json
is "list_json_of_empty_root_is_empty" \
	"$rc:$(json_get "$out" 'len(j or [])' 2>&1)" "0:0"
create_ctr "$SLEEPER" lb
create_ctr "$SLEEPER" la
pt start la >/dev/null 2>&1
run_pt list -q
is "list_quiet_prints_ids_one_a_line_sorted" "$rc:$(echo "$out" | tr "\n" " ")" "0:la lb "
run_pt list
header=$(printf '%s\n' "$out" | head -1)
like "list_table_has_a_header" "$header" '^ID +PID +STATUS +BUNDLE +CREATED +OWNER'
like "list_table_shows_running_container" "$out" \
	"^la +$(state_field la pid) +running +$SLEEPER +[0-9T:.Z-]+ +$(id -un)\$"
like "list_table_shows_created_container" "$out" \
	"^lb +$(state_field lb pid) +created +$SLEEPER "
run_pt list --format json
is "list_json_is_an_array_of_states" \
	"$(json_get "$out" '" ".join("%s:%s:%s:%s" % (s["id"], s["status"], s["pid"], s["bundle"])
		for s in sorted(j, key=lambda s: s["id"]))' 2>&1)" \
	"la:running:$(state_field la pid):$SLEEPER lb:created:$(state_field lb pid):$SLEEPER"
run_pt list --format yaml
if [ "$rc" -ne 0 ]; then
	ok "list_refuses_an_unknown_format"
else
	fail "list_refuses_an_unknown_format" "$out"
fi
pt delete --force la >/dev/null 2>&1
pt delete lb >/dev/null 2>&1
assert_clean "list"

# ---------------------------------------------------------------- annotations
ANNOTATED=$(bundle annotated sh -c 'exec sleep 1000')
edit_config "$ANNOTATED" \
	'c["annotations"] = {"org.petrel.test": "yes", "com.example.empty": "", "x": "a b=c"}'
create_ctr "$ANNOTATED" an1
run_pt state an1
is "state_shows_the_config_annotations" \
	"$(json_get "$out" 'sorted(j.get("annotations", {}).items())')" \
	"[('com.example.empty', ''), ('org.petrel.test', 'yes'), ('x', 'a b=c')]"
pt delete an1 >/dev/null 2>&1
assert_clean "annotations"

# ---------------------------------------------------------------- container ids
long=$(printf 'x%.0s' $(seq 1 300))
for id in "" "a/b" ".." "." "../escape" "a b" "$long"; do
	name=${id:0:12}
	for cmd in create run; do
		run_pt "$cmd" --bundle "$SLEEPER" "$id"
		if [ "$rc" -ne 0 ] && [ -n "$err" ] && [ ! -e "$TEST_TMP/escape" ]; then
			ok "${cmd}_refuses_invalid_id '$name'"
		else
			fail "${cmd}_refuses_invalid_id '$name'" "status $rc: $err"
		fi
	done
	for cmd in start state kill delete; do
		run_pt "$cmd" "$id"
		if [ "$rc" -ne 0 ] && [ -n "$err" ]; then
			ok "${cmd}_refuses_invalid_id '$name'"
		else
			fail "${cmd}_refuses_invalid_id '$name'" "status $rc: $err"
		fi
	done
done
run_pt create --bundle "$SLEEPER" "a/b"
like "invalid_id_error_names_the_problem" "$err" "invalid container id"
run_pt create --bundle "$SLEEPER" ""
like "empty_id_error_says_so" "$err" "empty"
ID_OK="Az09_+.-x"
create_ctr "$SLEEPER" "$ID_OK"
is "create_accepts_letters_digits_and_punctuation_in_ids" "$rc:$(state_field "$ID_OK" status)" \
	"0:created"
pt delete "$ID_OK" >/dev/null 2>&1
# The longest name a directory entry can have.
id255=$(printf 'y%.0s' $(seq 1 255))
run_pt run --bundle "$EXIT0" "$id255"
is "run_accepts_a_255_character_id" "$rc:$out:$err" "0:hello:"
assert_clean "container_ids"

# ---------------------------------------------------------------- fds
echo three >"$TEST_TMP/f3"
echo four >"$TEST_TMP/f4"
# The container's $LISTEN_ variables, then the fds of its shell, one a line
# (no pipe: the shell would hold its ends while ls looks).
FDS=$(bundle fds sh -c 'echo "LISTEN=$LISTEN_FDS/$LISTEN_PID"; ls /proc/$$/fd; true')
fd_list() { grep -E '^[0-9]+$' "$TEST_TMP/$1.out" | tr '\n' ' '; }

run_fg "$FDS" fd0 3<"$TEST_TMP/f3" 7<"$TEST_TMP/f4"
is "without_preserve_fds_only_stdio_reaches_the_process" "$rc:$(fd_list fd0)" "0:0 1 2 "
run_fg "$FDS" fd2 --preserve-fds 2 3<"$TEST_TMP/f3" 4<"$TEST_TMP/f4" 7<"$TEST_TMP/f4"
is "preserve_fds_2_passes_fds_3_and_4_only" "$rc:$(fd_list fd2)" "0:0 1 2 3 4 "
# The host's /dev/null as stdin becomes the container's own (as runc does):
# the fd's mount is one of the container's.
DEVNULL=$(bundle devnull sh -c 'm=$(sed -n "s/^mnt_id:[[:space:]]*//p" /proc/self/fdinfo/0)
	grep -q "^$m " /proc/self/mountinfo && echo "own /dev/null"; readlink /proc/self/fd/0')
run_fg "$DEVNULL" devnull
is "stdin_of_the_hosts_dev_null_becomes_the_containers_own" "$rc:$(echo "$out" | tr "\n" " ")" \
	"0:own /dev/null /dev/null "
READFDS=$(bundle readfds sh -c 'cat <&3; cat <&4')
run_fg "$READFDS" fdr --preserve-fds 2 3<"$TEST_TMP/f3" 4<"$TEST_TMP/f4"
is "preserved_fds_are_the_callers_files" "$rc:$(echo "$out" | tr "\n" " ")" "0:three four "
# More fds asked for than the caller has: petrel's own fds must not fill in.
run_fg "$FDS" fd5 --preserve-fds 5 3<"$TEST_TMP/f3"
is "preserve_fds_does_not_pass_petrels_own_fds" "$rc:$(fd_list fd5)" "0:0 1 2 3 "
create_ctr "$FDS" fdc --preserve-fds 1 3<"$TEST_TMP/f3" 4<"$TEST_TMP/f4"
pt start fdc >/dev/null 2>&1
wait_status fdc stopped 10
is "create_preserve_fds_passes_fd_3_to_the_started_process" "$(fd_list fdc)" "0 1 2 3 "
pt delete fdc >/dev/null 2>&1

# $LISTEN_FDS counts when $LISTEN_PID is petrel's pid (exec keeps the pid).
listen_run() { # ID LISTEN_PID_VALUE [FLAGS...]
	local id=$1 lpid=$2
	shift 2
	sh -c 'if [ "$1" = self ]; then LISTEN_PID=$$; else LISTEN_PID=$1; fi
		export LISTEN_PID LISTEN_FDS=1; shift; exec "$@"' sh "$lpid" \
		"$PETREL" --root "$TEST_ROOT" run --bundle "$FDS" "$@" "$id" \
		>"$TEST_TMP/$id.out" 2>"$TEST_TMP/$id.err" </dev/null 3<"$TEST_TMP/f3" 4<"$TEST_TMP/f4"
	rc=$?
}
listen_run lf1 self
is "listen_fds_passes_fd_3" "$rc:$(fd_list lf1)" "0:0 1 2 3 "
is "listen_fds_sets_LISTEN_FDS_and_LISTEN_PID_1_in_the_container" \
	"$(grep LISTEN "$TEST_TMP/lf1.out")" "LISTEN=1/1"
listen_run lf2 self --preserve-fds 1
is "preserve_fds_counts_after_listen_fds" "$rc:$(fd_list lf2)" "0:0 1 2 3 4 "
is "listen_fds_count_excludes_preserved_fds" "$(grep LISTEN "$TEST_TMP/lf2.out")" "LISTEN=1/1"
listen_run lf3 1
is "listen_fds_for_another_pid_is_ignored" "$rc:$(fd_list lf3)" "0:0 1 2 "
is "listen_fds_for_another_pid_sets_no_LISTEN_variables" "$(grep LISTEN "$TEST_TMP/lf3.out")" \
	"LISTEN=/"
assert_clean "fds"

# ---------------------------------------------------------------- cwd and executable errors
BADCWD=$(bundle badcwd sh -c 'echo should-not-run')
edit_config "$BADCWD" 'c["process"]["cwd"] = "/no/such/dir"'
for cmd in create run; do
	run_pt "$cmd" --bundle "$BADCWD" cwd1
	if [ "$rc" -ne 0 ] && [[ $err == *"/no/such/dir"* ]] && [[ $err == *cwd* ]]; then
		ok "${cmd}_fails_when_cwd_is_missing_in_the_container"
	else
		fail "${cmd}_fails_when_cwd_is_missing_in_the_container" "status $rc: $err"
	fi
	is "${cmd}_with_missing_cwd_leaves_no_state" "$(ls -A "$TEST_ROOT" 2>/dev/null)" ""
done
NOEXE=$(bundle noexe no-such-program arg)
for cmd in create run; do
	run_pt "$cmd" --bundle "$NOEXE" exe1
	if [ "$rc" -ne 0 ] && [[ $err == *"executable file not found in \$PATH"* ]] &&
		[[ $err == *no-such-program* ]]; then
		ok "${cmd}_fails_when_args0_is_not_in_path"
	else
		fail "${cmd}_fails_when_args0_is_not_in_path" "status $rc: $err"
	fi
	is "${cmd}_with_missing_executable_leaves_no_state" "$(ls -A "$TEST_ROOT" 2>/dev/null)" ""
done
assert_clean "cwd_and_executable_errors"

# ---------------------------------------------------------------- pid file paths
mkdir -p "$TEST_TMP/pidcwd"
(cd "$TEST_TMP/pidcwd" &&
	pt create --bundle "$SLEEPER" --pid-file rel.pid pf1 >"$TEST_TMP/pf1.out" 2>&1 </dev/null)
is "relative_pid_file_is_written_in_the_callers_cwd" \
	"$(cat "$TEST_TMP/pidcwd/rel.pid" 2>&1)" "$(state_field pf1 pid)"
track pf1
pt delete pf1 >/dev/null 2>&1
create_ctr "$SLEEPER" pf2 --pid-file "$TEST_TMP/no/such/dir/pid"
if [ "$rc" -ne 0 ] && [[ $err == *"$TEST_TMP/no/such/dir/pid"* ]] && [ ! -e "$TEST_ROOT/pf2" ]; then
	ok "create_fails_when_the_pid_file_cannot_be_written_and_removes_the_container"
else
	fail "create_fails_when_the_pid_file_cannot_be_written_and_removes_the_container" \
		"status $rc: $err"
fi
mkdir -p "$TEST_TMP/piddir"
create_ctr "$SLEEPER" pf3 --pid-file "$TEST_TMP/piddir/pf3.pid"
is "pid_file_is_the_only_file_create_leaves_in_its_directory" \
	"$rc:$(ls -A "$TEST_TMP/piddir")" "0:pf3.pid"
pt delete pf3 >/dev/null 2>&1
assert_clean "pid_file"

# A create that died before it wrote state.json leaves a directory nobody
# holds the lock of: the id can be used again, and delete clears it.
mkdir -p "$TEST_ROOT/stale-a" "$TEST_ROOT/stale-b"
run_fg "$EXIT0" stale-a
is "create_reuses_the_id_of_a_create_that_died" "$rc:$out" "0:hello"
pt delete stale-b >"$TEST_TMP/stale.out" 2>&1
is "delete_clears_the_leftovers_of_a_create_that_died" \
	"$(grep -c 'does not exist' "$TEST_TMP/stale.out"):$(ls -A "$TEST_ROOT" | grep -c stale)" "1:0"
assert_clean "stale"

tap_done
