#!/bin/bash
# Containers in cgroups (issue 6), on whatever layout the host has: where a
# container's processes are placed (relative cgroupsPath, none), every
# resource written and read back from the cgroup files, enforcement (OOM
# kill and its event, a fork bomb under pids.limit, device rules, cpuset),
# update from flags, stdin and a file, pause/resume with a running counter,
# ps, events --stats, kill --all with and without a pid namespace, delete
# (never a cgroup it did not create, always the ones it did) and a
# container under a 2 MiB memory limit. Runtime-agnostic: it drives $PETREL
# with runc's command line. Every cgroup of the run lies below the test's
# own cgroup, in a directory named after the run; the test never moves a
# process of its own. Needs root; prints TAP.

. "$(dirname "$0")/../lib/integration.sh" cgroups_integration

MiB=1048576
# The run's cgroup, relative to the own cgroup in every hierarchy; and the
# id of the container without a cgroupsPath (its cgroup is named after it).
RUN_CG=petrel-test-$$
AUTO_ID=petrel-test-$$-auto

# ---------------------------------------------------------------- hierarchies
# Every mounted hierarchy, keyed by its controllers as /proc/self/cgroup
# names them ("memory", "cpu,cpuacct", "name=systemd"; "unified" for v2):
# its mount point, its controllers and the test's own cgroup in it ("" for
# the root).
declare -A CG_MNT=() CG_CTRLS=() CG_OWN=()
HIERS=()
while IFS=: read -r _ ctrls path; do
	key=${ctrls:-unified}
	found=$(awk -v want="$ctrls" '
		{ for (i = 7; $i != "-"; i++) ; fs = $(i + 1); opts = "," $(i + 3) "," }
		want == "" && fs == "cgroup2" { print $5 " " $4; exit }
		want != "" && fs == "cgroup" {
			n = split(want, w, ","); hit = 1
			for (j = 1; j <= n; j++) if (index(opts, "," w[j] ",") == 0) hit = 0
			if (hit) { print $5 " " $4; exit }
		}' /proc/self/mountinfo)
	[ -n "$found" ] || continue
	root=${found#* }
	[ "$root" = / ] && root=
	[[ $path == "$root"* ]] || continue
	path=${path#"$root"}
	CG_MNT[$key]=${found%% *}
	CG_CTRLS[$key]=$ctrls
	CG_OWN[$key]=${path%/}
	HIERS+=("$key")
done </proc/self/cgroup

# hier_of CONTROLLER: the key of the v1 hierarchy that has it bound; for a
# controller only v2 has ("hugetlb" here), "unified".
hier_of() {
	local key
	for key in "${HIERS[@]}"; do
		[ "$key" != unified ] && [[ ",$key," == *",$1,"* ]] && { echo "$key"; return 0; }
	done
	if [ -n "${CG_MNT[unified]:-}" ] &&
		[[ " $(cat "${CG_MNT[unified]}/cgroup.controllers" 2>/dev/null) " == *" $1 "* ]]; then
		echo unified
		return 0
	fi
	return 1
}

# cgdir KEY REL: the directory of cgroup REL (relative to the own cgroup).
cgdir() {
	echo "${CG_MNT[$1]}${CG_OWN[$1]}/$2"
}

# cgfile CONTROLLER REL FILE: the content of FILE in REL's cgroup of the
# hierarchy that enforces CONTROLLER, or "<no FILE>".
cgfile() {
	local key
	key=$(hier_of "$1") || { echo "<no $1 hierarchy>"; return; }
	cat "$(cgdir "$key" "$2")/$3" 2>/dev/null || echo "<no $3>"
}

# has_file CONTROLLER FILE [REL]: the host's hierarchy for CONTROLLER has
# FILE in a cgroup below the own one (REL, default the run's cgroup: a root
# cgroup lacks many files).
has_file() {
	local key
	key=$(hier_of "$1") && [ -e "$(cgdir "$key" "${3:-$RUN_CG}")/$2" ]
}

# proc_cgroup PID KEY: PID's cgroup in hierarchy KEY, from /proc/PID/cgroup.
proc_cgroup() {
	awk -F: -v c="${CG_CTRLS[$2]}" '$2 == c { print $3; exit }' "/proc/$1/cgroup" 2>/dev/null
}

# cg_left REL: the directories of cgroup REL that exist, in any hierarchy.
cg_left() {
	local key d
	for key in "${HIERS[@]}"; do
		d=$(cgdir "$key" "$1")
		[ -d "$d" ] && echo "$d"
	done
	return 0
}

# cg_procs REL: the pids in cgroup REL (of the pids or the freezer
# hierarchy), sorted, one a line.
cg_procs() {
	local key
	key=$(hier_of pids) || key=$(hier_of freezer) || key=unified
	sort -n "$(cgdir "$key" "$1")/cgroup.procs" 2>/dev/null
}

# make_cgroup REL: makes cgroup REL in every hierarchy, as a careful owner
# does (a v1 cpuset gets its parent's cpus and mems).
make_cgroup() {
	local key d
	for key in "${HIERS[@]}"; do
		d=$(cgdir "$key" "$1")
		mkdir -p "$d" || return 1
		if [ -e "$d/cpuset.cpus" ] && [ -z "$(cat "$d/cpuset.cpus")" ]; then
			cat "$d/../cpuset.cpus" >"$d/cpuset.cpus" &&
				cat "$d/../cpuset.mems" >"$d/cpuset.mems" || return 1
		fi
	done
}

# remove_cgroups: removes what is left of the run's cgroups, deepest first;
# processes a failed test left in them are thawed and killed first.
remove_cgroups() {
	local key top d sub _
	for key in "${HIERS[@]}"; do
		for top in "$RUN_CG" "$AUTO_ID"; do
			d=$(cgdir "$key" "$top")
			[ -d "$d" ] || continue
			find "$d" -type d -exec sh -c \
				'[ -e "$1/freezer.state" ] && echo THAWED >"$1/freezer.state"
				[ -e "$1/cgroup.freeze" ] && echo 0 >"$1/cgroup.freeze"; true' sh {} \; 2>/dev/null
			while read -r sub; do
				xargs -r kill -KILL <"$sub/cgroup.procs" 2>/dev/null
				for _ in $(seq 1 40); do
					[ -s "$sub/cgroup.procs" ] || break
					sleep 0.05
				done
				rmdir "$sub" 2>/dev/null
			done < <(find "$d" -depth -type d)
		done
	done
}

cleanup() {
	cleanup_all
	remove_cgroups
}

if [ ${#HIERS[@]} -eq 0 ] || [ -z "$(hier_of memory)" ]; then
	skip cgroups_integration "no cgroup hierarchy with the memory controller"
	tap_done
	exit
fi
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
make_cgroup "$RUN_CG" || { fail "make_the_runs_cgroup $RUN_CG"; tap_done; exit 1; }

# Where a setting shows on this host's layout: in the v1 file, or in the v2
# one where cgroup v2 enforces the controller (a pure v2 host). cpu.weight
# holds the shares as runc and crun translate them (512 is 59, 256 is 35).
if [ "$(hier_of memory)" = unified ]; then
	MEM_V2=1 F_MEM_LIMIT=memory.max F_MEM_SOFT=memory.low F_SWAP=memory.swap.max
else
	MEM_V2='' F_MEM_LIMIT=memory.limit_in_bytes F_MEM_SOFT=memory.soft_limit_in_bytes
	F_SWAP=memory.memsw.limit_in_bytes
fi
if [ "$(hier_of cpu)" = unified ]; then
	CPU_V2=1 F_SHARES=cpu.weight SHARES_512=59 SHARES_256=35
else
	CPU_V2='' F_SHARES=cpu.shares SHARES_512=512 SHARES_256=256
fi

# cpu_max REL: "QUOTA/PERIOD" of cgroup REL (cpu.cfs_quota_us and
# cpu.cfs_period_us, or cpu.max).
cpu_max() {
	if [ -n "$CPU_V2" ]; then
		cgfile cpu "$1" cpu.max | tr ' ' /
	else
		echo "$(cgfile cpu "$1" cpu.cfs_quota_us)/$(cgfile cpu "$1" cpu.cfs_period_us)"
	fi
}

# bundle NAME ARG...: bundle $TEST_TMP/NAME running ARG..., for container
# NAME in cgroup $RUN_CG/NAME.
bundle() {
	local name=$1
	shift
	make_bundle "$TEST_TMP/$name"
	set_args "$TEST_TMP/$name" "$@"
	# The rootfs by its real path: runc refuses a symlink.
	edit_config "$TEST_TMP/$name" "c['linux']['cgroupsPath'] = '$RUN_CG/$name'
c['root']['path'] = '$ROOTFS_CACHE'"
}

# resources NAME PYTHON_DICT: merged into the bundle's linux.resources.
resources() {
	edit_config "$TEST_TMP/$1" "c['linux'].setdefault('resources', {}).update($2)"
}

# all_dead PID... [within 10 s]
all_dead() {
	local _ p alive
	for _ in $(seq 1 200); do
		alive=
		for p in "$@"; do
			proc_alive "$p" && alive=1
		done
		[ -z "$alive" ] && return 0
		sleep 0.05
	done
	return 1
}

# cpus_allowed PID: Cpus_allowed_list of /proc/PID/status.
cpus_allowed() {
	awk '$1 == "Cpus_allowed_list:" { print $2 }' "/proc/$1/status" 2>/dev/null
}

# succeeded NAME: the last command's status ($rc) was 0 (warnings allowed).
succeeded() {
	if [ "$rc" -eq 0 ]; then
		ok "$1"
	else
		fail "$1" "status $rc: $err"
	fi
}

# no_cgroup_left NAME REL: the test that cgroup REL is gone everywhere.
no_cgroup_left() {
	local left
	left=$(cg_left "$2")
	if [ -z "$left" ]; then
		ok "$1"
	else
		fail "$1" "left: $left"
	fi
}

# check_file NAME CONTROLLER REL FILE EXPECTED: the file holds EXPECTED;
# skipped when the host's hierarchy has no such file.
check_file() {
	if ! has_file "$2" "$4"; then
		skip "$1" "no $4 on this host"
		return
	fi
	is "$1" "$(cgfile "$2" "$3" "$4")" "$5"
}

# ---------------------------------------------------------------- placement
bundle place sleep 1000
pt_bundle run place -d
pid=$(state_field place pid)
if [ "$rc" -ne 0 ] || [ -z "$pid" ]; then
	fail "run_a_container_with_a_relative_cgroupsPath" "status $rc: $err"
fi
for c in cpu cpuacct cpuset memory devices freezer blkio pids; do
	if [ "${HIERS[*]}" = unified ]; then
		skip "init_is_in_its_v1_cgroups" "a pure cgroup v2 host"
		break
	elif ! key=$(hier_of "$c") || [ "$key" = unified ]; then
		skip "init_is_in_its_${c}_v1_cgroup" "no v1 $c hierarchy"
		continue
	fi
	is "init_is_in_its_${c}_v1_cgroup" "$(proc_cgroup "$pid" "$key")" \
		"${CG_OWN[$key]}/$RUN_CG/place"
done
if [ -n "${CG_MNT[unified]:-}" ]; then
	is "init_is_in_its_unified_v2_cgroup" "$(proc_cgroup "$pid" unified)" \
		"${CG_OWN[unified]}/$RUN_CG/place"
else
	skip "init_is_in_its_unified_v2_cgroup" "no cgroup2 mount"
fi
run_pt delete --force place
succeeded "delete_force_of_a_running_container_succeeds"
no_cgroup_left "delete_force_of_a_running_container_leaves_no_cgroup_behind" "$RUN_CG/place"

# Without a cgroupsPath: a cgroup named after the container under the
# runtime's own cgroup, in every hierarchy.
bundle "$AUTO_ID" sleep 1000
edit_config "$TEST_TMP/$AUTO_ID" "c['linux'].pop('cgroupsPath', None)"
pt_bundle run "$AUTO_ID" -d
pid=$(state_field "$AUTO_ID" pid)
got='' want=''
for key in "${HIERS[@]}"; do
	[[ $key == name=* ]] && continue
	got+="$key=$(proc_cgroup "$pid" "$key") "
	want+="$key=${CG_OWN[$key]}/$AUTO_ID "
done
is "without_cgroupsPath_the_init_is_in_a_cgroup_named_after_the_container_under_the_own_one" \
	"$rc:$got" "0:$want"
pt delete --force "$AUTO_ID" >/dev/null 2>&1
no_cgroup_left "delete_removes_the_cgroup_named_after_the_container" "$AUTO_ID"

# ---------------------------------------------------------------- resources
# A block device for the throttle rules: a disk, else any block device.
BLKDEV=
for d in /sys/block/*; do
	[ -r "$d/dev" ] || continue
	case ${d##*/} in
	loop* | ram* | zram*) [ -z "$BLKDEV" ] && BLKDEV=$(cat "$d/dev") ;;
	*)
		BLKDEV=$(cat "$d/dev")
		break
		;;
	esac
done
BMAJ=${BLKDEV%:*} BMIN=${BLKDEV#*:}

bundle res sleep 1000
resources res "{
	'memory': {'limit': 256 * $MiB, 'reservation': 128 * $MiB, 'swap': 512 * $MiB,
		'swappiness': 30, 'disableOOMKiller': True, 'kernelTCP': 64 * $MiB},
	'cpu': {'shares': 512, 'quota': 50000, 'period': 100000, 'burst': 10000,
		'cpus': '0', 'mems': '0'},
	'pids': {'limit': 50}}"
if [ -n "$BLKDEV" ]; then
	resources res "{'blockIO': {
		'throttleReadBpsDevice': [{'major': $BMAJ, 'minor': $BMIN, 'rate': 1048576}],
		'throttleWriteBpsDevice': [{'major': $BMAJ, 'minor': $BMIN, 'rate': 2097152}],
		'throttleReadIOPSDevice': [{'major': $BMAJ, 'minor': $BMIN, 'rate': 300}],
		'throttleWriteIOPSDevice': [{'major': $BMAJ, 'minor': $BMIN, 'rate': 400}]}}"
fi
pt_bundle run res -d
succeeded "run_with_memory_cpu_pids_and_blkio_resources_succeeds"
R=$RUN_CG/res
if [ -n "$MEM_V2" ]; then
	# swappiness, disableOOMKiller and kernelTCP have no v2 file.
	check_file "memory_limit_in_memory.max" memory "$R" memory.max $((256 * MiB))
	check_file "memory_reservation_in_memory.low" memory "$R" memory.low $((128 * MiB))
	check_file "memory_swap_less_the_limit_in_memory.swap.max" memory "$R" memory.swap.max \
		$((256 * MiB))
else
	check_file "memory_limit_in_memory.limit_in_bytes" memory "$R" memory.limit_in_bytes \
		$((256 * MiB))
	check_file "memory_reservation_in_memory.soft_limit_in_bytes" memory "$R" \
		memory.soft_limit_in_bytes $((128 * MiB))
	check_file "memory_swap_in_memory.memsw.limit_in_bytes" memory "$R" \
		memory.memsw.limit_in_bytes $((512 * MiB))
	check_file "memory_swappiness_in_memory.swappiness" memory "$R" memory.swappiness 30
	like "memory_disableOOMKiller_in_memory.oom_control" \
		"$(cgfile memory "$R" memory.oom_control)" '^oom_kill_disable 1$'
	check_file "memory_kernelTCP_in_memory.kmem.tcp.limit_in_bytes" memory "$R" \
		memory.kmem.tcp.limit_in_bytes $((64 * MiB))
fi
if [ -n "$CPU_V2" ]; then
	check_file "cpu_shares_512_in_cpu.weight_59" cpu "$R" cpu.weight 59
	check_file "cpu_quota_and_period_in_cpu.max" cpu "$R" cpu.max "50000 100000"
	check_file "cpu_burst_in_cpu.max.burst" cpu "$R" cpu.max.burst 10000
else
	check_file "cpu_shares_in_cpu.shares" cpu "$R" cpu.shares 512
	check_file "cpu_quota_in_cpu.cfs_quota_us" cpu "$R" cpu.cfs_quota_us 50000
	check_file "cpu_period_in_cpu.cfs_period_us" cpu "$R" cpu.cfs_period_us 100000
	check_file "cpu_burst_in_cpu.cfs_burst_us" cpu "$R" cpu.cfs_burst_us 10000
fi
check_file "cpu_cpus_in_cpuset.cpus" cpuset "$R" cpuset.cpus 0
check_file "cpu_mems_in_cpuset.mems" cpuset "$R" cpuset.mems 0
is "cpuset_pins_the_container_process_to_cpu_0" "$(cpus_allowed "$(state_field res pid)")" 0
check_file "pids_limit_in_pids.max" pids "$R" pids.max 50
if [ -n "$BLKDEV" ] && [ "$(hier_of io)" = unified ]; then
	check_file "blkio_throttle_devices_in_io.max" io "$R" io.max \
		"$BLKDEV rbps=1048576 wbps=2097152 riops=300 wiops=400"
elif [ -n "$BLKDEV" ]; then
	check_file "blkio_throttle_read_bps_device" blkio "$R" blkio.throttle.read_bps_device \
		"$BLKDEV 1048576"
	check_file "blkio_throttle_write_bps_device" blkio "$R" blkio.throttle.write_bps_device \
		"$BLKDEV 2097152"
	check_file "blkio_throttle_read_iops_device" blkio "$R" blkio.throttle.read_iops_device \
		"$BLKDEV 300"
	check_file "blkio_throttle_write_iops_device" blkio "$R" blkio.throttle.write_iops_device \
		"$BLKDEV 400"
else
	skip "blkio_throttle_devices" "no block device"
fi

# events --stats: one stats event with the container's numbers.
run_pt events --stats res
is "events_stats_reports_the_memory_limit_and_the_pids" \
	"$rc:$(json_get "$out" '"%s %s %s %s %s" % (j["type"], j["id"],
		j["data"]["memory"]["usage"]["limit"], j["data"]["pids"]["limit"],
		j["data"]["pids"]["current"] >= 1)' 2>&1)" \
	"0:stats res $((256 * MiB)) 50 True"
pt delete --force res >/dev/null 2>&1
no_cgroup_left "delete_force_removes_the_cgroup_of_a_container_with_resources" "$R"

# Real-time: the run's cgroup (the test's own) gets a budget the container
# takes part of, when the kernel allows it.
RT_OK=
if has_file cpu cpu.rt_runtime_us &&
	echo 100000 >"$(cgdir "$(hier_of cpu)" "$RUN_CG")/cpu.rt_runtime_us" 2>/dev/null; then
	RT_OK=1
	bundle rt sleep 1000
	resources rt "{'cpu': {'realtimeRuntime': 50000, 'realtimePeriod': 1000000}}"
	pt_bundle create rt
	succeeded "create_with_cpu_realtime_succeeds"
	check_file "cpu_realtimeRuntime_in_cpu.rt_runtime_us" cpu "$RUN_CG/rt" cpu.rt_runtime_us 50000
	check_file "cpu_realtimePeriod_in_cpu.rt_period_us" cpu "$RUN_CG/rt" cpu.rt_period_us 1000000
	pt delete --force rt >/dev/null 2>&1
else
	skip "cpu_realtime" "the kernel gives no real-time budget to a child cgroup"
fi

if has_file cpu cpu.idle; then
	bundle idle sleep 1000
	resources idle "{'cpu': {'idle': 1}}"
	pt_bundle create idle
	check_file "cpu_idle_in_cpu.idle" cpu "$RUN_CG/idle" cpu.idle 1
	pt delete --force idle >/dev/null 2>&1
else
	skip "cpu_idle_in_cpu.idle" "no cpu.idle"
fi

# Huge pages: every size the kernel has, in whichever hierarchy has hugetlb.
HUGE_SIZES=()
for d in /sys/kernel/mm/hugepages/hugepages-*kB; do
	[ -d "$d" ] || continue
	kb=${d##*hugepages-}
	kb=${kb%kB}
	if [ $((kb % 1048576)) -eq 0 ]; then
		HUGE_SIZES+=("$((kb / 1048576))GB:$((kb * 1024))")
	elif [ $((kb % 1024)) -eq 0 ]; then
		HUGE_SIZES+=("$((kb / 1024))MB:$((kb * 1024))")
	else
		HUGE_SIZES+=("${kb}KB:$((kb * 1024))")
	fi
done
if key=$(hier_of hugetlb) && [ ${#HUGE_SIZES[@]} -gt 0 ]; then
	limits=
	for s in "${HUGE_SIZES[@]}"; do
		limits+="{'pageSize': '${s%%:*}', 'limit': 2 * ${s#*:}},"
	done
	bundle huge sleep 1000
	resources huge "{'hugepageLimits': [$limits]}"
	pt_bundle create huge
	succeeded "create_with_hugepageLimits_succeeds"
	if [ "$key" = unified ]; then sfx=max rsfx=rsvd.max; else sfx=limit_in_bytes rsfx=rsvd.limit_in_bytes; fi
	for s in "${HUGE_SIZES[@]}"; do
		ps_=${s%%:*}
		is "hugepage_limit_${ps_}_in_hugetlb.$ps_.$sfx" \
			"$(cgfile hugetlb "$RUN_CG/huge" "hugetlb.$ps_.$sfx")" "$((2 * ${s#*:}))"
		if has_file hugetlb "hugetlb.$ps_.$rsfx" "$RUN_CG/huge"; then
			is "hugepage_limit_${ps_}_also_in_hugetlb.$ps_.$rsfx" \
				"$(cgfile hugetlb "$RUN_CG/huge" "hugetlb.$ps_.$rsfx")" "$((2 * ${s#*:}))"
		fi
	done
	pt delete --force huge >/dev/null 2>&1
	no_cgroup_left "delete_removes_the_v2_cgroup_with_hugetlb" "$RUN_CG/huge"
else
	skip "hugepage_limits" "no hugetlb controller or no huge page size"
fi

# unified: v2 keys written verbatim into the container's v2 cgroup; a key
# of a controller v2 does not have here is an error naming it.
if [ -n "${CG_MNT[unified]:-}" ]; then
	bundle unif sleep 1000
	resources unif "{'unified': {'cgroup.max.descendants': '7', 'cgroup.max.depth': '3'}}"
	pt_bundle create unif
	succeeded "create_with_unified_v2_keys_succeeds"
	is "unified_keys_written_verbatim" \
		"$(cat "$(cgdir unified "$RUN_CG/unif")"/cgroup.max.{descendants,depth} 2>&1 | tr '\n' ' ')" \
		"7 3 "
	pt delete --force unif >/dev/null 2>&1
	if ! hier_of memory | grep -qx unified; then
		bundle unifv1 sleep 1000
		resources unifv1 "{'unified': {'memory.max': '$((100 * MiB))'}}"
		pt_bundle create unifv1
		if [ "$rc" -ne 0 ] && [[ $err == *memory.max* ]]; then
			ok "unified_key_of_a_controller_v2_lacks_is_an_error_naming_it"
		else
			fail "unified_key_of_a_controller_v2_lacks_is_an_error_naming_it" "status $rc: $err"
		fi
		pt delete --force unifv1 >/dev/null 2>&1
		no_cgroup_left "a_refused_unified_key_leaves_no_cgroup_behind" "$RUN_CG/unifv1"
	fi
else
	skip "unified_keys" "no cgroup2 mount"
fi

# Devices. A device outside the default set (loop-control, whose open
# checks nothing else), given by linux.devices, allowed for reading only:
# its open for reading works, for writing the cgroup refuses.
if [ -c /dev/loop-control ]; then
	# shellcheck disable=SC2016 # the container's shell expands it
	bundle devs sh -c 'for f in loop-control null; do
		if (exec 3</dev/$f); then echo $f-r; else echo $f-no-r; fi
		if (exec 3>/dev/$f); then echo $f-w; else echo $f-no-w; fi
	done 2>/dev/null; echo done; exec sleep 1000'
	edit_config "$TEST_TMP/devs" "c['linux']['devices'] = [{'path': '/dev/loop-control',
		'type': 'c', 'major': 10, 'minor': 237, 'fileMode': 0o666, 'uid': 0, 'gid': 0}]"
	resources devs "{'devices': [{'allow': False, 'access': 'rwm'},
		{'allow': True, 'type': 'c', 'major': 10, 'minor': 237, 'access': 'r'}]}"
	pt_bundle run devs -d
	wait_output "$TEST_TMP/devs.out" '^done$' 10
	is "device_rules_allow_reading_and_deny_writing_a_device_outside_the_defaults" \
		"$rc:$(tr '\n' ' ' <"$TEST_TMP/devs.out")" \
		"0:loop-control-r loop-control-no-w null-r null-w done "
	if has_file devices devices.list; then
		list=$(cgfile devices "$RUN_CG/devs" devices.list)
		if printf '%s\n' "$list" | grep -qx 'c 10:237 r' &&
			printf '%s\n' "$list" | grep -qx 'c 1:3 rwm' && ! printf '%s\n' "$list" | grep -q '^a '; then
			ok "devices.list_holds_the_rule_and_the_default_devices_and_denies_the_rest"
		else
			fail "devices.list_holds_the_rule_and_the_default_devices_and_denies_the_rest" "$list"
		fi
	fi
	pt delete --force devs >/dev/null 2>&1
else
	skip "device_rules" "no /dev/loop-control"
fi

# A deny rule for a default device (reading /dev/zero): as with runc, the
# devices every container gets come after the config's rules, so /dev/zero
# stays usable.
bundle devzero sh -c 'if head -c1 /dev/zero >/dev/null; then echo zero-r; else
	echo zero-no-r; fi; echo x >/dev/zero && echo zero-w; echo done; exec sleep 1000'
resources devzero "{'devices': [{'allow': False, 'access': 'rwm'},
	{'allow': False, 'type': 'c', 'major': 1, 'minor': 5, 'access': 'r'}]}"
pt_bundle run devzero -d
wait_output "$TEST_TMP/devzero.out" '^done$' 10
is "the_default_devices_stay_usable_after_a_deny_rule_for_them" \
	"$rc:$(tr '\n' ' ' <"$TEST_TMP/devzero.out")" "0:zero-r zero-w done "
pt delete --force devzero >/dev/null 2>&1

# Block I/O weights: blkio.weight, else BFQ's blkio.bfq.weight; a per-device
# weight for a disk whose scheduler is not BFQ (or CFQ), the kernel refuses;
# a file the host lacks (leaf_weight without CFQ) is an error naming it.
WFILE=
for f in blkio.weight blkio.bfq.weight; do
	has_file blkio "$f" && { WFILE=$f && break; }
done
if ! key=$(hier_of blkio) || [ "$key" = unified ]; then
	skip "blkio_weights" "no v1 blkio hierarchy"
elif [ -n "$WFILE" ]; then
	bundle bweight sleep 1000
	resources bweight "{'blockIO': {'weight': 500}}"
	pt_bundle create bweight
	is "blkio_weight_in_$WFILE" "$rc:$(cgfile blkio "$RUN_CG/bweight" "$WFILE")" "0:500"
	pt delete --force bweight >/dev/null 2>&1
	if [ -n "$BLKDEV" ] && has_file blkio "${WFILE}_device"; then
		bundle bwdev sleep 1000
		resources bwdev "{'blockIO': {'weightDevice': [{'major': $BMAJ, 'minor': $BMIN,
			'weight': 200}]}}"
		pt_bundle create bwdev
		if grep -Eq '\[(bfq|cfq)\]' "/sys/dev/block/$BLKDEV/queue/scheduler" 2>/dev/null; then
			if [ "$rc" -eq 0 ] &&
				cgfile blkio "$RUN_CG/bwdev" "${WFILE}_device" | grep -qx "$BLKDEV 200"; then
				ok "blkio_weightDevice_in_${WFILE}_device"
			else
				fail "blkio_weightDevice_in_${WFILE}_device" "status $rc: $err" \
					"$(cgfile blkio "$RUN_CG/bwdev" "${WFILE}_device")"
			fi
		elif [ "$rc" -ne 0 ] && [[ $err == *"${WFILE}_device"* ]] && [[ $err == *200* ]]; then
			ok "a_weightDevice_the_kernel_refuses_is_an_error_naming_the_file_and_the_value"
		else
			fail "a_weightDevice_the_kernel_refuses_is_an_error_naming_the_file_and_the_value" \
				"status $rc: $err" "(the scheduler of $BLKDEV is not BFQ)"
		fi
		pt delete --force bwdev >/dev/null 2>&1
		no_cgroup_left "a_refused_weightDevice_leaves_no_cgroup_behind" "$RUN_CG/bwdev"
	fi
else
	bundle bweight sleep 1000
	resources bweight "{'blockIO': {'weight': 500}}"
	pt_bundle create bweight
	if [ "$rc" -ne 0 ] && [[ $err =~ blkio(\.bfq)?\.weight ]]; then
		ok "blkio_weight_without_a_weight_file_is_an_error_naming_it"
	else
		fail "blkio_weight_without_a_weight_file_is_an_error_naming_it" "status $rc: $err"
	fi
	pt delete --force bweight >/dev/null 2>&1
	no_cgroup_left "a_refused_blkio_weight_leaves_no_cgroup_behind" "$RUN_CG/bweight"
fi
if key=$(hier_of blkio) && [ "$key" != unified ] && ! has_file blkio blkio.leaf_weight &&
	! has_file blkio blkio.bfq.leaf_weight; then
	bundle bleaf sleep 1000
	resources bleaf "{'blockIO': {'leafWeight': 300}}"
	pt_bundle create bleaf
	if [ "$rc" -ne 0 ] && [[ $err == *leaf_weight* ]]; then
		ok "blkio_leafWeight_without_a_leaf_weight_file_is_an_error_naming_it"
	else
		fail "blkio_leafWeight_without_a_leaf_weight_file_is_an_error_naming_it" "status $rc: $err"
	fi
	pt delete --force bleaf >/dev/null 2>&1
	no_cgroup_left "a_refused_leafWeight_leaves_no_cgroup_behind" "$RUN_CG/bleaf"
fi

# Errors: a controller the host lacks, asked for; a value the kernel refuses.
# (Pure v2 has no net_cls and ignores the network fields, as runc:
# cgroups-v2.sh checks that.)
if [ "${HIERS[*]}" = unified ]; then
	skip "network_classID_without_net_cls_is_an_error_naming_it" \
		"pure cgroup v2 ignores network fields (checked by cgroups-v2.sh)"
elif ! hier_of net_cls >/dev/null; then
	bundle netcls sleep 1000
	resources netcls "{'network': {'classID': 1048577}}"
	pt_bundle create netcls
	if [ "$rc" -ne 0 ] && [[ $err == *net_cls* ]]; then
		ok "network_classID_without_net_cls_is_an_error_naming_it"
	else
		fail "network_classID_without_net_cls_is_an_error_naming_it" "status $rc: $err"
	fi
	pt delete --force netcls >/dev/null 2>&1
else
	skip "network_classID_without_net_cls_is_an_error_naming_it" "the host has net_cls"
fi
BADCPU=$(($(nproc --all) + 3))
bundle badcpu sleep 1000
resources badcpu "{'cpu': {'cpus': '$BADCPU'}}"
pt_bundle create badcpu
if [ "$rc" -ne 0 ] && [[ $err == *cpuset.cpus* ]] && [[ $err == *"$BADCPU"* ]]; then
	ok "a_value_the_kernel_refuses_is_an_error_naming_the_file_and_the_value"
else
	fail "a_value_the_kernel_refuses_is_an_error_naming_the_file_and_the_value" "status $rc: $err"
fi
is "a_failed_create_leaves_no_state" "$(state_field badcpu status 2>/dev/null)" ""
pt delete --force badcpu >/dev/null 2>&1
no_cgroup_left "a_failed_create_leaves_no_cgroup_behind" "$RUN_CG/badcpu"

# Without systemd, --systemd-cgroup is an error that says why, never a
# silent fallback to cgroupfs.
if ! [ -e /run/systemd/private ] && ! [ -e /run/dbus/system_bus_socket ]; then
	bundle nobus sleep 1000
	PT_GLOBAL=--systemd-cgroup pt_bundle create nobus
	if [ "$rc" -ne 0 ] && [[ $err == *"--systemd-cgroup: cannot reach systemd"* ]]; then
		ok "systemd_cgroup_without_a_system_bus_is_a_clear_error"
	else
		fail "systemd_cgroup_without_a_system_bus_is_a_clear_error" "status $rc: $err"
	fi
	is "systemd_cgroup_without_a_bus_leaves_no_state" "$(state_field nobus status 2>/dev/null)" ""
	no_cgroup_left "systemd_cgroup_without_a_bus_leaves_no_cgroup" "$RUN_CG/nobus"
fi

# ---------------------------------------------------------------- enforcement
# memory+swap at the limit too, so the hog cannot swap.
mem16="{'memory': {'limit': 16 * $MiB, 'swap': 16 * $MiB}}"
has_file memory "$F_SWAP" || mem16="{'memory': {'limit': 16 * $MiB}}"
bundle oomrun tail /dev/zero
resources oomrun "$mem16"
pt_bundle run oomrun
is "a_memory_hog_beyond_a_16MiB_limit_is_oom_killed_exit_137" "$rc" 137
no_cgroup_left "run_removes_the_cgroup_of_an_oom_killed_container" "$RUN_CG/oomrun"

bundle oomev tail /dev/zero
resources oomev "$mem16"
pt_bundle create oomev
"$PETREL" --root "$TEST_ROOT" events oomev >"$TEST_TMP/oomev.events" 2>&1 </dev/null &
events_pid=$!
sleep 0.5
pt start oomev >/dev/null 2>&1
wait_status oomev stopped 20
if [ -n "$MEM_V2" ]; then
	like "oom_kill_counted_in_memory.events" "$(cgfile memory "$RUN_CG/oomev" memory.events)" \
		'^oom_kill [1-9]'
else
	like "oom_kill_counted_in_memory.oom_control" \
		"$(cgfile memory "$RUN_CG/oomev" memory.oom_control)" '^oom_kill [1-9]'
fi
if wait_output "$TEST_TMP/oomev.events" '"type": ?"oom"' 5; then
	ok "events_reports_the_oom_kill"
else
	fail "events_reports_the_oom_kill" "$(head -c 600 "$TEST_TMP/oomev.events")"
fi
{
	kill -KILL "$events_pid"
	wait "$events_pid"
} 2>/dev/null
run_pt delete oomev
succeeded "delete_of_a_stopped_container_succeeds"
no_cgroup_left "delete_of_a_stopped_container_leaves_no_cgroup_behind" "$RUN_CG/oomev"

# A fork bomb (in a subshell, so that the failure ends only the subshell)
# under pids.limit 10.
# shellcheck disable=SC2016 # the container's shell expands it
bundle bomb sh -c '(i=0; while [ $i -lt 40 ]; do sleep 1000 & i=$((i + 1)); done)
	echo bomb-done; exec sleep 1000'
resources bomb "{'pids': {'limit': 10}}"
pt_bundle run bomb -d
wait_output "$TEST_TMP/bomb.out" '^bomb-done$' 10
current=$(cgfile pids "$RUN_CG/bomb" pids.current)
nprocs=$(cg_procs "$RUN_CG/bomb" | wc -l)
if [ "$rc" -eq 0 ] && grep -Eqi "can't fork|resource temporarily unavailable" "$TEST_TMP/bomb.err" &&
	[ "$current" -le 10 ] 2>/dev/null && [ "$nprocs" -le 10 ]; then
	ok "pids_limit_10_stops_a_fork_bomb"
else
	fail "pids_limit_10_stops_a_fork_bomb" "status $rc, pids.current $current, $nprocs processes" \
		"$(head -c 400 "$TEST_TMP/bomb.err")"
fi
if has_file pids pids.events; then
	like "pids.events_counts_the_refused_forks" "$(cgfile pids "$RUN_CG/bomb" pids.events)" \
		'^max [1-9]'
fi
pt delete --force bomb >/dev/null 2>&1
no_cgroup_left "delete_force_removes_the_cgroup_of_a_fork_bomb" "$RUN_CG/bomb"

# ---------------------------------------------------------------- update
bundle upd sleep 1000
pt_bundle run upd -d
U=$RUN_CG/upd
upid=$(state_field upd pid)
run_pt update --memory 64m upd
is "update_memory_64m" "$rc:$err:$(cgfile memory "$U" "$F_MEM_LIMIT")" "0::$((64 * MiB))"
run_pt update --memory-reservation 32m upd
is "update_memory_reservation" "$rc:$err:$(cgfile memory "$U" "$F_MEM_SOFT")" \
	"0::$((32 * MiB))"
if has_file memory "$F_SWAP"; then
	# memory.swap.max is the swap beyond the limit.
	swap=128
	[ -n "$MEM_V2" ] && swap=64
	run_pt update --memory-swap 128m upd
	is "update_memory_swap" "$rc:$err:$(cgfile memory "$U" "$F_SWAP")" "0::$((swap * MiB))"
fi
run_pt update --pids-limit 20 upd
is "update_pids_limit_20" "$rc:$err:$(cgfile pids "$U" pids.max)" "0::20"
run_pt update --cpu-share 512 upd
is "update_cpu_share_512" "$rc:$err:$(cgfile cpu "$U" "$F_SHARES")" "0::$SHARES_512"
run_pt update --cpu-quota 20000 --cpu-period 50000 upd
is "update_cpu_quota_and_period" "$rc:$err:$(cpu_max "$U")" "0::20000/50000"
run_pt update --cpuset-cpus 0 upd
is "update_cpuset_cpus_0_pins_the_process" \
	"$rc:$err:$(cgfile cpuset "$U" cpuset.cpus):$(cpus_allowed "$upid")" "0::0:0"
if [ -n "$RT_OK" ]; then
	run_pt update --cpu-rt-period 1000000 --cpu-rt-runtime 20000 upd
	is "update_cpu_rt_runtime_and_period" \
		"$rc:$err:$(cgfile cpu "$U" cpu.rt_runtime_us)/$(cgfile cpu "$U" cpu.rt_period_us)" \
		"0::20000/1000000"
fi
if [ -n "$WFILE" ]; then
	run_pt update --blkio-weight 500 upd
	is "update_blkio_weight_500" "$rc:$err:$(cgfile blkio "$U" "$WFILE")" "0::500"
elif key=$(hier_of blkio) && [ "$key" != unified ]; then
	run_pt update --blkio-weight 500 upd
	if [ "$rc" -ne 0 ] && [[ $err =~ blkio(\.bfq)?\.weight ]]; then
		ok "update_blkio_weight_without_a_weight_file_is_an_error_naming_it"
	else
		fail "update_blkio_weight_without_a_weight_file_is_an_error_naming_it" "status $rc: $err"
	fi
fi
is "update_keeps_the_values_it_is_not_given" \
	"$(cgfile memory "$U" "$F_MEM_LIMIT") $(cgfile pids "$U" pids.max)" \
	"$((64 * MiB)) 20"

printf '{"memory": {"limit": %d}, "pids": {"limit": 30}, "cpu": {"shares": 256}}\n' \
	$((96 * MiB)) >"$TEST_TMP/upd-stdin.json"
pt update --resources - upd <"$TEST_TMP/upd-stdin.json" >"$TEST_TMP/cmd.out" 2>"$TEST_TMP/cmd.err"
rc=$?
is "update_resources_from_stdin" \
	"$rc:$(cat "$TEST_TMP/cmd.err"):$(cgfile memory "$U" "$F_MEM_LIMIT") $(cgfile pids "$U" \
		pids.max) $(cgfile cpu "$U" "$F_SHARES")" \
	"0::$((96 * MiB)) 30 $SHARES_256"
printf '{"cpu": {"quota": 30000, "period": 200000}, "pids": {"limit": 40}}\n' \
	>"$TEST_TMP/upd-file.json"
run_pt update -r "$TEST_TMP/upd-file.json" upd
is "update_resources_from_a_file" \
	"$rc:$err:$(cpu_max "$U") $(cgfile pids "$U" pids.max) $(cgfile memory "$U" "$F_MEM_LIMIT")" \
	"0::30000/200000 40 $((96 * MiB))"
# --cpu-shares, the spelling runc documents, is --cpu-share.
run_pt update --cpu-shares 512 upd
is "update_cpu_shares_is_the_same_as_cpu_share" "$rc:$err:$(cgfile cpu "$U" "$F_SHARES")" \
	"0::$SHARES_512"
# With --resources runc ignores every other limit flag.
printf '{"pids": {"limit": 45}}\n' >"$TEST_TMP/upd-only-r.json"
run_pt update -r "$TEST_TMP/upd-only-r.json" --pids-limit 99 --memory 32m --cpu-share 1024 upd
is "update_resources_ignores_the_other_limit_flags" \
	"$rc:$err:$(cgfile pids "$U" pids.max) $(cgfile memory "$U" "$F_MEM_LIMIT") $(cgfile cpu \
		"$U" "$F_SHARES")" \
	"0::45 $((96 * MiB)) $SHARES_512"
# The quota is 30000 from the file above: a burst fits under it.
F_BURST=cpu.cfs_burst_us
[ -n "$CPU_V2" ] && F_BURST=cpu.max.burst
if has_file cpu "$F_BURST"; then
	run_pt update --cpu-burst 5000 upd
	is "update_cpu_burst_5000" "$rc:$err:$(cgfile cpu "$U" "$F_BURST")" "0::5000"
else
	skip "update_cpu_burst_5000" "no $F_BURST on this host"
fi
if has_file cpu cpu.idle; then
	run_pt update --cpu-idle 1 upd
	is "update_cpu_idle_1" "$rc:$err:$(cgfile cpu "$U" cpu.idle)" "0::1"
	run_pt update --cpu-idle 0 upd
	is "update_cpu_idle_0" "$rc:$err:$(cgfile cpu "$U" cpu.idle)" "0::0"
else
	skip "update_cpu_idle" "no cpu.idle on this host"
fi
# The first memory node the host has, and one it has not: the flag reaches
# cpuset.mems, whose error names it.
node=$(cat /sys/devices/system/node/online 2>/dev/null || echo 0)
node=${node%%[-,]*}
run_pt update --cpuset-mems "$node" upd
is "update_cpuset_mems" "$rc:$err:$(cgfile cpuset "$U" cpuset.mems)" "0::$node"
run_pt update --cpuset-mems 999 upd
if [ "$rc" -ne 0 ] && [[ $err == *cpuset.mems* ]]; then
	ok "update_cpuset_mems_of_a_missing_node_is_an_error_naming_cpuset.mems"
else
	fail "update_cpuset_mems_of_a_missing_node_is_an_error_naming_cpuset.mems" "status $rc: $err"
fi
# Kernel memory limits: ignored with a warning, as runc >= 1.1 does.
kmem_tcp() { cgfile memory "$U" memory.kmem.tcp.limit_in_bytes; }
kmem() { cgfile memory "$U" memory.kmem.limit_in_bytes; }
before="$(kmem) $(kmem_tcp)"
run_pt update --kernel-memory 64m --kernel-memory-tcp 32m upd
is "update_kernel_memory_flags_are_ignored_with_a_warning" \
	"$rc:$([[ $err == *"kernel memory settings are ignored"* ]] && echo warned):$(kmem) $(kmem_tcp)" \
	"0:warned:$before"
# -1 is "no limit": each file reads back the kernel's unlimited value.
page=$(getconf PAGESIZE)
if [ -n "$MEM_V2" ]; then
	unlimited_mem=max unlimited_swap=max
else
	unlimited_mem=$((9223372036854775807 / page * page))
	unlimited_swap=$unlimited_mem
fi
run_pt update --memory -1 upd
if has_file memory "$F_SWAP"; then
	is "update_memory_-1_lifts_the_memory_and_the_swap_limit" \
		"$rc:$err:$(cgfile memory "$U" "$F_MEM_LIMIT") $(cgfile memory "$U" "$F_SWAP")" \
		"0::$unlimited_mem $unlimited_swap"
else
	is "update_memory_-1_lifts_the_memory_limit" "$rc:$err:$(cgfile memory "$U" "$F_MEM_LIMIT")" \
		"0::$unlimited_mem"
fi
run_pt update --pids-limit -1 upd
is "update_pids_limit_-1_is_max" "$rc:$err:$(cgfile pids "$U" pids.max)" "0::max"
unlimited_quota=-1
[ -n "$CPU_V2" ] && unlimited_quota=max
run_pt update --cpu-quota -1 upd
is "update_cpu_quota_-1_lifts_the_quota" "$rc:$err:$(cpu_max "$U")" "0::$unlimited_quota/200000"
# pids.limit 0: runc writes 1 (the systemd driver cannot say 0).
run_pt update --pids-limit 0 upd
is "update_pids_limit_0_writes_1_as_runc" "$rc:$err:$(cgfile pids "$U" pids.max)" "0::1"
run_pt update --memory 64m no-such-container-$$
if [ "$rc" -ne 0 ] && [ -n "$err" ]; then
	ok "update_of_an_unknown_container_fails"
else
	fail "update_of_an_unknown_container_fails" "status $rc: $err"
fi
pt delete --force upd >/dev/null 2>&1

# ---------------------------------------------------------------- pause / resume
# A counter: a line a tick appended to a file in a host directory.
mkdir -p "$TEST_TMP/pz-dir"
# shellcheck disable=SC2016 # the container's shell expands it
bundle pz sh -c 'i=0; while :; do i=$((i + 1)); echo $i >>/tmp/counter; sleep 0.02; done'
edit_config "$TEST_TMP/pz" "c['mounts'].append({'destination': '/tmp', 'type': 'bind',
	'source': '$TEST_TMP/pz-dir', 'options': ['rbind', 'rw']})"
pt_bundle run pz -d
count() { wc -l 2>/dev/null <"$TEST_TMP/pz-dir/counter" || echo 0; }
# wait_count N: until the counter passes N (10 s).
wait_count() {
	local _
	for _ in $(seq 1 200); do
		[ "$(count)" -gt "$1" ] && return 0
		sleep 0.05
	done
	return 1
}
freezer_state() {
	if key=$(hier_of freezer) && [ "$key" != unified ]; then
		cat "$(cgdir "$key" "$RUN_CG/$1")/freezer.state" 2>/dev/null
	else
		cat "$(cgdir unified "$RUN_CG/$1")/cgroup.freeze" 2>/dev/null
	fi
}
if wait_count 3; then
	ok "the_counter_runs"
else
	fail "the_counter_runs" "$rc: $err" "$(cat "$TEST_TMP/pz.err")"
fi
run_pt pause pz
succeeded "pause_succeeds"
is "state_of_a_paused_container_is_paused" "$(state_field pz status)" paused
like "pause_freezes_the_cgroup" "$(freezer_state pz)" '^(FROZEN|1)$'
c1=$(count)
sleep 0.6
c2=$(count)
is "the_counter_does_not_advance_while_paused" "$c2" "$c1"
run_pt resume pz
succeeded "resume_succeeds"
is "state_of_a_resumed_container_is_running" "$(state_field pz status)" running
like "resume_thaws_the_cgroup" "$(freezer_state pz)" '^(THAWED|0)$'
if wait_count "$c2" 5; then
	ok "the_counter_advances_after_resume"
else
	fail "the_counter_advances_after_resume" "stuck at $(count)"
fi
# SIGKILL to every process of a paused container.
pz_procs=$(cg_procs "$RUN_CG/pz")
pt pause pz >/dev/null 2>&1
run_pt kill --all pz KILL
# shellcheck disable=SC2086 # a list of pids
if [ "$rc" -eq 0 ] && [ -n "$pz_procs" ] && all_dead $pz_procs; then
	ok "kill_all_KILL_kills_every_process_of_a_paused_container"
else
	fail "kill_all_KILL_kills_every_process_of_a_paused_container" "status $rc: $err" \
		"procs before: $pz_procs" "after: $(cg_procs "$RUN_CG/pz")"
fi
pt delete --force pz >/dev/null 2>&1
no_cgroup_left "delete_removes_the_cgroup_of_a_killed_paused_container" "$RUN_CG/pz"

bundle pz2 sleep 1000
pt_bundle run pz2 -d
pid=$(state_field pz2 pid)
pt pause pz2 >/dev/null 2>&1
run_pt delete --force pz2
if [ "$rc" -eq 0 ] && all_dead "$pid" && [ -z "$(cg_left "$RUN_CG/pz2")" ]; then
	ok "delete_force_of_a_paused_container_kills_it_and_leaves_no_cgroup"
else
	fail "delete_force_of_a_paused_container_kills_it_and_leaves_no_cgroup" "status $rc: $err" \
		"left: $(cg_left "$RUN_CG/pz2")"
fi

# ---------------------------------------------------------------- ps
bundle pscon sh -c 'sleep 1000 & sleep 1001 & echo ready; wait'
pt_bundle run pscon -d
wait_output "$TEST_TMP/pscon.out" '^ready$' 10
pid=$(state_field pscon pid)
procs=$(cg_procs "$RUN_CG/pscon" | tr '\n' ' ')
run_pt ps --format json pscon
got=$(json_get "$out" '" ".join(str(p) for p in sorted(j)) + " "' 2>&1)
if [ "$rc" -eq 0 ] && [ "$got" = "$procs" ] && [[ " $got" == *" $pid "* ]] &&
	[ "$(echo "$procs" | wc -w)" -eq 3 ]; then
	ok "ps_json_is_the_array_of_the_containers_host_pids"
else
	fail "ps_json_is_the_array_of_the_containers_host_pids" "status $rc: $out $err" \
		"cgroup.procs: $procs (init $pid)"
fi
run_pt ps pscon
col=$(printf '%s\n' "$out" | head -1 | awk '{ for (i = 1; i <= NF; i++) if ($i == "PID") print i }')
rows=$(printf '%s\n' "$out" | tail -n +2 | awk -v c="${col:-0}" 'c { print $c }' | sort -n |
	tr '\n' ' ')
is "ps_table_has_a_PID_column_listing_every_process" "$rc:$rows" "0:$procs"
# ps_pid_comm NAME ARGS...: `ps ARGS` prints a PID and a COMMAND column
# with every process of pscon.
ps_pid_comm() {
	local name=$1 header rows comms
	shift
	run_pt ps "$@"
	header=$(printf '%s\n' "$out" | head -1 | xargs)
	rows=$(printf '%s\n' "$out" | tail -n +2 | awk '{ print $1 }' | sort -n | tr '\n' ' ')
	comms=$(printf '%s\n' "$out" | tail -n +2 | awk '{ print $2 }' | sort | tr '\n' ' ')
	is "$name" "$rc:$header:$rows:$comms:$err" "0:PID COMMAND:$procs:sh sleep sleep :"
}
ps_pid_comm "ps_passes_the_arguments_after_the_id_to_ps" pscon -o pid,comm
ps_pid_comm "ps_takes_the_ps_options_after_--" pscon -- -o pid,comm
run_pt ps --format json no-such-container-$$
if [ "$rc" -ne 0 ] && [ -n "$err" ]; then
	ok "ps_of_an_unknown_container_fails"
else
	fail "ps_of_an_unknown_container_fails" "status $rc: $out"
fi
pt delete --force pscon >/dev/null 2>&1
# No process left in the cgroup (the init exited): runc's JSON is null.
bundle psnone true
pt_bundle run psnone -d
wait_status psnone stopped 10
run_pt ps --format json psnone
is "ps_json_of_a_container_without_processes_is_null" "$rc:$out:$(cg_procs "$RUN_CG/psnone")" \
	"0:null:"
pt delete --force psnone >/dev/null 2>&1

# ---------------------------------------------------------------- pids 0
# pids.limit 0 at create: runc writes 1, on v1 and v2 alike.
bundle pids0 sleep 1000
resources pids0 "{'pids': {'limit': 0}}"
pt_bundle run pids0 -d
is "pids_limit_0_at_create_writes_1_as_runc" "$rc:$(cgfile pids "$RUN_CG/pids0" pids.max)" "0:1"
pt delete --force pids0 >/dev/null 2>&1

# ---------------------------------------------------------------- features
# The cgroup section says what petrel drives, as runc's does: cgroup v1
# and v2 (hybrid hosts are both) and rdma, every one a JSON true.
run_pt features
is "features_cgroup_reports_v1_v2_and_rdma" \
	"$rc:$(json_get "$out" '[j["linux"]["cgroup"].get(k) for k in ("v1", "v2", "rdma")]' 2>&1)" \
	"0:[True, True, True]"

# ---------------------------------------------------------------- kill --all
# kill_all_case NAME SIGNAL PIDNS(yes|no): a container of three processes
# (sh waiting on two sleeps; sh exits on TERM) and kill --all SIGNAL.
kill_all_case() {
	local name=$1 sig=$2 pidns=$3 procs pid
	bundle "$name" sh -c 'trap "exit 0" TERM; sleep 1000 & sleep 1001 & echo ready; wait'
	if [ "$pidns" = no ]; then
		edit_config "$TEST_TMP/$name" \
			"c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'pid']"
	fi
	pt_bundle run "$name" -d
	wait_output "$TEST_TMP/$name.out" '^ready$' 10
	procs=$(cg_procs "$RUN_CG/$name")
	run_pt kill --all "$name" "$sig"
	# shellcheck disable=SC2086 # a list of pids
	if [ "$rc" -eq 0 ] && [ "$(echo "$procs" | wc -w)" -eq 3 ] && all_dead $procs &&
		[ -z "$(cg_procs "$RUN_CG/$name")" ]; then
		ok "kill_all_${sig}_kills_every_process_$([ "$pidns" = yes ] && echo with ||
			echo without)_a_pid_namespace"
	else
		fail "kill_all_${sig}_kills_every_process_$([ "$pidns" = yes ] && echo with ||
			echo without)_a_pid_namespace" "status $rc: $err" "procs before: $procs" \
			"after: $(cg_procs "$RUN_CG/$name")"
	fi
	wait_status "$name" stopped 5
	run_pt delete "$name"
	for pid in $procs; do
		proc_alive "$pid" && kill -KILL "$pid"
	done
}
kill_all_case kall1 KILL yes
kill_all_case kall2 TERM yes
kill_all_case kall3 KILL no
kill_all_case kall4 TERM no
no_cgroup_left "delete_after_kill_all_leaves_no_cgroup_behind" "$RUN_CG/kall4"

# Without a pid namespace, the init's death leaves the other processes:
# only the cgroup knows them, and delete must end them before it removes it.
bundle orphans sh -c 'sleep 1000 & sleep 1001 & echo ready; wait'
edit_config "$TEST_TMP/orphans" \
	"c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'pid']"
pt_bundle run orphans -d
wait_output "$TEST_TMP/orphans.out" '^ready$' 10
pid=$(state_field orphans pid)
procs=$(cg_procs "$RUN_CG/orphans")
pt kill orphans KILL >/dev/null 2>&1
wait_status orphans stopped 5
rest=$(cg_procs "$RUN_CG/orphans" | tr '\n' ' ')
is "kill_without_all_leaves_the_other_processes_of_a_host_pid_ns_container" \
	"$(echo "$rest" | wc -w)" 2
run_pt delete orphans
# shellcheck disable=SC2086 # a list of pids
if [ "$rc" -eq 0 ] && all_dead $procs && [ -z "$(cg_left "$RUN_CG/orphans")" ]; then
	ok "delete_kills_what_is_left_in_the_cgroup_and_removes_it"
else
	fail "delete_kills_what_is_left_in_the_cgroup_and_removes_it" "status $rc: $err" \
		"left: $(cg_left "$RUN_CG/orphans")" "processes: $(cg_procs "$RUN_CG/orphans")"
	for p in $procs; do
		proc_alive "$p" && kill -KILL "$p"
	done
fi

# ---------------------------------------------------------------- delete
# A parent the test made: delete removes the container's cgroup only.
make_cgroup "$RUN_CG/mine"
bundle mine sleep 1000
edit_config "$TEST_TMP/mine" "c['linux']['cgroupsPath'] = '$RUN_CG/mine/ctr'"
pt_bundle run mine -d
succeeded "run_below_a_parent_cgroup_the_test_made"
pt kill mine KILL >/dev/null 2>&1
wait_status mine stopped 5
run_pt delete mine
is "delete_removes_the_containers_cgroup_below_a_foreign_parent" \
	"$rc:$err:$(cg_left "$RUN_CG/mine/ctr")" "0::"
is "delete_never_removes_a_cgroup_it_did_not_create" "$(cg_left "$RUN_CG/mine" | wc -l)" \
	"${#HIERS[@]}"
for key in "${HIERS[@]}"; do
	rmdir "$(cgdir "$key" "$RUN_CG/mine")" 2>/dev/null
done

# Intermediate cgroups the runtime made for the container are its to remove.
bundle deep sleep 1000
edit_config "$TEST_TMP/deep" "c['linux']['cgroupsPath'] = '$RUN_CG/made/deep/leaf'"
pt_bundle create deep
# In every hierarchy of a controller (a named one like name=systemd is the
# runtime's choice).
n_ctrl=0
for key in "${HIERS[@]}"; do
	[[ $key == name=* ]] || [ ! -d "$(cgdir "$key" "$RUN_CG/made/deep/leaf")" ] ||
		n_ctrl=$((n_ctrl + 1))
done
is "create_makes_every_missing_cgroup_of_the_path" "$rc:$n_ctrl" \
	"0:$(printf '%s\n' "${HIERS[@]}" | grep -vc '^name=')"
pt delete deep >/dev/null 2>&1
no_cgroup_left "delete_removes_the_intermediate_cgroups_it_created" "$RUN_CG/made"

# ---------------------------------------------------------------- 2 MiB
mem2="{'memory': {'limit': 2 * $MiB, 'swap': 2 * $MiB}}"
has_file memory "$F_SWAP" || mem2="{'memory': {'limit': 2 * $MiB}}"
bundle tiny echo hello
resources tiny "$mem2"
pt_bundle run tiny
is "a_container_under_a_2MiB_memory_limit_runs_echo_hello" \
	"$rc:$(cat "$TEST_TMP/tiny.out")" "0:hello"
pt delete --force tiny >/dev/null 2>&1
no_cgroup_left "a_container_under_2MiB_leaves_no_cgroup_behind" "$RUN_CG/tiny"
# The same through create and start, the limit seen in the cgroup while the
# init waits.
bundle tiny2 echo hello
resources tiny2 "$mem2"
pt_bundle create tiny2
limit=$(cgfile memory "$RUN_CG/tiny2" "$F_MEM_LIMIT")
if [ "$rc" -eq 0 ]; then
	pt start tiny2 >/dev/null 2>&1
	wait_status tiny2 stopped 10
fi
is "create_and_start_under_a_2MiB_limit_set_in_the_cgroup_run_echo_hello" \
	"$rc:$limit:$(cat "$TEST_TMP/tiny2.out")" "0:$((2 * MiB)):hello"
pt delete --force tiny2 >/dev/null 2>&1

# ---------------------------------------------------------------- the end
for id in $(pt list -q 2>/dev/null); do
	pt delete --force "$id" >/dev/null 2>&1
done
left=
for key in "${HIERS[@]}"; do
	d=$(cgdir "$key" "$RUN_CG")
	[ -d "$d" ] && left+=$(find "$d" -mindepth 1 -type d -printf "%p ")
	d=$(cgdir "$key" "$AUTO_ID")
	[ -d "$d" ] && left+=" $d"
done
is "delete_leaves_no_cgroup_behind" "$left" ""
remove_cgroups
is "the_test_removes_every_cgroup_it_made" "$(cg_left "$RUN_CG")$(cg_left "$AUTO_ID")" ""

tap_done
