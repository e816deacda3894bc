#!/bin/bash
# Containers on a pure cgroup v2 host (issue 8): tests/vm/ boots a guest
# with cgroup_no_v1=all to run this; on any other host it is one skip with
# the reason. What cgroups.sh does not already show on v2: the init born in
# its cgroup (clone3 with CLONE_INTO_CGROUP), exec's process too (in its
# --cgroup sub-cgroup, or in the init's cgroup when the container's is no
# longer a leaf, as runc), a cgroup namespace's view,
# cpu.shares to cpu.weight at both ends of the range, cpu.max throttling,
# cpuset pinning and its update, memory.max/low/swap.max/high, unified keys
# over the typed values and an unknown key refused, io.max throttling and
# io.weight on a disk (the guest's virtio disk), a huge page limit enforced,
# the eBPF device program (a denied device cannot be opened, an allowed one
# can; `update` replaces the program, one stays attached), pause and resume
# through cgroup.freeze, kill --all through cgroup.kill reaching a nested
# cgroup, events --stats from the v2 files, and delete leaving nothing.
# Every cgroup of the run lies in one directory below the test's own
# cgroup. Needs root; prints TAP.

. "$(dirname "$0")/../lib/integration.sh" cgroups_v2_integration

MiB=1048576
CG=/sys/fs/cgroup
OWN_LINE=$(grep '^0::' /proc/self/cgroup)
OWN=${OWN_LINE#0::}
OWN=${OWN%/}
RUN_REL=petrel-v2-$$
RUN=$CG$OWN/$RUN_REL

reason=
if [ "$(stat -f -c %T "$CG" 2>/dev/null)" != cgroup2fs ]; then
	reason="not a pure cgroup v2 host: $CG is not a cgroup2 mount"
elif [ -z "$OWN_LINE" ]; then
	reason="no cgroup v2 line in /proc/self/cgroup"
elif ! grep -qw memory "$CG/cgroup.controllers"; then
	reason="no memory controller in $CG/cgroup.controllers"
elif [ -n "$OWN" ] && ! grep -qw memory "$CG$OWN/cgroup.subtree_control"; then
	# A cgroup holding processes cannot pass controllers on (the
	# no-internal-process rule), and the test must not move itself.
	reason="the test's cgroup $OWN holds processes: no controller can be enabled below it"
fi
if [ -n "$reason" ]; then
	skip cgroups_v2_integration "$reason"
	cleanup_all
	tap_done
	exit 0
fi

# A disk for the io tests: the first one that is not a loop, ram or zram
# device (the guest's virtio disk).
DISK=
for d in /sys/block/*; do
	case ${d##*/} in
	loop* | ram* | zram* | sr*) ;;
	*) [ -r "$d/dev" ] && [ -e "/dev/${d##*/}" ] && DISK=${d##*/} && break ;;
	esac
done
DISK_DEV=
[ -n "$DISK" ] && DISK_DEV=$(cat "/sys/block/$DISK/dev")
HUGE_PAGES_BEFORE=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null)

cleanup() {
	local d
	cleanup_all
	if [ -d "$RUN" ]; then
		find "$RUN" -depth -type d | while read -r d; do
			echo 0 >"$d/cgroup.freeze" 2>/dev/null
			echo 1 >"$d/cgroup.kill" 2>/dev/null
			for _ in $(seq 1 40); do
				rmdir "$d" 2>/dev/null && break
				sleep 0.05
			done
		done
	fi
	[ -n "$HUGE_PAGES_BEFORE" ] && echo "$HUGE_PAGES_BEFORE" >/proc/sys/vm/nr_hugepages 2>/dev/null
	return 0
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir "$RUN" || {
	fail "make_the_runs_cgroup $RUN"
	tap_done
	exit 1
}

# bundle NAME PYTHON ARG...: bundle $TEST_TMP/NAME running ARG... in cgroup
# $RUN/NAME, with PYTHON (may be empty) run on its config c as well. One
# python run for all the edits: under emulation each costs a second.
bundle() {
	local name=$1 code=$2 args
	shift 2
	args=$(jq -cn '$ARGS.positional' --args -- "$@")
	make_bundle "$TEST_TMP/$name"
	edit_config "$TEST_TMP/$name" "c['process']['args'] = $args
c['linux']['cgroupsPath'] = '$RUN_REL/$name'
c['root']['path'] = '$ROOTFS_CACHE'
$code"
}

# file NAME FILE: the content of FILE in container NAME's cgroup.
file() {
	cat "$RUN/$1/$2" 2>/dev/null || echo "<no $2>"
}

# key_of TEXT KEY: the value of "KEY VALUE" lines (cpu.stat, memory.events).
key_of() {
	printf '%s\n' "$1" | awk -v k="$2" '$1 == k { print $2 }'
}

# device_programs DIR: the ids of the eBPF device programs attached to the
# cgroup DIR itself (BPF_PROG_QUERY), space-separated.
device_programs() {
	python3 - "$1" <<'PY'
import ctypes, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
ids = (ctypes.c_uint32 * 64)()
attr = ctypes.create_string_buffer(128)
# target_fd, attach_type BPF_CGROUP_DEVICE, query_flags, attach_flags,
# prog_ids, prog_cnt
struct.pack_into("IIIIQI", attr, 0, fd, 6, 0, 0, ctypes.addressof(ids), 64)
if libc.syscall(321, 16, attr, 128) != 0:  # bpf(BPF_PROG_QUERY)
    sys.exit("BPF_PROG_QUERY: " + os.strerror(ctypes.get_errno()))
count = struct.unpack_from("I", attr, 24)[0]
print(" ".join(str(ids[i]) for i in range(count)))
PY
}

# elapsed START END: END - START in seconds (from /proc/uptime).
elapsed() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'
}

# ---------------------------------------------------------------- placement
# The init is born in its cgroup: clone3 with CLONE_INTO_CGROUP, seen by
# strace where it is installed, and /proc/PID/cgroup before start.
bundle born '' sleep 1000
if command -v strace >/dev/null; then
	timeout 120 strace -qq -e trace=clone,clone3 -e signal=none -o "$TEST_TMP/born.strace" \
		"$PETREL" --root "$TEST_ROOT" create --bundle "$TEST_TMP/born" born \
		>"$TEST_TMP/born.out" 2>"$TEST_TMP/born.err" </dev/null
	rc=$?
	pid=$(state_field born pid)
	if [ "$rc" -eq 0 ] && grep -Eq "^clone3\(.*CLONE_INTO_CGROUP.*\) = $pid\$" "$TEST_TMP/born.strace"; then
		ok "the_init_is_cloned_with_CLONE_INTO_CGROUP"
	else
		fail "the_init_is_cloned_with_CLONE_INTO_CGROUP" "status $rc: $(cat "$TEST_TMP/born.err")" \
			"$(cat "$TEST_TMP/born.strace")"
	fi
else
	pt_bundle create born
	pid=$(state_field born pid)
	skip "the_init_is_cloned_with_CLONE_INTO_CGROUP" "no strace"
fi
is "the_created_init_is_in_the_containers_cgroup" "$(cat "/proc/$pid/cgroup" 2>&1)" \
	"0::$OWN/$RUN_REL/born"
pt delete --force born >/dev/null 2>&1

# exec is born in its cgroup too: with --cgroup, in the sub-cgroup; when
# the container's cgroup is no longer a leaf (its init moved to a child
# cgroup and a controller was enabled below it), in the init's cgroup (as
# runc). born_in NAME ARG...: `petrel exec -d ARG...` under strace; $born
# is the directory its process was cloned into (CLONE_INTO_CGROUP, mapped
# back through the openat that gave the fd), $cg its /proc/PID/cgroup line.
born_in() {
	local name=$1 pid
	shift
	born="" cg=""
	rm -f "$TEST_TMP/$name.pid"
	if ! command -v strace >/dev/null; then
		run_pt exec -d --pid-file "$TEST_TMP/$name.pid" "$@"
	else
		timeout 120 strace -qq -s 4096 -e trace=openat,clone3 -e signal=none \
			-o "$TEST_TMP/$name.strace" "$PETREL" --root "$TEST_ROOT" exec -d \
			--pid-file "$TEST_TMP/$name.pid" "$@" >"$TEST_TMP/$name.out" \
			2>"$TEST_TMP/$name.err" </dev/null
		rc=$? err=$(cat "$TEST_TMP/$name.err")
		pid=$(cat "$TEST_TMP/$name.pid" 2>/dev/null)
		born=$(awk -v pid="$pid" '
			/^openat\(/ && match($0, /= [0-9]+$/) {
				fd = substr($0, RSTART + 2); split($0, q, "\""); path[fd] = q[2] }
			/^clone3\(.*CLONE_INTO_CGROUP/ && $NF == pid && match($0, /cgroup=[0-9]+/) {
				print path[substr($0, RSTART + 7, RLENGTH - 7)] }' "$TEST_TMP/$name.strace")
	fi
	pid=$(cat "$TEST_TMP/$name.pid" 2>/dev/null)
	[ -n "$pid" ] && cg=$(cat "/proc/$pid/cgroup" 2>&1)
}
bundle exsub '' sleep 1000
pt_bundle run exsub -d
mkdir "$RUN/exsub/sub"
born_in exsub --cgroup sub exsub sleep 1001
if command -v strace >/dev/null; then
	is "exec_cgroup_is_born_in_the_sub_cgroup" "$rc:$err:$born" "0::$RUN/exsub/sub"
else
	skip "exec_cgroup_is_born_in_the_sub_cgroup" "no strace"
fi
is "exec_cgroup_runs_in_the_sub_cgroup" "$rc:$cg" "0:0::$OWN/$RUN_REL/exsub/sub"
# runc ignores a controller's path on v2 (one hierarchy); petrel warns.
run_pt exec -d --pid-file "$TEST_TMP/exsub.pid" --cgroup memory:sub exsub sleep 1002
is "exec_cgroup_with_a_controller_stays_in_the_containers_cgroup_on_v2" \
	"$rc:$(cat "/proc/$(cat "$TEST_TMP/exsub.pid")/cgroup" 2>&1):$(grep -c 'controllers names no directory' <<<"$err")" \
	"0:0::$OWN/$RUN_REL/exsub:1"
pt delete --force exsub >/dev/null 2>&1

bundle fb '' sleep 1000
pt_bundle run fb -d
mkdir "$RUN/fb/inner"
state_field fb pid >"$RUN/fb/inner/cgroup.procs"
echo +memory >"$RUN/fb/cgroup.subtree_control"
born_in fb fb sleep 1001
if command -v strace >/dev/null; then
	is "exec_into_a_non_leaf_cgroup_is_born_in_the_inits_cgroup" "$rc:$err:$born" \
		"0::$RUN/fb/inner"
else
	skip "exec_into_a_non_leaf_cgroup_is_born_in_the_inits_cgroup" "no strace"
fi
is "exec_into_a_non_leaf_cgroup_runs_in_the_inits_cgroup" "$rc:$cg" "0:0::$OWN/$RUN_REL/fb/inner"
# An explicit sub-cgroup that refuses the process is an error: the init's
# cgroup is no fallback for it (as runc).
mkdir -p "$RUN/fb/busy/child"
echo +memory >"$RUN/fb/busy/cgroup.subtree_control"
run_pt exec --cgroup busy fb echo ran
like "exec_cgroup_into_a_non_leaf_sub_cgroup_is_an_error" "$rc:$out:$err" \
	'^255::.*busy.*Device or resource busy'
pt delete --force fb >/dev/null 2>&1

# A cgroup namespace: the container sees its cgroup as the root, and the
# cgroup2 mount at /sys/fs/cgroup shows its own files.
# shellcheck disable=SC2016 # the container's shell expands it
bundle cgns "ns = c['linux']['namespaces']
ns += [{'type': 'cgroup'}] if {'type': 'cgroup'} not in ns else []
c['linux']['resources'] = {'pids': {'limit': 42}}" \
	sh -c 'cat /proc/self/cgroup /sys/fs/cgroup/pids.max; grep -x 1 /sys/fs/cgroup/cgroup.procs
		awk '\''$5 == "/sys/fs/cgroup" { print $(NF - 2) }'\'' /proc/self/mountinfo'
pt_bundle run cgns
is "a_cgroup_namespace_shows_the_containers_cgroup_as_its_root" \
	"$rc:$err:$(tr '\n' ' ' <"$TEST_TMP/cgns.out")" "0::0::/ 42 1 cgroup2 "

# ---------------------------------------------------------------- cpu
bundle weight "c['linux']['resources'] = {'cpu': {'shares': 2}}" sleep 1000
pt_bundle create weight
is "cpu_shares_2_is_cpu.weight_1" "$rc:$(file weight cpu.weight)" "0:1"
run_pt update --cpu-share 262144 weight
is "cpu_shares_262144_is_cpu.weight_10000" "$rc:$err:$(file weight cpu.weight)" "0::10000"
run_pt update --cpu-share 1024 weight
is "cpu_shares_1024_is_cpu.weight_100" "$rc:$err:$(file weight cpu.weight)" "0::100"
pt delete --force weight >/dev/null 2>&1

# A busy loop under 10 ms of CPU per 100 ms is throttled.
bundle spin "c['linux']['resources'] = {'cpu': {'quota': 10000, 'period': 100000}}" \
	sh -c 'while :; do :; done'
pt_bundle run spin -d
read -r t0 _ </proc/uptime
u0=$(key_of "$(file spin cpu.stat)" usage_usec)
sleep 2
read -r t1 _ </proc/uptime
stat=$(file spin cpu.stat)
u1=$(key_of "$stat" usage_usec)
share=$(awk -v u="$((u1 - u0))" -v t="$(elapsed "$t0" "$t1")" 'BEGIN { printf "%.2f", u / 1e6 / t }')
if [ "$rc" -eq 0 ] && [ "$(key_of "$stat" nr_throttled)" -gt 0 ] 2>/dev/null &&
	awk -v s="$share" 'BEGIN { exit !(s <= 0.2) }'; then
	ok "cpu.max_10000_100000_throttles_a_busy_loop_to_a_tenth_of_a_cpu"
else
	fail "cpu.max_10000_100000_throttles_a_busy_loop_to_a_tenth_of_a_cpu" "status $rc: $err" \
		"cpu.max: $(file spin cpu.max); share of a cpu: $share" "$stat"
fi
pt delete --force spin >/dev/null 2>&1

if [ "$(nproc)" -ge 2 ]; then
	bundle pin "c['linux']['resources'] = {'cpu': {'cpus': '1', 'mems': '0'}}" sleep 1000
	pt_bundle run pin -d
	pid=$(state_field pin pid)
	is "cpuset_cpus_1_pins_the_init_to_cpu_1" \
		"$rc:$(file pin cpuset.cpus.effective):$(file pin cpuset.mems):$(awk '$1 == "Cpus_allowed_list:" { print $2 }' "/proc/$pid/status")" \
		"0:1:0:1"
	run_pt update --cpuset-cpus 0 pin
	is "update_cpuset_cpus_0_moves_the_init_to_cpu_0" \
		"$rc:$err:$(file pin cpuset.cpus.effective):$(awk '$1 == "Cpus_allowed_list:" { print $2 }' "/proc/$pid/status")" \
		"0::0:0"
	pt delete --force pin >/dev/null 2>&1
else
	skip "cpuset" "one cpu"
fi

# ---------------------------------------------------------------- memory, unified
bundle mem "c['linux']['resources'] = {
	'memory': {'limit': 32 * $MiB, 'reservation': 8 * $MiB, 'swap': 48 * $MiB},
	'pids': {'limit': 50},
	'unified': {'memory.high': '$((24 * MiB))', 'pids.max': '7'}}" sleep 1000
pt_bundle create mem
is "memory_limit_reservation_and_swap_in_memory.max_low_swap.max" \
	"$rc:$err:$(file mem memory.max) $(file mem memory.low) $(file mem memory.swap.max)" \
	"0::$((32 * MiB)) $((8 * MiB)) $((16 * MiB))"
is "unified_keys_are_written_after_the_typed_values" \
	"$(file mem memory.high) $(file mem pids.max)" "$((24 * MiB)) 7"
# A new limit without a swap keeps the memory+swap total (48 MiB), as runc
# keeps the one in its saved config: swap.max follows the limit, and a
# limit above the total is refused.
run_pt update --memory 40m mem
is "update_memory_alone_keeps_the_memory_plus_swap_total" \
	"$rc:$err:$(file mem memory.max) $(file mem memory.swap.max)" \
	"0::$((40 * MiB)) $((8 * MiB))"
run_pt update --memory 64m mem
if [ "$rc" -ne 0 ] && [[ $err == *memory* ]] &&
	[ "$(file mem memory.max) $(file mem memory.swap.max)" = "$((40 * MiB)) $((8 * MiB))" ]; then
	ok "update_memory_above_the_kept_total_is_an_error_changing_nothing"
else
	fail "update_memory_above_the_kept_total_is_an_error_changing_nothing" "status $rc: $err" \
		"memory.max $(file mem memory.max), memory.swap.max $(file mem memory.swap.max)"
fi
run_pt update --memory-swap 96m mem
swap_update="$rc:$err"
run_pt update --memory 32m mem
is "update_memory_keeps_the_total_the_last_update_gave" \
	"$swap_update $rc:$err:$(file mem memory.max) $(file mem memory.swap.max)" \
	"0: 0::$((32 * MiB)) $((64 * MiB))"
pt delete --force mem >/dev/null 2>&1

# net_cls and net_prio do not exist on v2: runc ignores classID and
# priorities there, and so does petrel (a debug line).
bundle netcls "c['linux']['resources'] = {'network': {'classID': 1048577,
	'priorities': [{'name': 'lo', 'priority': 1}]}}" sleep 1000
pt_bundle create netcls
is "network_classID_and_priorities_are_ignored_on_v2" \
	"$rc:$err:$([ -d "$RUN/netcls" ] && echo made)" "0::made"
pt delete --force netcls >/dev/null 2>&1

bundle badkey "c['linux']['resources'] = {'unified': {'memory.nosuchfile': '1'}}" sleep 1000
pt_bundle create badkey
if [ "$rc" -ne 0 ] && [[ $err == *memory.nosuchfile* ]] && [ ! -d "$RUN/badkey" ]; then
	ok "an_unknown_unified_key_is_an_error_naming_it_and_leaves_no_cgroup"
else
	fail "an_unknown_unified_key_is_an_error_naming_it_and_leaves_no_cgroup" "status $rc: $err"
fi
pt delete --force badkey >/dev/null 2>&1

# ---------------------------------------------------------------- io
if [ -n "$DISK" ]; then
	maj=${DISK_DEV%:*} min=${DISK_DEV#*:}
	# 4 MiB written straight to the disk at 1 MiB/s take about 4 s.
	bundle io "c['linux']['devices'] = [{'path': '/dev/$DISK', 'type': 'b', 'major': $maj,
	'minor': $min, 'fileMode': 0o660, 'uid': 0, 'gid': 0}]
c['linux']['resources'] = {'devices': [{'allow': True, 'type': 'b', 'major': $maj,
	'minor': $min, 'access': 'rw'}],
	'blockIO': {'weight': 500,
		'throttleWriteBpsDevice': [{'major': $maj, 'minor': $min, 'rate': $MiB}]}}" \
		sh -c "read a _ </proc/uptime; dd if=/dev/zero of=/dev/$DISK bs=64k count=64 oflag=direct \
			2>/dev/null; read b _ </proc/uptime; echo \$a \$b; exec sleep 1000"
	pt_bundle create io
	is "blockIO_throttleWriteBpsDevice_in_io.max" "$rc:$err:$(file io io.max)" \
		"0::$DISK_DEV rbps=max wbps=$MiB riops=max wiops=max"
	if [ -e "$RUN/io/io.bfq.weight" ]; then
		is "blockIO_weight_500_in_io.bfq.weight" "$(file io io.bfq.weight | head -1)" "default 500"
	else
		is "blockIO_weight_500_in_io.weight_as_4950" "$(file io io.weight | head -1)" "default 4950"
	fi
	pt start io >/dev/null 2>&1
	wait_output "$TEST_TMP/io.out" '^[0-9.]+ [0-9.]+$' 60
	read -r a b <"$TEST_TMP/io.out"
	took=$(elapsed "${a:-0}" "${b:-0}")
	if awk -v t="$took" 'BEGIN { exit !(t >= 2.5) }'; then
		ok "io.max_throttles_direct_writes_to_the_disk_to_1MiB_per_s"
	else
		fail "io.max_throttles_direct_writes_to_the_disk_to_1MiB_per_s" \
			"4 MiB took $took s: $(cat "$TEST_TMP/io.out" "$TEST_TMP/io.err")"
	fi
	run_pt events --stats io
	# runc's names, and its omitempty: no minor 0, no value 0.
	written=$(json_get "$out" "[e.get('value', 0) for e in j['data']['blkio']['ioServiceBytesRecursive']
		if (e['major'], e.get('minor', 0), e['op']) == ($maj, $min, 'Write')]" 2>&1)
	if [ "$rc:$written" = "0:[$((4 * MiB))]" ]; then
		ok "events_stats_reports_the_bytes_written_to_the_disk_from_io.stat"
	else
		fail "events_stats_reports_the_bytes_written_to_the_disk_from_io.stat" \
			"status $rc: $err" "blkio: $(json_get "$out" "j['data']['blkio']" 2>&1)" \
			"io.stat: $(file io io.stat)"
	fi
	pt delete --force io >/dev/null 2>&1
else
	skip "io" "no disk"
fi

# ---------------------------------------------------------------- hugetlb
if [ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] &&
	echo 4 >/proc/sys/vm/nr_hugepages && [ "$(cat /proc/sys/vm/nr_hugepages)" -ge 3 ]; then
	bundle huge "c['linux']['resources'] = {'hugepageLimits': [{'pageSize': '2MB', 'limit': 2 * $MiB}]}
c['mounts'].append({'destination': '/run', 'type': 'hugetlbfs', 'source': 'hugetlbfs',
	'options': ['pagesize=2M']})" \
		sh -c 'fallocate -l 2097152 /run/a && echo one-page; rm -f /run/a
			fallocate -l 4194304 /run/b 2>/dev/null && echo two-pages; echo done'
	pt_bundle create huge
	limit=$(file huge hugetlb.2MB.max)
	[ "$rc" -eq 0 ] && pt start huge >/dev/null 2>&1 && wait_status huge stopped 20
	is "hugetlb.2MB.max_lets_one_2MB_page_be_allocated_and_refuses_two" \
		"$rc:$err:$limit:$(tr '\n' ' ' <"$TEST_TMP/huge.out")" \
		"0::$((2 * MiB)):one-page done "
	pt delete --force huge >/dev/null 2>&1
else
	skip "hugetlb" "no 2 MB huge pages"
fi

# ---------------------------------------------------------------- devices
# loop-control (outside the default devices) readable only; then, after
# update, writable too, and the disk readable. Probed with exec.
devices="[{'path': '/dev/loop-control', 'type': 'c', 'major': 10, 'minor': 237,
	'fileMode': 0o666, 'uid': 0, 'gid': 0}"
[ -n "$DISK" ] && devices+=", {'path': '/dev/$DISK', 'type': 'b', 'major': ${DISK_DEV%:*},
	'minor': ${DISK_DEV#*:}, 'fileMode': 0o660, 'uid': 0, 'gid': 0}"
bundle devs "c['linux']['devices'] = $devices]
c['linux']['resources'] = {'devices': [{'allow': False, 'access': 'rwm'},
	{'allow': True, 'type': 'c', 'major': 10, 'minor': 237, 'access': 'r'}]}" sleep 1000
pt_bundle run devs -d
# probe: "r" and "w" for the devices that open so, "-" for those that do
# not: loop-control, then the disk.
probe() {
	# shellcheck disable=SC2016 # the container's shell expands it
	run_pt exec devs sh -c 'for f in /dev/loop-control '"${DISK:+/dev/$DISK}"'; do
		r=-; w=-; (exec 3<$f) 2>/dev/null && r=r; (exec 3>$f) 2>/dev/null && w=w
		echo -n "$r$w "; done'
	echo "$rc:$out"
}
before=$(device_programs "$RUN/devs")
want="r- "
[ -n "$DISK" ] && want+="-- "
is "the_device_program_allows_what_the_rules_allow_and_denies_the_rest" "$(probe)" "0:$want"
is "one_device_program_is_attached" "$(echo "$before" | wc -w)" 1
rules='{"allow": false, "access": "rwm"},
	{"allow": true, "type": "c", "major": 10, "minor": 237, "access": "rw"}'
[ -n "$DISK" ] && rules+=", {\"allow\": true, \"type\": \"b\", \"major\": ${DISK_DEV%:*},
	\"minor\": ${DISK_DEV#*:}, \"access\": \"r\"}"
echo "{\"devices\": [$rules]}" >"$TEST_TMP/devs-update.json"
run_pt update -r "$TEST_TMP/devs-update.json" devs
updated="$rc:$err"
want="rw "
[ -n "$DISK" ] && want+="r- "
is "update_replaces_the_device_rules" "$updated:$(probe)" "0::0:$want"
after=$(device_programs "$RUN/devs")
if [ "$(echo "$after" | wc -w)" = 1 ] && [ "$after" != "$before" ]; then
	ok "update_replaces_the_device_program_leaving_one_attached"
else
	fail "update_replaces_the_device_program_leaving_one_attached" "before: $before" "after: $after"
fi
run_pt update --pids-limit 30 devs
is "an_update_without_device_rules_keeps_the_program" "$rc:$err:$(device_programs "$RUN/devs")" \
	"0::$after"
pt delete --force devs >/dev/null 2>&1

# ---------------------------------------------------------------- freeze, kill
bundle pz '' sleep 1000
pt_bundle run pz -d
run_pt pause pz
is "pause_sets_cgroup.freeze_and_the_cgroup_is_frozen" \
	"$rc:$err:$(file pz cgroup.freeze):$(key_of "$(file pz cgroup.events)" frozen):$(state_field pz status)" \
	"0::1:1:paused"
run_pt resume pz
is "resume_clears_cgroup.freeze_and_thaws_the_cgroup" \
	"$rc:$err:$(file pz cgroup.freeze):$(key_of "$(file pz cgroup.events)" frozen):$(state_field pz status)" \
	"0::0:0:running"
pt delete --force pz >/dev/null 2>&1

# kill --all KILL writes cgroup.kill, which reaches a process the test
# moved into a cgroup below the container's.
bundle kall '' sh -c 'sleep 1000 & sleep 1001 & echo ready; wait'
pt_bundle run kall -d
wait_output "$TEST_TMP/kall.out" '^ready$' 20
procs=$(sort -n "$RUN/kall/cgroup.procs")
mkdir "$RUN/kall/nested" && echo "$procs" | tail -1 >"$RUN/kall/nested/cgroup.procs"
if command -v strace >/dev/null; then
	timeout 120 strace -qq -e trace=openat -e signal=none -o "$TEST_TMP/kall.strace" \
		"$PETREL" --root "$TEST_ROOT" kill --all kall KILL >"$TEST_TMP/cmd.out" \
		2>"$TEST_TMP/cmd.err" </dev/null
	rc=$? err=$(cat "$TEST_TMP/cmd.err")
else
	run_pt kill --all kall KILL
fi
gone=yes
for p in $procs; do
	for _ in $(seq 1 100); do
		proc_alive "$p" || break
		sleep 0.05
	done
	proc_alive "$p" && gone="$p is alive"
done
is "kill_all_KILL_kills_every_process_also_in_a_nested_cgroup" \
	"$rc:$err:$(echo "$procs" | wc -l):$gone" "0::3:yes"
if [ -f "$TEST_TMP/kall.strace" ]; then
	if grep -q "\"$RUN/kall/cgroup.kill\"" "$TEST_TMP/kall.strace"; then
		ok "kill_all_KILL_writes_cgroup.kill"
	else
		fail "kill_all_KILL_writes_cgroup.kill" "$(grep cgroup "$TEST_TMP/kall.strace")"
	fi
fi
wait_status kall stopped 10
run_pt delete kall
is "delete_removes_the_cgroup_with_the_nested_one" "$rc:$err:$(ls -d "$RUN/kall" 2>/dev/null)" "0::"

# ---------------------------------------------------------------- events --stats
bundle st "c['linux']['resources'] = {'memory': {'limit': 64 * $MiB}, 'pids': {'limit': 100}}" \
	sh -c 'sleep 1000 & exec sleep 1001'
pt_bundle run st -d
sleep 0.5
run_pt events --stats st
is "events_stats_reads_the_v2_files" \
	"$rc:$(json_get "$out" "(j['data']['memory']['usage']['limit'], j['data']['pids']['current'],
		j['data']['pids']['limit'], j['data']['cpu']['usage']['total'] > 0,
		j['data']['memory']['usage']['usage'] > 0, 'anon' in j['data']['memory']['raw'])" 2>&1)" \
	"0:($((64 * MiB)), $(file st pids.current), 100, True, True, True)"
pt delete --force st >/dev/null 2>&1

# ---------------------------------------------------------------- the end
for id in $(pt list -q 2>/dev/null); do
	pt delete --force "$id" >/dev/null 2>&1
done
is "no_container_is_left" "$(state_dirs)" ""
is "delete_leaves_no_cgroup_behind" "$(find "$RUN" -mindepth 1 -type d 2>&1)" ""
rmdir "$RUN"
is "the_test_removes_its_cgroup" "$(ls -d "$RUN" 2>/dev/null)" ""

tap_done
