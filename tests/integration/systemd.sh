#!/bin/bash
# The systemd cgroup driver (issue 8), on a host where systemd is PID 1 with
# a system bus: --systemd-cgroup makes a transient scope (or slice) with the
# init in it, visible through systemctl and busctl with its properties
# (resources, delegation, annotations), resources enforced (memory, pids),
# update through systemd and the cgroup files, pause/resume, ps, events,
# kill --all, exec landing in the scope, delete removing the unit, a stale
# failed unit of the same name not blocking a new create, and 20 containers
# created at once. Elsewhere it prints one SKIP; tests/vm/systemd-guest.sh
# runs it under systemd in a QEMU guest:
#
#   tests/vm/systemd-guest.sh --env PETREL -- tests/integration/systemd.sh
#
# $PETREL_TEST_ROOTFS may name a busybox rootfs made beforehand
# (contrib/make-busybox-rootfs.sh): making one in an emulated guest takes a
# minute. config.json is edited with jq (python starts slowly there). Needs
# root; prints TAP.

. "$(dirname "$0")/../lib/integration.sh" systemd_cgroup_driver

if [ "$(cat /proc/1/comm 2>/dev/null)" != systemd ] || ! [ -d /run/systemd/system ]; then
	skip systemd_cgroup_driver "systemd is not PID 1 here (tests/vm/systemd-guest.sh runs this under systemd)"
	cleanup_all
	tap_done
	exit
fi
if ! "$PETREL" features | jq -e '.linux.cgroup.systemd == true' >/dev/null; then
	skip systemd_cgroup_driver "this petrel is built without the systemd driver (--disable-systemd)"
	cleanup_all
	tap_done
	exit
fi
trap cleanup_all EXIT
[ -n "${PETREL_TEST_ROOTFS:-}" ] && ROOTFS_CACHE=$PETREL_TEST_ROOTFS
[ -d "$ROOTFS_CACHE" ] || "$TOP/contrib/make-busybox-rootfs.sh" "$ROOTFS_CACHE" >/dev/null

MiB=1048576
CG=/sys/fs/cgroup
# Ids of this run, so that units of another run are never touched.
P=st$$

# bundle NAME JQ_FILTER ARG...: bundle NAME runs ARG..., with the filter
# applied to its config.json (". " for none).
bundle() {
	local name=$1 filter=$2 dir=$TEST_TMP/$1 i=0 list='' jqargs=()
	shift 2
	for arg in "$@"; do
		jqargs+=(--arg "a$i" "$arg")
		list+="${list:+, }\$a$i"
		i=$((i + 1))
	done
	mkdir -p "$dir"
	rm -f "$dir/config.json"
	"$PETREL" spec --bundle "$dir" >/dev/null
	if ! jq --arg rootfs "$ROOTFS_CACHE" "${jqargs[@]}" ".process.terminal = false |
		.root.readonly = true | .root.path = \$rootfs | .process.args = [$list] | $filter" \
		"$dir/config.json" >"$dir/config.new"; then
		fail "bundle $name: jq $filter"
		return 1
	fi
	mv "$dir/config.new" "$dir/config.json"
}

# sd CMD NAME [FLAGS...]: pt_bundle with --systemd-cgroup.
sd() { PT_GLOBAL=--systemd-cgroup pt_bundle "$@"; }

succeeded() {
	if [ "$rc" -eq 0 ]; then
		ok "$1"
	else
		fail "$1" "status $rc: $err"
	fi
}

# field ID FIELD: a field of `petrel state` (jq: python starts slowly in
# an emulated guest).
field() {
	pt state "$1" 2>/dev/null | jq -r ".$2"
}

has_status() {
	[ "$(field "$1" status)" = "$2" ]
}

# prop UNIT PROPERTY: its value as systemctl shows it.
prop() {
	systemctl show -P "$2" "$1" 2>/dev/null
}

# unit_gone NAME UNIT: the unit is not loaded, its cgroup is gone.
unit_gone() {
	local load
	load=$(prop "$2" LoadState)
	if [ "$load" = not-found ] && ! [ -e "$CG/system.slice/$2" ]; then
		ok "$1"
	else
		fail "$1" "LoadState $load, ActiveState $(prop "$2" ActiveState)" \
			"$(ls -d "$CG/system.slice/$2" 2>&1)"
	fi
}

# wait_for SECONDS COMMAND...: until the command succeeds.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.2
	done
}

# ------------------------------------------------------------ create
is "features_reports_cgroup_systemd" "$("$PETREL" features | jq -c .linux.cgroup.systemd)" true

C=$P-main
U=petrel-$C.scope
bundle "$C" '.linux.cgroupsPath = "system.slice:petrel:'"$C"'" |
	.linux.namespaces |= map(select(.type != "cgroup")) |
	.linux.resources = {memory: {limit: 67108864}, pids: {limit: 40},
		cpu: {shares: 512, quota: 50000, period: 100000, cpus: "0"}} |
	.annotations = {"org.systemd.property.CollectMode": "'"'inactive-or-failed'"'",
		"org.systemd.property.TimeoutStopSec": "7"}' sleep 1000
sd create "$C"
succeeded "create_with_systemd_cgroup"
pid=$(field "$C" pid)
is "the_unit_is_active" "$(systemctl is-active "$U")" active
is "the_init_is_in_the_scope" "$(cat "/proc/$pid/cgroup")" "0::/system.slice/$U"
state=$(cat "$TEST_ROOT/$C/state.json")
is "the_state_records_the_driver_the_unit_and_its_cgroup" \
	"$(jq -c '.cgroup | [.driver, .unit, .dirs[0].path]' <<<"$state")" \
	"[\"systemd\",\"$U\",\"$CG/system.slice/$U\"]"
is "unit_in_system.slice_delegated_without_default_dependencies" \
	"$(prop "$U" Slice) $(prop "$U" Delegate) $(prop "$U" DefaultDependencies)" \
	"system.slice yes no"
is "unit_accounting_on" \
	"$(prop "$U" MemoryAccounting) $(prop "$U" CPUAccounting) $(prop "$U" IOAccounting) $(prop "$U" TasksAccounting)" \
	"yes yes yes yes"
is "unit_resources_as_properties" \
	"$(prop "$U" MemoryMax) $(prop "$U" TasksMax) $(prop "$U" CPUWeight) $(prop "$U" CPUQuotaPerSecUSec) $(prop "$U" CPUQuotaPeriodUSec) $(prop "$U" AllowedCPUs)" \
	"$((64 * MiB)) 40 59 500ms 100ms 0"
is "unit_device_policy_strict" "$(prop "$U" DevicePolicy)" strict
like "unit_device_allow_list" "$(prop "$U" DeviceAllow)" '/dev/char/1:3 rwm'
is "annotations_set_unit_properties" "$(prop "$U" CollectMode) $(prop "$U" TimeoutStopUSec)" \
	"inactive-or-failed 7s"
# Through the system bus (dbus-daemon), not only systemd's own socket.
path=$(busctl --system call org.freedesktop.systemd1 /org/freedesktop/systemd1 \
	org.freedesktop.systemd1.Manager GetUnit s "$U" 2>&1 | sed -n 's/^o "\(.*\)"$/\1/p')
is "busctl_shows_the_unit's_control_group" \
	"$(busctl --system get-property org.freedesktop.systemd1 "$path" \
		org.freedesktop.systemd1.Scope ControlGroup 2>&1)" "s \"/system.slice/$U\""
is "cgroup_files_hold_the_resources" \
	"$(cat "$CG/system.slice/$U/memory.max") $(cat "$CG/system.slice/$U/pids.max") $(cat "$CG/system.slice/$U/cpu.max") $(cat "$CG/system.slice/$U/cpuset.cpus")" \
	"$((64 * MiB)) 40 50000 100000 0"

# ------------------------------------------------------------ lifecycle
run_pt start "$C"
is "start" "$rc:$(field "$C" status)" "0:running"
run_pt exec "$C" cat /proc/self/cgroup
is "exec_lands_in_the_scope" "$rc:$out" "0:0::/system.slice/$U"
run_pt exec -d "$C" sleep 1000
procs=$(wc -l <"$CG/system.slice/$U/cgroup.procs")
is "a_detached_exec_process_stays_in_the_scope" "$rc:$procs" "0:2"
run_pt ps "$C"
like "ps_lists_the_init" "$out" "^root +$pid "
run_pt pause "$C"
is "pause" "$rc:$(field "$C" status):$(cat "$CG/system.slice/$U/cgroup.freeze")" "0:paused:1"
run_pt resume "$C"
is "resume" "$rc:$(field "$C" status):$(cat "$CG/system.slice/$U/cgroup.freeze")" \
	"0:running:0"
run_pt events --stats "$C"
like "events_stats" "$rc:$out" '^0:.*"memory"'

run_pt update --memory 48m --pids-limit 30 --cpu-quota 20000 "$C"
succeeded "update"
is "update_sets_the_unit_properties" \
	"$(prop "$U" MemoryMax) $(prop "$U" TasksMax) $(prop "$U" CPUQuotaPerSecUSec)" \
	"$((48 * MiB)) 30 200ms"
is "update_writes_the_cgroup_files" \
	"$(cat "$CG/system.slice/$U/memory.max") $(cat "$CG/system.slice/$U/pids.max") $(cat "$CG/system.slice/$U/cpu.max")" \
	"$((48 * MiB)) 30 20000 100000"
# A memory+swap total of 96 MiB, then a new limit alone: the total stays
# (swap 48 MiB, then 32 MiB), in the unit and in the files, as with
# cgroupfs; a limit above the total changes nothing.
run_pt update --memory-swap 96m "$C"
is "update_of_the_swap_total_alone" \
	"$rc:$(prop "$U" MemorySwapMax):$(cat "$CG/system.slice/$U/memory.swap.max")" \
	"0:$((48 * MiB)):$((48 * MiB))"
run_pt update --memory 64m "$C"
is "update_of_the_limit_alone_keeps_the_swap_total" \
	"$rc:$(prop "$U" MemoryMax):$(prop "$U" MemorySwapMax):$(cat "$CG/system.slice/$U/memory.max"):$(cat "$CG/system.slice/$U/memory.swap.max")" \
	"0:$((64 * MiB)):$((32 * MiB)):$((64 * MiB)):$((32 * MiB))"
run_pt update --memory 128m "$C"
is "a_limit_above_the_swap_total_is_refused_before_systemd_changes_anything" \
	"$rc:$(prop "$U" MemoryMax):$(cat "$CG/system.slice/$U/memory.max")" \
	"1:$((64 * MiB)):$((64 * MiB))"

run_pt kill --all "$C" KILL
is "kill_all" "$rc" 0
wait_for 10 has_status "$C" stopped
is "kill_all_stops_the_container" "$(field "$C" status)" stopped
run_pt delete "$C"
succeeded "delete"
unit_gone "delete_removes_the_unit_and_its_cgroup" "$U"
is "delete_removes_the_state" "$(field "$C" status)" ""

# The default cgroupsPath: petrel-ID.scope in system.slice.
D=$P-default
bundle "$D" . sleep 1000
sd run "$D" -d
succeeded "run_detached_without_a_cgroupsPath"
is "no_cgroupsPath_gives_petrel-ID.scope_in_system.slice" \
	"$(prop "petrel-$D.scope" Slice):$(prop "petrel-$D.scope" ActiveState)" "system.slice:active"
run_pt delete --force "$D"
succeeded "delete_force_of_a_running_container"
unit_gone "delete_force_removes_the_unit" "petrel-$D.scope"

# A name ending in .slice makes a slice, the init placed in its cgroup.
S=${P}slice
bundle "$S" '.linux.cgroupsPath = "system.slice:ignored:'"$S"'.slice"' sleep 1000
sd run "$S" -d
succeeded "run_in_a_slice_of_its_own"
spid=$(field "$S" pid)
is "the_slice_unit_holds_the_init" "$(prop "$S.slice" ActiveState):$(cat "/proc/$spid/cgroup")" \
	"active:0::/$S.slice"
run_pt delete --force "$S"
is "delete_stops_the_slice" "$rc:$(prop "$S.slice" ActiveState)" "0:inactive"

# ------------------------------------------------------------ enforcement
M=$P-oom
bundle "$M" '.linux.resources = {memory: {limit: 16777216, swap: 16777216}}' \
	tail /dev/zero
sd run "$M"
is "a_memory_hog_beyond_16MiB_is_oom_killed_exit_137" "$rc" 137
unit_gone "run_leaves_no_unit_behind" "petrel-$M.scope"

F=$P-bomb
# shellcheck disable=SC2016 # the container's shell expands it
bundle "$F" '.linux.resources = {pids: {limit: 10}}' sh -c \
	'(i=0; while [ $i -lt 40 ]; do sleep 1000 & i=$((i + 1)); done); echo bomb-done; exec sleep 1000'
sd run "$F" -d
wait_output "$TEST_TMP/$F.out" '^bomb-done$' 20
current=$(cat "$CG/system.slice/petrel-$F.scope/pids.current" 2>&1)
if [ "$rc" -eq 0 ] && [ "$current" -le 10 ] 2>/dev/null &&
	grep -Eqi "can't fork|resource temporarily unavailable" "$TEST_TMP/$F.err"; then
	ok "TasksMax_10_stops_a_fork_bomb"
else
	fail "TasksMax_10_stops_a_fork_bomb" "status $rc, pids.current $current" \
		"$(head -c 300 "$TEST_TMP/$F.err")"
fi
pt delete --force "$F" >/dev/null 2>&1
unit_gone "delete_force_after_a_fork_bomb_removes_the_unit" "petrel-$F.scope"

# ------------------------------------------------------------ errors
E=$P-bad
bundle "$E" '.linux.cgroupsPath = "just/a/path"' true
sd create "$E"
if [ "$rc" -ne 0 ] && [[ $err == *slice:prefix:name* ]]; then
	ok "a_cgroupsPath_not_slice:prefix:name_is_refused"
else
	fail "a_cgroupsPath_not_slice:prefix:name_is_refused" "status $rc: $err"
fi
bundle "$E" '.annotations = {"org.systemd.property.NoSuchProperty": "true"}' true
sd create "$E"
if [ "$rc" -ne 0 ] && [[ $err == *org.freedesktop.DBus.Error.PropertyReadOnly* ||
	$err == *org.freedesktop.DBus.Error.InvalidArgs* ]] && [[ $err == *NoSuchProperty* ]]; then
	ok "systemd's_error_is_reported_with_its_D-Bus_name_and_message"
else
	fail "systemd's_error_is_reported_with_its_D-Bus_name_and_message" "status $rc: $err"
fi
is "a_failed_create_leaves_no_state" "$(field "$E" status)" ""
unit_gone "a_failed_create_leaves_no_unit" "petrel-$E.scope"

# ------------------------------------------------------------ stale unit
# A container whose petrel died: its scope failed (its stop timed out: the
# init ignores SIGTERM) and its state is gone. The same name works again.
T=$P-stale
bundle "$T" '.annotations = {"org.systemd.property.TimeoutStopUSec": "uint64 500000"}' sleep 1000
sd run "$T" -d
systemctl stop --no-block "petrel-$T.scope"
if wait_for 20 systemctl is-failed --quiet "petrel-$T.scope"; then
	ok "a_stale_scope_is_left_failed"
else
	fail "a_stale_scope_is_left_failed" "$(systemctl status "petrel-$T.scope" 2>&1 | head -5)"
fi
rm -rf "${TEST_ROOT:?}/$T"
sd run "$T" -d
succeeded "a_failed_unit_of_the_same_name_does_not_block_create"
is "the_new_unit_is_active" "$(systemctl is-active "petrel-$T.scope")" active
run_pt delete --force "$T"
unit_gone "delete_resets_and_removes_it" "petrel-$T.scope"

# ------------------------------------------------------------ checkpoint
# restore --systemd-cgroup: the unit is made before CRIU runs (with a
# placeholder process that leaves once the restored ones are in), and the
# restored processes are in its cgroup. Needs a working CRIU (the guest's
# CRIU modules: tests/vm/systemd-guest.sh --criu). The container keeps the
# host's network namespace (CRIU 3.17 cannot dump a new one's links on
# Debian's 6.1 kernel) and writes to pipes (CRIU restores those; a file of
# the host is not in the container's mounts).
K=$P-ckpt
if ! [ -x "$(dirname "$PETREL")/petrel-criu" ]; then
	skip checkpoint_restore_with_systemd_cgroup "petrel was built without CRIU"
elif ! why=$(criu check 2>&1); then
	skip checkpoint_restore_with_systemd_cgroup \
		"criu check fails here: $(printf '%s\n' "$why" | grep -m1 -E 'Error|error|not found')"
else
	bundle "$K" '.linux.namespaces |= map(select(.type != "network"))' \
		sh -c 'i=0; while :; do i=$((i+1)); echo $i; sleep 0.1; done'
	pt --systemd-cgroup run -d --bundle "$TEST_TMP/$K" "$K" \
		< <(:) > >(exec cat >"$TEST_TMP/$K.before") 2>&1
	wait_output "$TEST_TMP/$K.before" '^5$' 20
	run_pt checkpoint --image-path "$TEST_TMP/$K.img" "$K"
	is "checkpoint_of_a_systemd_container_succeeds" "$rc $err" "0 "
	unit_gone "checkpoint_ends_its_unit" "petrel-$K.scope"
	run_pt delete "$K"
	pt --systemd-cgroup restore -d --image-path "$TEST_TMP/$K.img" --bundle "$TEST_TMP/$K" "$K" \
		< <(:) > >(exec cat >"$TEST_TMP/$K.after") 2>"$TEST_TMP/$K.err"
	rc=$?
	is "restore_with_systemd_cgroup_succeeds" "$rc $(cat "$TEST_TMP/$K.err")" "0 "
	pid=$(field "$K" pid)
	is "the_restored_container_is_running" "$(field "$K" status)" running
	is "the_restored_unit_is_active" "$(systemctl is-active "petrel-$K.scope")" active
	is "the_restored_init_is_in_the_unit" "$(cat "/proc/$pid/cgroup" 2>&1)" \
		"0::/system.slice/petrel-$K.scope"
	comms=$(while read -r p; do cat "/proc/$p/comm"; done <"$CG/system.slice/petrel-$K.scope/cgroup.procs" |
		sort -u | tr '\n' ' ')
	if [[ " $comms" == *" sh "* && $comms != *petrel* ]]; then
		ok "only_the_restored_processes_are_in_the_unit"
	else
		fail "only_the_restored_processes_are_in_the_unit" "commands in the unit: $comms"
	fi
	before=$(grep -E '^[0-9]+$' "$TEST_TMP/$K.before" | tail -n 1)
	wait_output "$TEST_TMP/$K.after" '^[0-9]+$' 20
	first=$(grep -E '^[0-9]+$' "$TEST_TMP/$K.after" | head -n 1)
	if [ -n "$before" ] && [ -n "$first" ] && [ "$first" -gt 1 ] && [ "$first" -le $((before + 1)) ]; then
		ok "the_restored_counter_goes_on"
	else
		fail "the_restored_counter_goes_on" "before: $before, restored from: $first"
	fi
	run_pt delete --force "$K"
	unit_gone "delete_removes_the_restored_unit" "petrel-$K.scope"
fi

# ------------------------------------------------------------ concurrency
N=20
bundle "$P-many" . sleep 1000
for i in $(seq 1 $N); do
	pt --systemd-cgroup create --bundle "$TEST_TMP/$P-many" "$P-c$i" \
		>"$TEST_TMP/c$i.out" 2>"$TEST_TMP/c$i.err" </dev/null &
done
failed=0
for job in $(jobs -p); do
	wait "$job" || failed=$((failed + 1))
done
active=$(systemctl list-units --no-legend --state=active "petrel-$P-c*.scope" | wc -l)
is "${N}_concurrent_creates_all_succeed_each_in_its_scope" "$failed:$active" "0:$N"
[ "$failed" = 0 ] || fail "concurrent create errors" "$(cat "$TEST_TMP"/c*.err | head -5)"
for i in $(seq 1 $N); do
	pt delete --force "$P-c$i" >/dev/null 2>&1 &
done
wait
left=$(systemctl list-units --no-legend --all "petrel-$P-*" | wc -l)
is "concurrent_deletes_leave_no_unit" "$left" 0

is "nothing_left_in_system.slice" "$(find "$CG/system.slice" -maxdepth 1 -name "petrel-$P-*")" ""
tap_done
