#!/bin/bash
# `petrel events` against runc's behaviour: --stats prints one stats event
# with runc's members and plausible numbers (pids, memory, CPU, huge pages)
# and leaves out what runc leaves out; --interval streams stats; an OOM kill
# in the container is an "oom" event, also when it ends the container; the
# stream ends when the container stops; a stopped or unknown container and a
# bad --interval are errors. Each container has a cgroup of its own below
# the test's cgroup, removed with it. Needs root; prints TAP.

. "$(dirname "$0")/../lib/integration.sh" events_integration
trap cleanup_all EXIT

MiB=1048576
CG=petrel-events-$$

# bundle ID ARG...: a bundle $TEST_TMP/ID running ARG... in the cgroup
# $CG-ID, relative to the test's own.
bundle() {
	local id=$1
	shift
	make_bundle "$TEST_TMP/$id"
	set_args "$TEST_TMP/$id" "$@"
	edit_config "$TEST_TMP/$id" "c['linux']['cgroupsPath'] = '$CG-$id'"
}

# resources ID PYTHON_DICT: merged into linux.resources.
resources() {
	edit_config "$TEST_TMP/$1" "c['linux'].setdefault('resources', {}).update($2)"
}

# start_ctr ID [create]: run -d (or create); the container's stdio goes to
# files. Status in $rc.
start_ctr() {
	if [ "${2:-}" = create ]; then
		pt create --bundle "$TEST_TMP/$1" "$1" >"$TEST_TMP/$1.out" 2>"$TEST_TMP/$1.err" </dev/null
	else
		pt run -d --bundle "$TEST_TMP/$1" "$1" >"$TEST_TMP/$1.out" 2>"$TEST_TMP/$1.err" </dev/null
	fi
	rc=$?
}

# events_bg ID FLAGS...: petrel events in the background, output in
# $TEST_TMP/ID.events, its pid in $ev_pid.
events_bg() {
	local id=$1
	shift
	"$PETREL" --root "$TEST_ROOT" events "$@" "$id" >"$TEST_TMP/$id.events" \
		2>"$TEST_TMP/$id.events.err" </dev/null &
	ev_pid=$!
}

# wait_exit PID SECONDS: until the background job PID ends; its status in
# $ev_rc (255 when it did not end).
wait_exit() {
	ev_rc=255
	for _ in $(seq 1 $(($2 * 10))); do
		if ! kill -0 "$1" 2>/dev/null; then
			wait "$1"
			ev_rc=$?
			return 0
		fi
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 1
}

# stats_get PYTHON_EXPR: evaluated with d bound to the data of the stats
# event in $out.
stats_get() {
	json_get "$out" "(lambda d: $1)(j['data'])" 2>&1
}

# ------------------------------------------------------------------- --stats
bundle st sleep 1000
resources st "{'memory': {'limit': 64 * $MiB}, 'pids': {'limit': 100}}"
start_ctr st
is "a_container_with_a_cgroup_runs" "$rc" 0

run_pt events --stats st
is "events_stats_prints_one_line_and_exits_0" "$rc:$(printf '%s\n' "$out" | wc -l)" "0:1"
is "events_stats_is_a_stats_event_of_the_container" \
	"$(json_get "$out" '"%s %s" % (j["type"], j["id"])' 2>&1)" "stats st"
is "events_stats_has_runcs_members_in_runcs_order" "$(stats_get 'list(d)')" \
	"['cpu', 'cpuset', 'memory', 'pids', 'blkio', 'hugetlb', 'intel_rdt', 'network_interfaces']"
is "events_stats_counts_the_pids_and_their_limit" \
	"$(stats_get 'd["pids"]["current"] >= 1 and d["pids"]["limit"]')" 100
is "events_stats_reports_memory_usage_and_the_limit" \
	"$(stats_get '(d["memory"]["usage"]["usage"] > 0, d["memory"]["usage"]["limit"])')" \
	"(True, $((64 * MiB)))"
is "events_stats_has_memory.stat_as_raw" \
	"$(stats_get 'len(d["memory"]["raw"]) > 5 and all(isinstance(v, int) for v in d["memory"]["raw"].values())')" \
	True
is "events_stats_reports_cpu_usage_in_ns" \
	"$(stats_get 'd["cpu"]["usage"]["total"] > 0 and "kernel" in d["cpu"]["usage"] and "user" in d["cpu"]["usage"]')" \
	True
is "events_stats_has_the_cpuset_numbers" \
	"$(stats_get 'sorted(k for k in d["cpuset"] if k not in ("cpus", "mems"))')" \
	"['cpu_exclusive', 'mem_exclusive', 'mem_hardwall', 'memory_migrate', 'memory_pressure', 'memory_spread_page', 'memory_spread_slab', 'sched_load_balance', 'sched_relax_domain_level']"
# Zero values runc leaves out: no throttling without a CPU quota, no RDT.
# network_interfaces has no omitempty in runc's Stats: null, never absent.
is "events_stats_leaves_out_what_runc_leaves_out" \
	"$(stats_get '("throttling" in d["cpu"], d["intel_rdt"])')" \
	"(False, {})"
is "events_stats_network_interfaces_is_null_as_runc" \
	"$(stats_get '("network_interfaces" in d, d.get("network_interfaces", 0))')" \
	"(True, None)"
# Huge pages by size, named as the kernel's cgroup files name them, where a
# hierarchy has the hugetlb controller.
sizes=$(for f in /sys/kernel/mm/hugepages/hugepages-*kB; do
	[ -e "$f" ] || continue
	kb=${f##*-}
	kb=${kb%kB}
	if [ "$kb" -ge 1048576 ]; then echo "$((kb >> 20))GB"; elif [ "$kb" -ge 1024 ]; then
		echo "$((kb >> 10))MB"
	else echo "${kb}KB"; fi
done | sort | paste -sd' ')
if [ -n "$sizes" ] && grep -qw hugetlb /proc/self/cgroup /sys/fs/cgroup/cgroup.controllers \
	/sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; then
	is "events_stats_reports_huge_pages_by_size" \
		"$(stats_get '" ".join(k for k in d["hugetlb"] if "failcnt" in d["hugetlb"][k])')" \
		"$sizes"
else
	skip "events_stats_reports_huge_pages_by_size" "no huge page sizes or no hugetlb controller"
fi

bundle cr sleep 1000
start_ctr cr create
run_pt events --stats cr
is "events_stats_works_on_a_created_container" \
	"$rc:$(stats_get 'd["pids"]["current"] >= 1 and "limit" not in d["pids"]')" "0:True"
pt delete --force cr >/dev/null 2>&1

# ---------------------------------------------------------------- --interval
timeout 2.7 "$PETREL" --root "$TEST_ROOT" events --interval 1s st >"$TEST_TMP/st.events" \
	2>"$TEST_TMP/st.events.err" </dev/null
rc=$?
n=$(grep -c '^{"type":"stats","id":"st","data":{' "$TEST_TMP/st.events")
is "events_interval_1s_streams_a_stats_event_every_second" "$rc:$n:$(wc -l <"$TEST_TMP/st.events")" \
	"124:2:2"

events_bg st --interval 30s
sleep 0.5
pt kill st KILL >/dev/null 2>&1
if wait_exit "$ev_pid" 5; then
	is "events_ends_with_0_when_the_container_stops" "$ev_rc:$(cat "$TEST_TMP/st.events")" "0:"
else
	fail "events_ends_with_0_when_the_container_stops" "still running 5 s after the kill"
fi
wait_status st stopped 5
run_pt events --stats st
is "events_on_a_stopped_container_fails" "$rc:$err" \
	"1:petrel: events: container with id st is not running"
run_pt events st
is "events_stream_on_a_stopped_container_fails" "$rc:$out" "1:"
pt delete --force st >/dev/null 2>&1

run_pt events --stats nosuch
is "events_on_an_unknown_container_fails" "$rc:$err" \
	"1:petrel: events: container \"nosuch\" does not exist"

for bad in 2x 5 0 -1s ""; do
	run_pt events --interval "$bad" nosuch
	like "events_refuses_interval_'$bad'" "$rc:$err" \
		"^1:petrel: events: (invalid value \"$bad\" for flag --interval|--interval must be greater than 0)"
done

# ----------------------------------------------------------------------- OOM
# memory+swap at the limit too, so that the hog cannot swap.
mem16="{'memory': {'limit': 16 * $MiB, 'swap': 16 * $MiB}}"
own_memory=$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)
[ -e "/sys/fs/cgroup/memory$own_memory/memory.memsw.limit_in_bytes" ] ||
	[ -e /sys/fs/cgroup/memory.swap.max ] || mem16="{'memory': {'limit': 16 * $MiB}}"

bundle oom sh -c 'sleep 1; tail /dev/zero; sleep 1000'
resources oom "$mem16"
start_ctr oom
events_bg oom --interval 1s
if wait_output "$TEST_TMP/oom.events" '^\{"type":"oom","id":"oom"\}$' 15; then
	ok "events_reports_an_oom_kill_beyond_a_16MiB_limit"
else
	fail "events_reports_an_oom_kill_beyond_a_16MiB_limit" "$(cut -c1-200 "$TEST_TMP/oom.events")"
fi
# sh outlives its killed child: the stream goes on.
for _ in $(seq 1 30); do
	sed -n '/"type":"oom"/,$p' "$TEST_TMP/oom.events" | grep -q '"type":"stats"' && break
	sleep 0.1
done
if sed -n '/"type":"oom"/,$p' "$TEST_TMP/oom.events" | grep -q '"type":"stats"'; then
	ok "events_streams_on_after_an_oom_kill_that_spared_the_init"
else
	fail "events_streams_on_after_an_oom_kill_that_spared_the_init" \
		"$(cut -c1-200 "$TEST_TMP/oom.events")"
fi
kill -KILL "$ev_pid" 2>/dev/null
wait "$ev_pid" 2>/dev/null
pt delete --force oom >/dev/null 2>&1

# The init itself is the hog: the oom event comes, then the stream ends.
bundle oominit sh -c 'sleep 1; exec tail /dev/zero'
resources oominit "$mem16"
start_ctr oominit
events_bg oominit --interval 30s
if wait_exit "$ev_pid" 15; then
	is "events_reports_the_oom_kill_that_ends_the_container_then_exits_0" \
		"$ev_rc:$(sort -u "$TEST_TMP/oominit.events")" '0:{"type":"oom","id":"oominit"}'
else
	fail "events_reports_the_oom_kill_that_ends_the_container_then_exits_0" \
		"still running 15 s later: $(cat "$TEST_TMP/oominit.events")"
fi
pt delete --force oominit >/dev/null 2>&1

# ------------------------------------------------------------------- cleanup
is "no_container_is_left" "$(state_dirs)" ""
is "no_cgroup_of_the_test_is_left" \
	"$(find /sys/fs/cgroup -maxdepth 6 -type d -name "$CG-*" 2>/dev/null)" ""

tap_done
