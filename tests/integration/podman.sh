#!/usr/bin/env bash
# Podman drives petrel (issue 9): Debian's podman 4.3, through conmon, with
# `--runtime $PETREL`, runs the everyday workloads on an image imported from
# the busybox rootfs (no registry, no network). Each scenario is checked for
# its output and exit status, and for an empty `podman ps -a` and `petrel
# list` afterwards.
#
# Nothing of this touches the host's own state: the scenarios run in a
# private mount and network namespace (a re-run of this script under
# unshare), where /run is a fresh tmpfs (podman's /run/netns and
# /run/containers, petrel's default root /run/petrel) and where netavark's
# bridge, iptables rules and sysctls live and die. Podman's storage, run
# root, temporary files, configuration and events log are under the test's
# temporary directory. The cgroups (cgroupfs: podman puts a container in
# <cgroup-parent>/libpod-<id> and conmon in <cgroup-parent>/conmon, in every
# hierarchy) are below the test's own cgroup in every hierarchy, and removed
# at the end.
# Installs, with apt-get, whichever of podman (with conmon), netavark and
# iptables (the bridge network) and catatonit (--init) is missing.
#
# The commands for the containers' shells are in single quotes on purpose.
# shellcheck disable=SC2016,SC1091

if [ "${PODMAN_TEST_PHASE:-}" != scenarios ]; then
	. "$(dirname "$0")/../lib/integration.sh" podman

	# The packages of what the scenarios use, when it is not there.
	podman_missing=()
	command -v podman >/dev/null || podman_missing+=(podman)
	command -v conmon >/dev/null || podman_missing+=(conmon)
	[ -x /usr/lib/podman/netavark ] || [ -x /usr/libexec/podman/netavark ] ||
		podman_missing+=(netavark)
	command -v iptables >/dev/null || podman_missing+=(iptables)
	[ -x /usr/libexec/podman/catatonit ] || command -v catatonit >/dev/null ||
		podman_missing+=(catatonit)
	if [ ${#podman_missing[@]} -gt 0 ]; then
		echo "# installing ${podman_missing[*]}" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			"${podman_missing[@]}" >"$TEST_TMP/apt.log" 2>&1 ||
			{ apt-get update -q >>"$TEST_TMP/apt.log" 2>&1 &&
				DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
					--no-install-recommends "${podman_missing[@]}" \
					>>"$TEST_TMP/apt.log" 2>&1; }
	fi
	if ! command -v podman >/dev/null || ! command -v conmon >/dev/null; then
		skip podman "podman or conmon is not installed and apt-get could not install it: $(tail -n 1 "$TEST_TMP/apt.log" 2>/dev/null)"
		cleanup_all
		tap_done
		exit
	fi

	# The cgroup parent: with cgroupfs, podman uses one path in every
	# hierarchy, so it must lie below our own cgroup in each of them: below
	# the deepest of our paths, which must contain all the others.
	own_cgroups=$(cat /proc/self/cgroup)
	deepest=/
	while IFS=: read -r _ _ path; do
		[ ${#path} -gt ${#deepest} ] && deepest=$path
	done <<<"$own_cgroups"
	cg_ok=1
	while IFS=: read -r _ _ path; do
		case "${deepest%/}/" in "${path%/}/"*) ;; *) cg_ok= ;; esac
	done <<<"$own_cgroups"
	if [ -z "$cg_ok" ]; then
		skip podman "no cgroup path lies below this process's cgroup in every hierarchy: $(echo "$own_cgroups" | tr '\n' ' ')"
		cleanup_all
		tap_done
		exit
	fi
	CG_PARENT=${deepest%/}/petrel-podman-$$
	# Every cgroup mount point: the container cgroups appear at
	# <mount>$CG_PARENT in each.
	mapfile -t cg_mounts < <(awk '$9 == "cgroup" || $9 == "cgroup2" {print $5}' /proc/self/mountinfo)
	# In a hierarchy where our cgroup is higher up than $deepest, podman and
	# petrel make the directories between: those that do not exist yet are
	# removed at the end too.
	made_dirs=()
	for m in "${cg_mounts[@]}"; do
		d=$CG_PARENT
		while [ "$d" != / ] && [ ! -d "$m$d" ]; do
			made_dirs+=("$m$d")
			d=$(dirname "$d")
		done
	done

	# remove_cgroups: the cgroups below CG_PARENT, deepest first, and the
	# directories made above it (rmdir only: a cgroup that still has
	# processes stays, and is reported).
	remove_cgroups() {
		local m d
		for m in "${cg_mounts[@]}"; do
			[ -d "$m$CG_PARENT" ] && find "$m$CG_PARENT" -depth -type d -exec rmdir {} + 2>/dev/null
		done
		for d in "${made_dirs[@]}"; do
			[ -d "$d" ] && rmdir "$d" 2>/dev/null
		done
		return 0
	}
	# shellcheck disable=SC2317 # run by the EXIT trap
	outer_cleanup() {
		remove_cgroups
		cleanup_all
	}
	trap outer_cleanup EXIT

	export PODMAN_TEST_PHASE=scenarios TEST_TMP CG_PARENT PETREL top
	export PODMAN_OWN_CGROUPS=$own_cgroups
	unshare --mount --net --propagation private -- bash "$0"
	status=$?
	if [ -r "$TEST_TMP/tap-counts" ]; then
		read -r TAP_N TAP_FAILED <"$TEST_TMP/tap-counts"
	else
		fail podman_scenarios_ran "the scenarios in the private namespaces ended with status $status without counts"
	fi

	# Left behind in the cgroups: processes (conmon's exit command may
	# still be finishing: a few seconds' grace), then directories.
	for _ in $(seq 50); do
		left=
		for m in "${cg_mounts[@]}"; do
			[ -d "$m$CG_PARENT" ] || continue
			procs=$(find "$m$CG_PARENT" -name cgroup.procs -exec cat {} + 2>/dev/null)
			[ -n "$procs" ] && left+="$m$CG_PARENT has processes: $(echo "$procs" | tr '\n' ' ')"$'\n'
		done
		[ -z "$left" ] && break
		sleep 0.2
	done
	is podman_no_process_left_in_the_container_cgroups "$left" ""
	remove_cgroups
	left=
	for d in "${made_dirs[@]}"; do
		[ -d "$d" ] && left+="$d "
	done
	is podman_container_cgroups_removable_at_the_end "$left" ""
	is podman_test_cgroups_unchanged "$(cat /proc/self/cgroup)" "$own_cgroups"
	tap_done
	exit
fi

# ------------------------------------------------------------------------
# The scenarios, in the private mount and network namespaces.
. "$top/tests/lib/tap.sh"
. "$top/tests/lib/pty.sh"
T=$TEST_TMP/podman
mkdir -p "$T/tmp" "$T/networks" "$T/vol"
# conmon writes files such as "oom" into its working directory: the test's.
cd "$T" || exit 1
mount -t tmpfs -o mode=0755 petrel-podman-run /run || {
	fail podman_private_run "cannot mount a tmpfs on /run in the private mount namespace"
	echo "$TAP_N $TAP_FAILED" >"$TEST_TMP/tap-counts"
	exit 1
}
# podman import writes containers/image's blob-info cache to
# /var/lib/containers/cache whatever --root says: an overlay keeps what is
# written to /var/lib in the test directory.
mkdir -p "$T/varlib/upper" "$T/varlib/work"
mount -t overlay petrel-podman-varlib \
	-o "lowerdir=/var/lib,upperdir=$T/varlib/upper,workdir=$T/varlib/work" /var/lib || {
	fail podman_private_var_lib "cannot mount an overlay on /var/lib in the private mount namespace"
	echo "$TAP_N $TAP_FAILED" >"$TEST_TMP/tap-counts"
	exit 1
}
ip link set lo up

# Without CAP_SYS_RESOURCE (as on this host), petrel cannot give the
# container podman's default rlimits as root (nofile and nproc 1048576):
# they exceed the hard limits podman and conmon run with (podman lowers its
# own nproc to 32768), and setrlimit fails with EPERM. Every container gets
# explicit limits instead (the same as --ulimit nofile=1024:1024 --ulimit
# nproc=4096:4096 on each run).
cat >"$T/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[network]
network_config_dir = "$T/networks"
[engine]
events_logfile_path = "$T/events.log"
image_copy_tmp_dir = "$T/tmp"
runtime_supports_json = ["petrel"]
EOF
cat >"$T/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$T/storage"
runroot = "$T/runroot"
EOF
export CONTAINERS_CONF=$T/containers.conf CONTAINERS_STORAGE_CONF=$T/storage.conf

PODMAN=(podman --root "$T/storage" --runroot "$T/runroot" --tmpdir "$T/tmp"
	--runtime "$PETREL" --cgroup-manager cgroupfs --events-backend file)
IMG=localhost/petrel-busybox:test
# Every container: the local image only, its cgroups below ours.
RUN=(--pull never --cgroup-parent "$CG_PARENT")

pm() {
	timeout -k 5 90 "${PODMAN[@]}" "$@"
}
# p ARGS...: podman; stdout in $out, stderr in $err, status in $rc.
p() {
	out=$(pm "$@" 2>"$T/stderr")
	rc=$?
	err=$(cat "$T/stderr")
}
# p_tty ARGS...: podman on a pty, stdin from the caller; output with the
# pty's \r removed.
p_tty() {
	on_pty 90 "${PODMAN[@]}" "$@" >"$T/stdout" 2>"$T/stderr"
	rc=$?
	out=$(tr -d '\r' <"$T/stdout")
	err=$(cat "$T/stderr")
}
# expect NAME STATUS [PATTERN...]: the last p had exit status STATUS and
# each PATTERN (grep -E) matches a line of its stdout.
expect() {
	local name=$1 want_rc=$2 pat line bad=
	shift 2
	[ "$rc" = "$want_rc" ] || bad="exit status $rc, expected $want_rc"
	for pat in "$@"; do
		if ! printf '%s\n' "$out" | grep -Eq -- "$pat"; then
			bad+="${bad:+; }no line matches: $pat"
		fi
	done
	if [ -z "$bad" ]; then
		ok "$name"
	else
		line=$(printf '%s\n' "$err" | tail -n 5)
		fail "$name" "$bad" "stdout: $(printf '%s\n' "$out" | head -n 12)" "stderr: $line"
	fi
}
# clean NAME: podman knows no container and petrel keeps no state.
clean() {
	local ps list
	ps=$(pm ps -aq 2>&1)
	list=$(timeout 20 "$PETREL" list -q 2>&1)
	if [ -z "$ps" ] && [ -z "$list" ]; then
		ok "$1: podman ps -a and petrel list are empty afterwards"
	else
		fail "$1: podman ps -a and petrel list are empty afterwards" \
			"podman ps -aq: $ps" "petrel list -q: $list"
		pm rm -af -t 0 >/dev/null 2>&1
	fi
}

scenarios_cleanup() {
	local m
	pm rm -af -t 0 >/dev/null 2>&1
	pm rmi -af >/dev/null 2>&1
	for id in $(timeout 20 "$PETREL" list -q 2>/dev/null); do
		timeout 20 "$PETREL" delete --force "$id" >/dev/null 2>&1
	done
	# The namespaces die with this shell; their mounts (overlay, /run) with
	# them. Unmounting what is under the test directory first lets the
	# outer shell remove it at once.
	grep -F " $TEST_TMP" /proc/self/mountinfo | awk '{print $5}' | sort -r |
		while read -r m; do umount -l "$m"; done
	echo "$TAP_N $TAP_FAILED" >"$TEST_TMP/tap-counts"
}
trap scenarios_cleanup EXIT

# ---------------------------------------------------------------- image
"$top/contrib/make-busybox-rootfs.sh" "$T/rootfs" >/dev/null
SYSCALL_HELPER=${SYSCALL_HELPER:-${top_builddir:-$top/build}/tests/helpers/syscall}
[ -x "$SYSCALL_HELPER" ] && cp "$SYSCALL_HELPER" "$T/rootfs/bin/syscall"
tar -C "$T/rootfs" -cf "$T/rootfs.tar" .
p import "$T/rootfs.tar" "$IMG"
p image exists "$IMG"
expect podman_import_busybox_image 0

# The petrel in use: podman reports the runtime it runs.
p info --format '{{.Host.OCIRuntime.Path}}'
is podman_info_names_petrel_as_runtime "$rc $out" "0 $PETREL"

# ---------------------------------------------------------------- run --rm
p run --rm "${RUN[@]}" --network none "$IMG" sh -c 'echo hello from petrel; exit 3'
expect podman_run_rm_output_and_exit_status 3 '^hello from petrel$'
p run --rm "${RUN[@]}" --network none "$IMG" true
expect podman_run_rm_true_exits_0 0
p run --rm "${RUN[@]}" --network none "$IMG" /nonexistent
if [ "$rc" = 127 ] && printf '%s\n' "$err" | grep -q 'nonexistent'; then
	ok podman_run_missing_command_exits_127_with_petrel_error
else
	fail podman_run_missing_command_exits_127_with_petrel_error "status $rc" "stderr: $err"
fi
clean podman_run_rm

# ---------------------------------------------------------------- run -d, logs, stop, rm
p run -d --name pt-d "${RUN[@]}" --network none "$IMG" \
	sh -c 'echo started; trap "echo got TERM; exit 7" TERM; while :; do sleep 0.1; done'
expect podman_run_d_prints_id 0 '^[0-9a-f]{64}$'
# Where the container and conmon are, in every hierarchy: the container
# below the cgroup parent, conmon in or below the test's own cgroup.
pid=$(pm inspect -f '{{.State.Pid}}' pt-d)
conmon=$(pm inspect -f '{{.State.ConmonPid}}' pt-d)
id=$(pm inspect -f '{{.Id}}' pt-d)
bad=
[ -n "$pid" ] && [ -n "$conmon" ] || bad="no pid for the container ($pid) or conmon ($conmon)"
while IFS=: read -r hid ctrls _; do
	own=$(printf '%s\n' "$PODMAN_OWN_CGROUPS" | grep -F "$hid:$ctrls:" | cut -d: -f3-)
	grep -qxF "$hid:$ctrls:${CG_PARENT%/}/libpod-$id" "/proc/$pid/cgroup" ||
		bad+="container not in $CG_PARENT/libpod-<id> in $hid:$ctrls; "
	c=$(grep -F "$hid:$ctrls:" "/proc/$conmon/cgroup" | cut -d: -f3-)
	case "$c/" in
	"${own%/}/"*) ;;
	*) bad+="conmon $hid:$ctrls:$c is not below our $own; " ;;
	esac
done <<<"$PODMAN_OWN_CGROUPS"
is podman_container_and_conmon_cgroups_below_ours "$bad" ""
for _ in $(seq 50); do
	p logs pt-d
	[ -n "$out" ] && break
	sleep 0.1
done
expect podman_logs_shows_output 0 '^started$'
p inspect -f '{{.State.Status}}' pt-d
expect podman_inspect_running 0 '^running$'
p stop -t 10 pt-d
expect podman_stop_exits_0 0 '^pt-d$'
p inspect -f '{{.State.Status}} {{.State.ExitCode}}' pt-d
expect podman_stop_delivers_sigterm_exit_status 0 '^exited 7$'
p logs pt-d
expect podman_logs_after_stop 0 '^got TERM$'
p rm pt-d
expect podman_rm 0 '^pt-d$'
clean podman_run_d_logs_stop_rm

# ---------------------------------------------------------------- run -t
p_tty run --rm -t "${RUN[@]}" --network none "$IMG" \
	sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo stdio-is-tty; exit 6' </dev/null
expect podman_run_t_gets_a_pty 6 '^/dev/pts/[0-9]+$' '^stdio-is-tty$'
# runc leaves the pty in group tty (the devpts gid=5 option), as a login's.
p_tty run --rm -t "${RUN[@]}" --network none "$IMG" sh -c 'ls -ln "$(tty)"' </dev/null
expect podman_run_t_pty_group_is_tty 0 '^crw--w---- +1 0 +5 '
p_tty run --rm -it "${RUN[@]}" --network none "$IMG" sh < <(printf 'echo $((6 * 7))\nexit 2\n')
expect podman_run_it_reads_stdin_through_the_console 2 '^42$'
clean podman_run_t

# ---------------------------------------------------------------- exec, kill, pause
p run -d --name pt-x "${RUN[@]}" --network none "$IMG" \
	sh -c 'trap "echo got USR1; exit 9" USR1; while :; do sleep 0.1; done'
expect podman_run_d_for_exec 0
p exec pt-x sh -c 'echo in exec $$; exit 5'
expect podman_exec_output_and_exit_status 5 '^in exec [0-9]+$'
p exec --user 65534 -e FOO=bar -w /tmp pt-x sh -c 'echo "$(id -u) $FOO $(pwd)"'
expect podman_exec_user_env_workdir 0 '^65534 bar /tmp$'
p_tty exec -t pt-x sh -c 'tty; [ -t 0 ] && echo stdio-is-tty; exit 4' </dev/null
expect podman_exec_t_gets_a_pty 4 '^/dev/pts/[0-9]+$' '^stdio-is-tty$'
p_tty exec -it pt-x sh < <(printf 'echo $((7 * 8))\nexit 3\n')
expect podman_exec_it_reads_stdin 3 '^56$'

p pause pt-x
expect podman_pause 0 '^pt-x$'
p inspect -f '{{.State.Status}}' pt-x
# The freezer that petrel used: v1's freezer.state or v2's cgroup.freeze.
freezer=$(find /sys/fs/cgroup/ -path "*$CG_PARENT/libpod-*" \
	\( -name freezer.state -o -name cgroup.freeze \) -exec cat {} + 2>/dev/null | grep -v '^0$')
petrel_status=$(timeout 20 "$PETREL" state "$(pm inspect -f '{{.Id}}' pt-x)" 2>&1 |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])' 2>&1)
out="$out $freezer $petrel_status"
expect podman_pause_freezes_the_cgroup 0 '^paused (FROZEN|1) paused$'
p unpause pt-x
expect podman_unpause 0 '^pt-x$'
p exec pt-x echo alive
expect podman_exec_after_unpause 0 '^alive$'

p kill -s USR1 pt-x
expect podman_kill_sends_the_signal 0 '^pt-x$'
p wait pt-x
expect podman_wait_after_kill_usr1 0 '^9$'
p logs pt-x
expect podman_kill_signal_reached_the_process 0 '^got USR1$'
p rm pt-x
expect podman_rm_after_kill 0

p run -d --name pt-k "${RUN[@]}" --network none "$IMG" sleep 1000
p kill pt-k
expect podman_kill_default_sigkill 0 '^pt-k$'
p wait pt-k
expect podman_sigkill_exit_status_137 0 '^137$'
p rm pt-k
clean podman_exec_kill_pause

# ---------------------------------------------------------------- resources
# Inside, the container's own cgroup is at /sys/fs/cgroup (cgroup v1:
# /sys/fs/cgroup/<controller>).
p run --rm "${RUN[@]}" --network none --memory 32m --memory-swap 32m "$IMG" \
	cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max
expect podman_memory_limit_set 1 '^33554432$'
p run --rm "${RUN[@]}" --network none --memory 32m --memory-swap 32m "$IMG" \
	dd if=/dev/zero of=/dev/null bs=8M count=1
expect podman_memory_below_the_limit_works 0
p run --rm "${RUN[@]}" --network none --memory 32m --memory-swap 32m "$IMG" \
	dd if=/dev/zero of=/dev/null bs=64M count=1
expect podman_memory_above_the_limit_is_oom_killed 137
p run --rm "${RUN[@]}" --network none --pids-limit 10 "$IMG" \
	sh -c 'cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max 2>/dev/null
		for i in $(seq 20); do sleep 30 & done; echo done'
# The shell gives up (status 2) at the first fork the limit refuses.
if [ "$rc" = 2 ] && [ "$out" = 10 ] && printf '%s\n' "$err" | grep -q "can't fork"; then
	ok podman_pids_limit_enforced
else
	fail podman_pids_limit_enforced "status $rc" "stdout: $out" "stderr: $err"
fi

p run -d --name pt-u "${RUN[@]}" --network none "$IMG" sleep 1000
p update --memory 64m --cpu-shares 512 pt-u
expect podman_update_exits_0 0
# cpu-shares 512 is cpu.weight 59 in cgroup v2: runc's and crun's formula
# (src/libpetrel/cgroup-translate.c), ceil(10^((l*l + 125*l)/612 - 7/34))
# with l = log2(512) = 9: 10^(1206/612 - 7/34) = 10^1.7647 = 58.2, up to 59.
p exec pt-u sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max
	cat /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpu.weight; exit 0'
expect podman_update_changes_the_cgroup 0 '^67108864$' '^(512|59)$'
p rm -f -t 0 pt-u
clean podman_resources

# ---------------------------------------------------------------- security
p run --rm "${RUN[@]}" --network none --cap-drop chown "$IMG" \
	sh -c 'grep CapEff /proc/self/status; chown 65534 /tmp'
expect podman_cap_drop_chown 1 '^CapEff:\s+00000000a80425fa$'
p run --rm "${RUN[@]}" --network none "$IMG" ip addr add 10.9.9.9/32 dev lo
# busybox ip: "ip: RTNETLINK answers: Operation not permitted", status 2.
if [ "$rc" = 2 ] && printf '%s\n' "$err" | grep -q 'RTNETLINK answers: Operation not permitted'; then
	ok podman_no_net_admin_by_default
else
	fail podman_no_net_admin_by_default "status $rc, expected 2 and EPERM" "stdout: $out" "stderr: $err"
fi
p run --rm "${RUN[@]}" --network none --cap-add net_admin "$IMG" \
	sh -c 'ip addr add 10.9.9.9/32 dev lo && ip -o addr show lo'
expect podman_cap_add_net_admin 0 '10\.9\.9\.9/32'

# Podman's default profile answers ENOSYS (38) for what it does not list,
# as add_key; unconfined, the kernel sees the call (EFAULT, EINVAL...).
p run --rm "${RUN[@]}" --network none "$IMG" grep '^Seccomp:' /proc/self/status
expect podman_default_seccomp_filter_active 0 '^Seccomp:\s+2$'
p run --rm "${RUN[@]}" --network none --security-opt seccomp=unconfined "$IMG" \
	grep '^Seccomp:' /proc/self/status
expect podman_seccomp_unconfined 0 '^Seccomp:\s+0$'
if [ -x "$T/rootfs/bin/syscall" ]; then
	p run --rm "${RUN[@]}" --network none "$IMG" sh -c 'syscall add_key 0 0 0 0 0; echo shell works'
	expect podman_default_seccomp_blocks_add_key 0 '^ret=-1 errno=38$' '^shell works$'
	p run --rm "${RUN[@]}" --network none --security-opt seccomp=unconfined "$IMG" \
		syscall add_key 0 0 0 0 0
	expect podman_unconfined_lets_add_key_through 0 '^ret=-1 errno=([0-9]|[1-2][0-9]|3[0-7]|39|[4-9][0-9])$'
else
	skip podman_default_seccomp_blocks_add_key "no static syscall helper at $SYSCALL_HELPER (make check TESTS= builds it)"
fi

p run --rm "${RUN[@]}" --network none --read-only "$IMG" \
	sh -c 'touch /x 2>&1; echo tmp > /tmp/y && cat /tmp/y'
expect podman_read_only_rootfs 0 'Read-only file system' '^tmp$'

echo from-host >"$T/vol/file"
p run --rm "${RUN[@]}" --network none -v "$T/vol:/data:ro" "$IMG" \
	sh -c 'cat /data/file; touch /data/new 2>&1; exit 0'
expect podman_volume_ro 0 '^from-host$' 'Read-only file system'
p run --rm "${RUN[@]}" --network none -v "$T/vol:/data" "$IMG" sh -c 'echo from-container > /data/new'
is podman_volume_rw_writes_to_the_host "$rc $(cat "$T/vol/new" 2>&1)" "0 from-container"

p run --rm "${RUN[@]}" --network none --user 65534:65534 "$IMG" \
	sh -c 'id -u; id -g; grep CapEff /proc/self/status'
expect podman_user 0 '^65534$' '^CapEff:\s+0+$'
p run --rm "${RUN[@]}" --network none --user nobody "$IMG" id -un
expect podman_user_by_name 0 '^nobody$'

# As root, an explicit mapping is the realistic user namespace
# (--userns=keep-id is for rootless podman).
p run -d --name pt-ns "${RUN[@]}" --network none --uidmap 0:100000:65536 --gidmap 0:100000:65536 \
	"$IMG" sh -c 'id -u; cat /proc/self/uid_map; sleep 1000'
expect podman_uidmap_runs 0
pid=$(pm inspect -f '{{.State.Pid}}' pt-ns)
host_uid=$(awk '/^Uid:/ {print $2}' "/proc/${pid:-0}/status" 2>&1)
for _ in $(seq 50); do
	p logs pt-ns
	[ -n "$out" ] && break
	sleep 0.1
done
out="$out
host uid $host_uid"
expect podman_uidmap_maps_root_to_100000 0 '^0$' '^\s*0\s+100000\s+65536$' '^host uid 100000$'
p rm -f -t 0 pt-ns
clean podman_security

# ---------------------------------------------------------------- network
# runc and crun bring the loopback up in a network namespace they create.
p run --rm "${RUN[@]}" --network none "$IMG" ip -o link
if [ "$rc" = 0 ] && [ "$(printf '%s\n' "$out" | cut -d: -f2)" = " lo" ]; then
	ok podman_network_none_has_only_lo
else
	fail podman_network_none_has_only_lo "status $rc" "stdout: $out" "stderr: $err"
fi
p run --rm "${RUN[@]}" --network none "$IMG" \
	sh -c 'ip -o link show lo; ping -c 1 -W 2 127.0.0.1 >/dev/null && echo lo-works'
expect podman_network_none_loopback_up 0 '^1: lo: <[A-Z,]*\bUP\b' '^lo-works$'

# What netavark's bridge network needs of the kernel, tried in a network
# namespace of its own that dies with the probe: bridge and veth links, and
# the netfilter parts of its iptables rules (a nat chain with MASQUERADE, a
# conntrack match in filter). Prints what is missing; empty when all is
# there. The bridge scenario is skipped only for such a reason: once it
# runs, any failure of it is a failure.
bridge_kernel_support() {
	unshare --net -- sh -c '
		ip link add petrel-pb0 type bridge 2>/dev/null ||
			{ echo "the kernel cannot make a bridge link"; exit; }
		ip link add petrel-pv0 type veth peer name petrel-pv1 2>/dev/null ||
			{ echo "the kernel cannot make a veth pair"; exit; }
		iptables -t nat -N PETREL-PROBE 2>/dev/null &&
			iptables -t nat -A PETREL-PROBE -j MASQUERADE 2>/dev/null ||
			{ echo "no NAT with MASQUERADE in the kernel: $(iptables -t nat -A PETREL-PROBE -j MASQUERADE 2>&1 | head -n 1)"; exit; }
		iptables -t filter -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT 2>/dev/null ||
			{ echo "no conntrack match in the kernel: $(iptables -t filter -A FORWARD -m conntrack --ctstate ESTABLISHED -j ACCEPT 2>&1 | head -n 1)"; exit; }
	' 2>&1
}
bridge_skip=
if [ ! -x /usr/lib/podman/netavark ] && [ ! -x /usr/libexec/podman/netavark ]; then
	bridge_skip="netavark is not installed and apt-get could not install it"
elif ! command -v iptables >/dev/null; then
	bridge_skip="iptables (netavark's firewall driver) is not installed and apt-get could not install it"
else
	bridge_skip=$(bridge_kernel_support)
fi
if [ -n "$bridge_skip" ]; then
	skip podman_bridge_network "$bridge_skip"
	skip podman_bridge_torn_down_after_rm "$bridge_skip"
else
	p run --rm "${RUN[@]}" "$IMG" sh -c 'ip -o -4 addr show eth0; ip route; ping -c 1 -W 2 10.88.0.1 >/dev/null && echo gateway-reachable'
	expect podman_bridge_network 0 'eth0 +inet 10\.88\.[0-9]+\.[0-9]+/16' '^default via 10\.88\.0\.1' '^gateway-reachable$'
	# netavark made the bridge (podman0) and the host end of the veth in
	# this namespace; both go with the container.
	links=$(ip -o link | grep -Ev ': lo:' || true)
	is podman_bridge_torn_down_after_rm "$links" ""
fi
clean podman_network

# ---------------------------------------------------------------- --init
if [ -x /usr/libexec/podman/catatonit ] || command -v catatonit >/dev/null; then
	p run --rm "${RUN[@]}" --network none --init "$IMG" sh -c 'cat /proc/1/comm; echo $$; exit 3'
	expect podman_init_runs_catatonit_as_pid_1 3 '^(podman-init|catatonit)$' '^([2-9]|[1-9][0-9]+)$'
else
	skip podman_init_runs_catatonit_as_pid_1 "catatonit is not installed (apt-get install catatonit)"
fi
clean podman_init

# podman container checkpoint/restore: tests/integration/checkpoint.sh, where
# CRIU works (in the guest of tests/vm/criu-guest.sh).
