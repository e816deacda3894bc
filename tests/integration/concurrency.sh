#!/bin/bash
# Many petrel processes on the same state root at once: 100 containers
# created, killed and deleted in parallel while `list` reads the root, 20
# racing `delete --force` of one container, `state` during a delete, 20
# creates of one id, 20 starts of one container, start against delete, kill
# and state storms on a running container, `state` asked from the
# container's own hooks, and 20 foreground runs side by side. The per-container lock and the atomic state
# writes must keep every command's answer whole and every container
# accounted for. Needs root; prints TAP. PETREL names the binary (default:
# $top_builddir/petrel).

. "$(dirname "$0")/../lib/integration.sh" concurrency_integration
trap cleanup_all EXIT

# alive_among FILE...: the pids named in the pid files that are still alive.
alive_among() {
	local f pid
	for f in "$@"; do
		pid=$(cat "$f" 2>/dev/null) || continue
		[ -n "$pid" ] && proc_alive "$pid" && echo "$pid"
	done
	return 0
}

# wait_gone PID_FILE... : until none of the pids is alive (10 s at most).
wait_gone() {
	local i
	for i in $(seq 1 200); do
		[ -z "$(alive_among "$@")" ] && return 0
		sleep 0.05
	done
	return 1
}

# failures DIR PREFIX COUNT: the jobs DIR/PREFIX*.rc whose status is not 0,
# with their output, and a line if there are not COUNT of them.
failures() {
	local f n=0
	for f in "$1/$2"*.rc; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		[ "$(cat "$f")" = 0 ] || echo "${f%.rc}: $(cat "$f"): $(tail -3 "${f%.rc}.log")"
	done
	[ "$n" = "$3" ] || echo "$n of $3 jobs ran"
}

# is_clean: no container listed, no state directory, no test mount.
is_clean() {
	[ -z "$(pt list -q 2>&1)" ] && [ -z "$(leftovers)" ]
}

# check_json_outputs DIR ID: every DIR/*.out is the state of ID or its
# command failed saying the container does not exist (DIR/*.rc, *.err).
# Prints the bad ones.
check_json_outputs() {
	python3 - "$1" "$2" 2>&1 <<'PY'
import glob, json, os, sys
d, want = sys.argv[1], sys.argv[2]
for out in sorted(glob.glob(os.path.join(d, "*.out"))):
    base = out[:-4]
    rc = open(base + ".rc").read().strip()
    text = open(out).read()
    err = open(base + ".err").read()
    if rc == "0":
        try:
            j = json.loads(text)
        except ValueError as e:
            print("%s: corrupt JSON (%s): %r" % (base, e, text[:200]))
            continue
        if j.get("id") != want or j.get("status") not in ("running", "stopped"):
            print("%s: unexpected state %r" % (base, text[:200]))
    elif "does not exist" not in err or text:
        print("%s: status %s, stdout %r, stderr %r" % (base, rc, text[:100], err[:200]))
PY
}

B=$TEST_TMP/sleeper
make_bundle "$B"
set_args "$B" sh -c 'exec sleep 1000'

# ---------------------------------------------------------------- 100 x create/kill/delete
J=$TEST_TMP/churn
mkdir -p "$J" "$TEST_TMP/lists"
churn() {
	local id=c$1 log=$J/c$1.log
	{
		pt create --bundle "$B" --pid-file "$J/$id.pid" "$id" &&
			pt kill "$id" KILL && pt delete "$id"
	} >"$log" 2>&1 </dev/null
	echo $? >"$J/$id.rc"
}
# Readers of the whole root while containers come and go.
lister() {
	local i=0
	while [ ! -e "$J/done" ] && [ $i -lt 200 ]; do
		pt list --format json >"$TEST_TMP/lists/$1.$i.out" 2>"$TEST_TMP/lists/$1.$i.err"
		echo $? >"$TEST_TMP/lists/$1.$i.rc"
		i=$((i + 1))
	done
}
listers=()
for i in 1 2 3 4; do
	lister "$i" &
	listers+=($!)
done
jobs_=()
for i in $(seq 1 100); do
	churn "$i" &
	jobs_+=($!)
done
wait "${jobs_[@]}"
touch "$J/done"
wait "${listers[@]}"

is "parallel_create_kill_delete_every_command_succeeds" "$(failures "$J" c 100)" ""
is "parallel_create_kill_delete_leaves_no_container" "$(pt list -q 2>&1)" ""
is "parallel_create_kill_delete_leaves_no_state_dir" "$(leftovers)" ""
if wait_gone "$J"/*.pid; then
	ok "parallel_create_kill_delete_leaves_no_process"
else
	fail "parallel_create_kill_delete_leaves_no_process" "alive: $(alive_among "$J"/*.pid)"
fi
is "parallel_create_wrote_all_100_pid_files" "$(ls "$J"/*.pid 2>/dev/null | wc -l)" 100
bad=$(python3 - "$TEST_TMP/lists" 2>&1 <<'PY'
import glob, json, os, sys
n = 0
for out in sorted(glob.glob(os.path.join(sys.argv[1], "*.out"))):
    base = out[:-4]
    rc = open(base + ".rc").read().strip()
    text = open(out).read()
    n += 1
    try:
        j = json.loads(text)
        if j is not None and (not isinstance(j, list) or
                              any(not isinstance(s, dict) or "id" not in s for s in j)):
            raise ValueError("not a list of states")
    except ValueError as e:
        print("%s: status %s, %s: %r" % (base, rc, e, text[:200]))
        continue
    if rc != "0":
        print("%s: status %s: %s" % (base, rc, open(base + ".err").read()[:200]))
if n == 0:
    print("no list ran")
PY
)
is "list_during_parallel_create_delete_prints_whole_json" "$bad" ""

# ---------------------------------------------------------------- 20 x delete --force
J=$TEST_TMP/delete-race
mkdir -p "$J"
pt run -d --bundle "$B" --pid-file "$J/init.pid" dr >"$J/run.log" 2>&1 </dev/null
is "delete_race_container_runs" "$(state_field dr status)" running
for i in $(seq 1 20); do
	(
		pt delete --force dr >"$J/$i.log" 2>&1 </dev/null
		echo $? >"$J/$i.rc"
	) &
done
wait
is "racing_delete_force_all_succeed" "$(failures "$J" "" 20)" ""
if wait_gone "$J/init.pid"; then
	ok "racing_delete_force_kills_the_container"
else
	fail "racing_delete_force_kills_the_container" "alive: $(alive_among "$J/init.pid")"
fi
if is_clean; then
	ok "racing_delete_force_removes_the_container"
else
	fail "racing_delete_force_removes_the_container" "$(pt list -q 2>&1; leftovers)"
fi

# ---------------------------------------------------------------- state during delete
J=$TEST_TMP/state-race
mkdir -p "$J"
pt run -d --bundle "$B" --pid-file "$J/init.pid" sr >"$J/run.log" 2>&1 </dev/null
is "state_race_container_runs" "$(state_field sr status)" running
for i in $(seq 1 20); do
	(
		for k in 1 2 3 4 5; do
			pt state sr >"$J/$i.$k.out" 2>"$J/$i.$k.err" </dev/null
			echo $? >"$J/$i.$k.rc"
		done
	) &
done
pt delete --force sr >"$J/delete.log" 2>&1 </dev/null
delete_rc=$?
wait
is "delete_during_concurrent_state_succeeds" "$delete_rc" 0
is "state_during_delete_prints_whole_json_or_does_not_exist" "$(check_json_outputs "$J" sr)" ""
is "state_during_delete_ran_100_times" "$(ls "$J"/*.out | wc -l)" 100
if wait_gone "$J/init.pid" && is_clean; then
	ok "state_during_delete_leaves_nothing_behind"
else
	fail "state_during_delete_leaves_nothing_behind" "$(pt list -q 2>&1; leftovers)"
fi

# ---------------------------------------------------------------- 20 x create of one id
J=$TEST_TMP/create-race
mkdir -p "$J"
for i in $(seq 1 20); do
	(
		pt create --bundle "$B" --pid-file "$J/$i.pid" same >"$J/$i.log" 2>&1 </dev/null
		echo $? >"$J/$i.rc"
	) &
done
wait
winners=$(grep -lx 0 "$J"/*.rc | wc -l)
is "racing_creates_of_one_id_exactly_one_wins" "$winners" 1
losers_ok=0
for f in "$J"/*.rc; do
	[ "$(cat "$f")" != 0 ] && grep -q "already exists" "${f%.rc}.log" && losers_ok=$((losers_ok + 1))
done
is "racing_creates_of_one_id_others_say_already_exists" "$losers_ok" 19
is "racing_creates_of_one_id_leave_one_created_container" \
	"$(pt list -q 2>&1):$(state_field same status)" "same:created"
winner_pid=$(cat "$(grep -lx 0 "$J"/*.rc | head -1 | sed 's/\.rc$/.pid/')" 2>/dev/null)
is "racing_creates_winner_pid_file_matches_state" "$winner_pid" "$(state_field same pid)"
pt delete same >/dev/null 2>&1
# Every init a loser may have started must be gone, and no pid file of a
# loser written.
if wait_gone "$J"/*.pid && is_clean && [ "$(ls "$J"/*.pid | wc -l)" = 1 ]; then
	ok "racing_creates_of_one_id_leave_nothing_behind"
else
	fail "racing_creates_of_one_id_leave_nothing_behind" "alive: $(alive_among "$J"/*.pid)" \
		"$(ls "$J"/*.pid)" "$(pt list -q 2>&1; leftovers)"
fi

# ---------------------------------------------------------------- 20 x start of one container
J=$TEST_TMP/start-race
mkdir -p "$J"
S=$TEST_TMP/starter
make_bundle "$S"
set_args "$S" sh -c 'echo started; exec sleep 1000'
pt create --bundle "$S" --pid-file "$J/init.pid" one >"$J/create.out" 2>&1 </dev/null
for i in $(seq 1 20); do
	(
		pt start one >"$J/$i.log" 2>&1 </dev/null
		echo $? >"$J/$i.rc"
	) &
done
wait
is "racing_starts_exactly_one_wins" "$(grep -lx 0 "$J"/*.rc | wc -l)" 1
losers_ok=0
for f in "$J"/*.rc; do
	[ "$(cat "$f")" != 0 ] && grep -q "running" "${f%.rc}.log" && losers_ok=$((losers_ok + 1))
done
is "racing_starts_others_say_already_running" "$losers_ok" 19
for i in $(seq 1 100); do
	grep -q started "$J/create.out" && break
	sleep 0.05
done
is "racing_starts_run_the_process_once" "$(grep -c started "$J/create.out")" 1
is "racing_starts_leave_container_running" "$(state_field one status)" running
pt delete --force one >/dev/null 2>&1
if wait_gone "$J/init.pid" && is_clean; then
	ok "racing_starts_leave_nothing_behind"
else
	fail "racing_starts_leave_nothing_behind" "$(pt list -q 2>&1; leftovers)"
fi

# ---------------------------------------------------------------- start against delete
# Either start wins (delete refuses the running container) or delete wins
# (start finds no container); never both, never neither.
J=$TEST_TMP/start-delete
mkdir -p "$J"
for i in $(seq 1 10); do
	pt create --bundle "$S" --pid-file "$J/sd$i.pid" "sd$i" >"$J/sd$i.out" 2>&1 </dev/null
done
for i in $(seq 1 10); do
	(
		pt start "sd$i" >"$J/start$i.log" 2>&1 </dev/null
		echo $? >"$J/start$i.rc"
	) &
	(
		pt delete "sd$i" >"$J/delete$i.log" 2>&1 </dev/null
		echo $? >"$J/delete$i.rc"
	) &
done
wait
bad=""
for i in $(seq 1 10); do
	s=$(cat "$J/start$i.rc") d=$(cat "$J/delete$i.rc") st=$(state_field "sd$i" status)
	if [ "$s" = 0 ] && [ "$d" != 0 ] && [ "$st" = running ]; then
		continue
	elif [ "$s" != 0 ] && [ "$d" = 0 ] && [ -z "$st" ]; then
		continue
	fi
	bad="$bad sd$i: start $s ($(cat "$J/start$i.log")),"
	bad="$bad delete $d ($(cat "$J/delete$i.log")), status '$st';"
done
is "start_racing_delete_has_exactly_one_winner" "$bad" ""
for i in $(seq 1 10); do
	pt delete --force "sd$i" >/dev/null 2>&1
done
if wait_gone "$J"/*.pid && is_clean; then
	ok "start_racing_delete_leaves_nothing_behind"
else
	fail "start_racing_delete_leaves_nothing_behind" "$(pt list -q 2>&1; leftovers)"
fi

# ---------------------------------------------------------------- kill and state storm
J=$TEST_TMP/storm
mkdir -p "$J"
T=$TEST_TMP/trapper
make_bundle "$T"
set_args "$T" sh -c 'trap "echo got-USR1" USR1; echo ready; while :; do sleep 0.1; done'
pt run -d --bundle "$T" --pid-file "$J/init.pid" st >"$J/run.log" 2>&1 </dev/null
for i in $(seq 1 20); do
	(
		pt kill st USR1 >"$J/kill$i.log" 2>&1 </dev/null
		echo $? >"$J/kill$i.rc"
	) &
	(
		pt state st >"$J/state$i.out" 2>"$J/state$i.err" </dev/null
		echo $? >"$J/state$i.rc"
		cp "$J/state$i.err" "$J/state$i.log"
	) &
done
wait
is "concurrent_kills_all_succeed" "$(failures "$J" kill 20)" ""
is "state_during_concurrent_kills_prints_whole_json" "$(check_json_outputs "$J" st)" ""
is "state_during_concurrent_kills_always_succeeds" "$(failures "$J" state 20)" ""
is "container_survives_concurrent_trapped_signals" "$(state_field st status)" running
pt delete --force st >/dev/null 2>&1
if wait_gone "$J/init.pid" && is_clean; then
	ok "kill_and_state_storm_leaves_nothing_behind"
else
	fail "kill_and_state_storm_leaves_nothing_behind" "$(pt list -q 2>&1; leftovers)"
fi

# ---------------------------------------------------------------- petrel called from hooks
# A hook may ask the runtime about the container it runs for (`state`);
# the lock create and start hold must not make that wait for the hook.
# The answer is the container's state or a clean error, never a hang.
J=$TEST_TMP/hook-state
mkdir -p "$J"
H=$TEST_TMP/hooked
make_bundle "$H"
set_args "$H" sh -c 'exec sleep 1000'
hook_asks_state() { # KIND: a hook of that kind that runs petrel state hs
	printf "{'path': '/bin/sh', 'args': ['sh', '-c', 'timeout -k 1 5 %s --root %s state hs \
>%s/%s.out 2>%s/%s.err; echo \$? >%s/%s.rc']}" \
		"$PETREL" "$TEST_ROOT" "$J" "$1" "$J" "$1" "$J" "$1"
}
edit_config "$H" "c['hooks'] = {'createRuntime': [$(hook_asks_state createRuntime)],
	'poststart': [$(hook_asks_state poststart)]}"
pt create --bundle "$H" hs >"$J/create.log" 2>&1 </dev/null
create_rc=$?
pt start hs >"$J/start.log" 2>&1 </dev/null
start_rc=$?
for kind in createRuntime:creating poststart:running; do
	k=${kind%%:*}
	hook_rc=$(cat "$J/$k.rc" 2>/dev/null)
	answer=$(python3 - "$J/$k.out" "${kind#*:}" 2>&1 <<'PY'
import json, sys
try:
    j = json.load(open(sys.argv[1]))
    print("ok" if j.get("id") == "hs" and j.get("status") == sys.argv[2] else "state %r" % j)
except ValueError as e:
    print("not JSON: %s" % e)
PY
)
	if [ "$hook_rc" = 0 ] && [ "$answer" = ok ]; then
		ok "state_from_a_${k}_hook_answers"
	elif [ -n "$hook_rc" ] && [ "$hook_rc" != 0 ] && [ "$hook_rc" -lt 124 ] &&
		[ -s "$J/$k.err" ]; then
		ok "state_from_a_${k}_hook_answers"
	else
		fail "state_from_a_${k}_hook_answers" "create $create_rc, start $start_rc" \
			"hook's petrel state: status '$hook_rc' (124: timed out)" \
			"stdout: $answer" "stderr: $(cat "$J/$k.err" 2>/dev/null)"
	fi
done
is "hooks_calling_petrel_do_not_fail_create_or_start" "$create_rc:$start_rc" "0:0"
pt delete --force hs >/dev/null 2>&1
if is_clean; then
	ok "hooks_calling_petrel_leave_nothing_behind"
else
	fail "hooks_calling_petrel_leave_nothing_behind" "$(pt list -q 2>&1; leftovers)"
fi

# ---------------------------------------------------------------- 20 foreground runs
J=$TEST_TMP/runs
mkdir -p "$J"
E=$TEST_TMP/exiter
make_bundle "$E"
set_args "$E" sh -c 'exit $CODE'
for i in $(seq 1 20); do
	mkdir -p "$J/b$i"
	ln -s "$ROOTFS_CACHE" "$J/b$i/rootfs"
	edit_config "$E" "c['process']['env'] = [e for e in c['process']['env']
		if not e.startswith('CODE=')] + ['CODE=$i']"
	cp "$E/config.json" "$J/b$i/config.json"
done
for i in $(seq 1 20); do
	(
		pt run --bundle "$J/b$i" --pid-file "$J/r$i.pid" "r$i" >"$J/r$i.log" 2>&1 </dev/null
		echo $? >"$J/r$i.rc"
	) &
done
wait
bad=""
for i in $(seq 1 20); do
	got=$(cat "$J/r$i.rc")
	[ "$got" = "$i" ] || bad="$bad r$i:$got($(tail -1 "$J/r$i.log"))"
done
is "parallel_runs_each_exit_with_their_own_status" "$bad" ""
if wait_gone "$J"/*.pid && is_clean; then
	ok "parallel_runs_delete_their_containers"
else
	fail "parallel_runs_delete_their_containers" "$(pt list -q 2>&1; leftovers)"
fi

tap_done
