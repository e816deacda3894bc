#!/usr/bin/env bash
# checkpoint and restore through petrel-criu and CRIU. What needs no working
# CRIU runs everywhere: argument checks, the clear errors, CRIU's log quoted
# when it fails. The checkpoint/restore cases need `criu check` to pass,
# which Debian's criu 3.17 does not on kernels from 6.13 on (vDSO layout):
# there they are skipped with the reason, and they run in the guest of
# tests/vm/criu-guest.sh (Debian's 6.1 kernel, with the modules CRIU needs), e.g.
#   tests/vm/criu-guest.sh --env PETREL --env top_builddir -- bash tests/integration/checkpoint.sh
. "$(dirname "$0")/../lib/integration.sh" checkpoint
trap cleanup_all EXIT

HELPER=$(dirname "$PETREL")/petrel-criu
RECEIVER=${CONSOLE_RECEIVER:-$(dirname "$PETREL")/tests/helpers/console-receiver}
cd "$TEST_TMP" || exit 1

# bundle NAME ARGS...: a bundle whose process is ARGS (sh -c '...'), in
# the host's network namespace: Debian's CRIU 3.17 fails to save a network
# namespace's links on the guest's 6.1 kernel ("-22 reported by netlink"
# under "Dumping netns links"), with any runtime.
bundle() {
	local b=$TEST_TMP/$1
	shift
	make_bundle "$b"
	set_args "$b" "$@"
	edit_config "$b" "c['linux']['namespaces'] = [n for n in c['linux']['namespaces']
		if n['type'] != 'network']"
	echo "$b"
}

# A counter on stdout, one number every 0.1 s.
COUNTER='i=0; while :; do i=$((i+1)); echo $i; sleep 0.1; done'

# start ID BUNDLE OUT [ARGS...]: run -d with stdio on pipes, stdout and
# stderr to the file OUT. Pipes, not files: CRIU saves a pipe's end, and
# restore connects its own pipes instead; a file of the host is not in the
# container's mounts, and CRIU cannot save it.
start() {
	local id=$1 b=$2 out=$3
	shift 3
	pt run -d -b "$b" "$@" "$id" < <(:) > >(exec cat >"$out") 2>&1
}

# restore_d ID OUT [ARGS...]: restore -d with new pipes, output to OUT.
restore_d() {
	local id=$1 out=$2
	shift 2
	pt restore -d "$@" "$id" < <(:) > >(exec cat >"$out") 2>&1
}

# contains TEXT PART
contains() { [[ $1 == *"$2"* ]]; }

# last_number FILE, first_number FILE
last_number() { grep -E '^[0-9]+$' "$1" | tail -n 1; }
first_number() { grep -E '^[0-9]+$' "$1" | head -n 1; }

# counts_on OUT BEFORE: OUT's numbers go on from BEFORE's last one (a
# number the pipe held at the checkpoint may come again), and grow.
counts_on() {
	local before after first
	wait_output "$1" '^[0-9]+$' 20 || return 1
	before=$(last_number "$2")
	first=$(first_number "$1")
	sleep 1
	after=$(last_number "$1")
	echo "before: $before, restored from: $first, then: $after"
	[ -n "$before" ] && [ "$first" -gt 1 ] && [ "$first" -le $((before + 1)) ] &&
		[ "$after" -gt "$first" ]
}

# ------------------------------------------------ errors without CRIU at work
run_pt checkpoint nosuch
check checkpoint_of_missing_container_fails eval \
	'[ $rc = 1 ] && contains "$err" "container \"nosuch\" does not exist"'
mkdir -p "$TEST_TMP/empty"
run_pt restore --image-path "$TEST_TMP/empty" -b "$TEST_TMP" r0
check restore_from_empty_image_dir_says_so eval \
	'[ $rc = 1 ] && contains "$err" "\"$TEST_TMP/empty\" holds no checkpoint (no inventory.img)"'
check failed_restore_leaves_no_container eval '[ -z "$(state_dirs)" ]'
run_pt restore --image-path "$TEST_TMP/nowhere" r0
check restore_from_missing_image_dir_says_so eval \
	'[ $rc = 1 ] && contains "$err" "--image-path \"$TEST_TMP/nowhere\": No such file"'

if [ ! -x "$HELPER" ]; then
	# Built with --disable-criu: both commands say so.
	mkdir -p "$TEST_TMP/img0" && echo garbage >"$TEST_TMP/img0/inventory.img"
	run_pt restore --image-path "$TEST_TMP/img0" -b "$TEST_TMP" r0
	check restore_without_criu_build_says_so eval \
		'[ $rc = 1 ] && contains "$err" "petrel was built without CRIU"'
	run_pt features
	check features_say_checkpoint_disabled \
		contains "$out" '"org.opencontainers.runc.checkpoint.enabled": "false"'
	skip checkpoint_restore "petrel was built without CRIU (no $HELPER)"
	tap_done
	exit
fi

# The helper is found through $PETREL_CRIU_HELPER first.
b0=$(bundle b0 sh -c "$COUNTER")
mkdir -p "$TEST_TMP/img0" && echo garbage >"$TEST_TMP/img0/inventory.img"
PETREL_CRIU_HELPER=/nonexistent/petrel-criu run_pt restore --image-path "$TEST_TMP/img0" -b "$b0" r0
check helper_env_naming_nothing_fails_clearly eval \
	'[ $rc = 1 ] && contains "$err" "\$PETREL_CRIU_HELPER \"/nonexistent/petrel-criu\""'
# A helper that ends without a report is an error at once, not a wait (the
# report socket's other end is the helper's alone).
PETREL_CRIU_HELPER=/bin/true PETREL_TEST_TIMEOUT=20 run_pt restore --image-path "$TEST_TMP/img0" \
	-b "$b0" r0
check helper_that_ends_without_a_report_fails_restore eval \
	'[ $rc = 1 ] && contains "$err" "/bin/true exited with status 0 before it was done"'
check restore_with_a_dead_helper_leaves_no_container eval '[ -z "$(state_dirs)" ]'
PETREL_CRIU_HELPER=/bin/false PETREL_TEST_TIMEOUT=20 run_pt --version
check version_says_criu_unavailable_when_the_helper_dies contains "$rc:$out" \
	"criu: unavailable: /bin/false exited with status 1 before it was done"

if ! why=$(criu check 2>&1); then
	# CRIU cannot dump here: its log is what checkpoint quotes.
	start c0 "$b0" "$TEST_TMP/c0.out"
	wait_output "$TEST_TMP/c0.out" '^2$'
	run_pt checkpoint --image-path "$TEST_TMP/c0.img" c0
	check checkpoint_failure_names_and_quotes_criu_log eval \
		'[ $rc = 1 ] && contains "$err" "criu dump failed; CRIU log \"$TEST_TMP/c0.img/dump.log\": " &&
		contains "$err" "Error ("'
	check failed_checkpoint_leaves_container_running eval \
		'[ "$(state_field c0 status)" = running ]'
	run_pt features
	check features_say_checkpoint_disabled_when_criu_fails \
		contains "$out" '"org.opencontainers.runc.checkpoint.enabled": "false"'
	run_pt --version
	check version_says_why_criu_is_unavailable contains "$out" "criu: unavailable: CRIU"
	why=$(printf '%s\n' "$why" | grep -m1 Error)
	skip checkpoint_restore "criu check fails on this host ($(uname -r)): $why"
	tap_done
	exit
fi

run_pt features
check features_say_checkpoint_enabled \
	contains "$out" '"org.opencontainers.runc.checkpoint.enabled": "true"'
run_pt --version
check version_names_criu_version like "$out" "criu: [0-9]+\.[0-9]+"

# ---------------------------------------------------------- counter loop
start c1 "$b0" "$TEST_TMP/c1.out"
wait_output "$TEST_TMP/c1.out" '^5$'
run_pt checkpoint --image-path "$TEST_TMP/c1.img" c1
check checkpoint_succeeds eval '[ $rc = 0 ] || { echo "$err"; false; }'
check checkpoint_stops_container eval '[ "$(state_field c1 status)" = stopped ]'
check checkpoint_writes_images eval '[ -f "$TEST_TMP/c1.img/inventory.img" ]'
run_pt delete c1
restore_d c1 "$TEST_TMP/c1.after" --image-path "$TEST_TMP/c1.img" -b "$b0" \
	--pid-file "$TEST_TMP/c1.pid"
rc=$?
check restore_succeeds eval '[ $rc = 0 ] || { cat "$TEST_TMP/c1.after"; false; }'
check restored_container_is_running eval '[ "$(state_field c1 status)" = running ]'
check restored_state_has_pid_file_pid eval \
	'[ "$(state_field c1 pid)" = "$(cat "$TEST_TMP/c1.pid")" ] && proc_alive "$(cat "$TEST_TMP/c1.pid")"'
check restored_counter_goes_on counts_on "$TEST_TMP/c1.after" "$TEST_TMP/c1.out"
run_pt kill c1 KILL
wait_status c1 stopped
run_pt delete c1
check delete_after_restore_cleans_up eval '[ -z "$(state_dirs)" ]'

# ------------------------------------------------------------ leave running
start c2 "$b0" "$TEST_TMP/c2.out"
wait_output "$TEST_TMP/c2.out" '^3$'
pid=$(state_field c2 pid)
run_pt checkpoint --leave-running --image-path "$TEST_TMP/c2.img" c2
check checkpoint_leave_running_succeeds eval '[ $rc = 0 ] || { echo "$err"; false; }'
check leave_running_keeps_container_running eval \
	'[ "$(state_field c2 status)" = running ] && proc_alive "$pid"'
n=$(last_number "$TEST_TMP/c2.out")
sleep 0.5
check leave_running_container_keeps_counting eval '[ "$(last_number "$TEST_TMP/c2.out")" -gt "$n" ]'
pt delete --force c2

# --------------------------------------------------- pre-dump, then parent
start c3 "$b0" "$TEST_TMP/c3.out"
wait_output "$TEST_TMP/c3.out" '^3$'
mkdir -p "$TEST_TMP/c3"
run_pt checkpoint --pre-dump --image-path "$TEST_TMP/c3/pre" c3
check pre_dump_succeeds eval '[ $rc = 0 ] || { echo "$err"; false; }'
check pre_dump_leaves_container_running eval '[ "$(state_field c3 status)" = running ]'
run_pt checkpoint --image-path "$TEST_TMP/c3/final" --parent-path ../pre c3
check dump_with_parent_path_succeeds eval '[ $rc = 0 ] || { echo "$err"; false; }'
check dump_with_parent_links_parent eval '[ -L "$TEST_TMP/c3/final/parent" ]'
pt delete c3
restore_d c3 "$TEST_TMP/c3.after" --image-path "$TEST_TMP/c3/final" -b "$b0"
check restore_from_parent_chain_counts_on counts_on "$TEST_TMP/c3.after" "$TEST_TMP/c3.out"
pt delete --force c3

# ---------------------------------------------------- bind mount and tmpfs
b4=$(bundle b4 sh -c 'echo saved >/scratch/f; echo ready; while :; do
	[ -e /shared/go ] && cat /scratch/f >/shared/result; sleep 0.1; done')
mkdir -p "$TEST_TMP/shared"
edit_config "$b4" "c['mounts'] += [
	{'destination': '/shared', 'type': 'bind', 'source': '$TEST_TMP/shared', 'options': ['rbind', 'rw']},
	{'destination': '/scratch', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['nosuid', 'size=1m']}]"
start c4 "$b4" "$TEST_TMP/c4.out"
wait_output "$TEST_TMP/c4.out" '^ready$'
run_pt checkpoint --image-path "$TEST_TMP/c4.img" c4
check checkpoint_with_bind_mount_and_tmpfs_succeeds eval '[ $rc = 0 ] || { echo "$err"; false; }'
pt delete c4
restore_d c4 "$TEST_TMP/c4.after" --image-path "$TEST_TMP/c4.img" -b "$b4"
touch "$TEST_TMP/shared/go"
check restored_tmpfs_keeps_content_and_bind_mount_is_back eval \
	'wait_output "$TEST_TMP/shared/result" "^saved$" 10'
pt delete --force c4

# ------------------------------------------------------------ TCP sockets
# tcp_states PID PORT: the states (hex) of the sockets on PORT in PID's
# network namespace: 0A listening, 01 established. busybox's nc listens on
# IPv6 (dual stack).
tcp_states() {
	local port
	port=$(printf '%04X' "$2")
	nsenter --net="/proc/$1/ns/net" cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		awk -v p=":$port" '$2 ~ p"$" || $3 ~ p"$" {print $4}' | sort -u | xargs
}
# nc ends at the end of its stdin: it reads from a sleep.
b5=$(bundle b5 sh -c 'sleep 1000 | nc -l -p 7777 & echo ready; wait')
start c5 "$b5" "$TEST_TMP/c5.out"
wait_output "$TEST_TMP/c5.out" '^ready$'
sleep 0.3
run_pt checkpoint --image-path "$TEST_TMP/c5.img" c5
check checkpoint_with_listening_socket_succeeds eval '[ $rc = 0 ] || { echo "$err"; false; }'
pt delete c5
restore_d c5 "$TEST_TMP/c5.after" --image-path "$TEST_TMP/c5.img" -b "$b5"
check restored_socket_listens eval 'contains "$(tcp_states "$(state_field c5 pid)" 7777)" 0A ||
	{ tcp_states "$(state_field c5 pid)" 7777; false; }'
pt delete --force c5

b6=$(bundle b6 sh -c 'sleep 1000 | nc -l -p 7778 >/dev/null & sleep 0.3;
	sleep 1000 | nc 127.0.0.1 7778 >/dev/null & sleep 0.3; echo ready; wait')
start c6 "$b6" "$TEST_TMP/c6.out"
wait_output "$TEST_TMP/c6.out" '^ready$'
sleep 0.5
run_pt checkpoint --image-path "$TEST_TMP/c6.no" c6
check established_socket_needs_tcp_established eval \
	'[ $rc = 1 ] && contains "$err" "dump.log" && [ "$(state_field c6 status)" = running ] ||
	{ echo "$err"; tcp_states "$(state_field c6 pid)" 7778; false; }'
run_pt checkpoint --tcp-established --image-path "$TEST_TMP/c6.img" c6
check checkpoint_tcp_established_succeeds eval '[ $rc = 0 ] || { echo "$err"; false; }'
pt delete c6
restore_d c6 "$TEST_TMP/c6.after" --tcp-established --image-path "$TEST_TMP/c6.img" -b "$b6"
check restored_connection_is_established eval \
	'contains "$(tcp_states "$(state_field c6 pid)" 7778)" 01'
pt delete --force c6

# ---------------------------------------------------------- under a new id
start c7 "$b0" "$TEST_TMP/c7.out"
wait_output "$TEST_TMP/c7.out" '^3$'
pt checkpoint --image-path "$TEST_TMP/c7.img" c7
restore_d c7new "$TEST_TMP/c7.after" --image-path "$TEST_TMP/c7.img" -b "$b0"
check restore_under_new_id_runs eval \
	'[ "$(state_field c7new status)" = running ] && [ "$(state_field c7 status)" = stopped ]'
check restore_under_new_id_counts_on counts_on "$TEST_TMP/c7.after" "$TEST_TMP/c7.out"
pt delete --force c7new
pt delete c7

# ----------------------------------------------------------- console socket
# start_receiver SOCKET OUTPUT: a console-receiver in the background.
start_receiver() {
	rm -f "$1"
	"$RECEIVER" "$1" "$2" 2>"$2.err" &
	for _ in $(seq 100); do [ -S "$1" ] && return 0; sleep 0.05; done
	return 1
}
b8=$(bundle b8 sh -c "$COUNTER")
edit_config "$b8" "c['process']['terminal'] = True"
start_receiver "$TEST_TMP/s8" "$TEST_TMP/c8.out"
pt run -d -b "$b8" --console-socket "$TEST_TMP/s8" c8 </dev/null >/dev/null 2>&1
wait_output "$TEST_TMP/c8.out" '^3'
run_pt checkpoint --image-path "$TEST_TMP/c8.img" c8
check checkpoint_with_terminal_succeeds eval '[ $rc = 0 ] || { echo "$err"; false; }'
pt delete c8
tr -d '\r' <"$TEST_TMP/c8.out" >"$TEST_TMP/c8.before"
start_receiver "$TEST_TMP/s8b" "$TEST_TMP/c8.after"
run_pt restore -d --console-socket "$TEST_TMP/s8b" --image-path "$TEST_TMP/c8.img" -b "$b8" c8
check restore_with_console_socket_succeeds eval '[ $rc = 0 ] || { echo "$err"; false; }'
check console_socket_gets_the_restored_terminal eval \
	'wait_output "$TEST_TMP/c8.after.err" received 10'
sleep 1
tr -d '\r' <"$TEST_TMP/c8.after" >"$TEST_TMP/c8.after.txt"
check restored_terminal_counter_goes_on counts_on "$TEST_TMP/c8.after.txt" "$TEST_TMP/c8.before"
pt delete --force c8

# ---------------------------------------------------------- foreground
b9=$(bundle b9 sh -c 'i=0; while [ $i -lt 40 ]; do i=$((i+1)); echo $i; sleep 0.1; done; exit 7')
start c9 "$b9" "$TEST_TMP/c9.out"
wait_output "$TEST_TMP/c9.out" '^3$'
pt checkpoint --image-path "$TEST_TMP/c9.img" c9
pt delete c9
pt restore --image-path "$TEST_TMP/c9.img" -b "$b9" c9 < <(:) >"$TEST_TMP/c9.after.pipe" 2>&1
rc=$?
is restore_in_foreground_returns_exit_status "$rc" 7
check foreground_restore_deletes_container eval '[ -z "$(state_dirs)" ]'

# ------------------------------------------------------ CRIU's log quoted
mkdir -p "$TEST_TMP/broken"
echo garbage >"$TEST_TMP/broken/inventory.img"
run_pt restore -d --image-path "$TEST_TMP/broken" -b "$b0" r1
check restore_failure_quotes_criu_log eval \
	'[ $rc = 1 ] && contains "$err" "criu restore failed; CRIU log \"$TEST_TMP/broken/restore.log\": " &&
	contains "$err" "Error (" || { echo "$err"; false; }'
check failed_restore_cleans_up eval '[ -z "$(state_dirs)" ]'

# ------------------------------------------------------- through Podman
# `podman container checkpoint` and `restore` drive petrel's, with conmon
# giving the container the host's /dev/null as stdin. The container keeps
# the host's network namespace: CRIU 3.17 cannot dump a new one's links on
# the guest's 6.1 kernel (-22 from netlink), with runc as with petrel. Its
# cgroups go below this test's own, which only a pure v2 host (the CRIU
# guest) makes simple; image storage is vfs (overlay cannot stack on the
# guest's overlay root).
# pm_number: the last number of the container's log.
pm_number() { pm logs pc 2>/dev/null | grep -E '^[0-9]+$' | tail -n 1; }
if ! command -v podman >/dev/null || ! command -v conmon >/dev/null; then
	skip podman_checkpoint_restore "podman is not installed"
elif [ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ]; then
	skip podman_checkpoint_restore "needs a pure cgroup v2 host, as the CRIU guest is (tests/vm/criu-guest.sh)"
else
	own=$(sed -n 's/^0:://p' /proc/self/cgroup)
	CGP=${own%/}/petrel-ckpt-podman-$$
	PM=(podman --root "$TEST_TMP/pm/storage" --runroot "$TEST_TMP/pm/run" --tmpdir "$TEST_TMP/pm/tmp"
		--storage-driver vfs --runtime "$PETREL" --cgroup-manager cgroupfs --events-backend file)
	pm() { timeout -k 5 120 "${PM[@]}" "$@"; }
	tar -C "$ROOTFS_CACHE" -c . | pm import - localhost/petrel-ckpt:test >/dev/null 2>&1
	pm run -d --name pc --network host --cgroup-parent "$CGP" localhost/petrel-ckpt:test \
		sh -c "$COUNTER" >"$TEST_TMP/pm.out" 2>&1
	for _ in $(seq 1 100); do
		[ "$(pm_number)" -ge 5 ] 2>/dev/null && break
		sleep 0.2
	done
	pm container checkpoint pc >"$TEST_TMP/pm.out" 2>&1
	rc=$?
	check podman_checkpoint_succeeds eval '[ $rc = 0 ] || cat "$TEST_TMP/pm.out"'
	before=$(pm_number)
	is podman_checkpoint_leaves_the_container_exited "$(pm inspect -f '{{.State.Status}}' pc)" exited
	pm container restore pc >"$TEST_TMP/pm.out" 2>&1
	rc=$?
	check podman_restore_succeeds eval '[ $rc = 0 ] || cat "$TEST_TMP/pm.out"'
	is podman_restored_container_is_running "$(pm inspect -f '{{.State.Status}}' pc)" running
	sleep 1.5
	after=$(pm_number)
	check podman_restored_counter_goes_on eval \
		'[ -n "$before" ] && [ -n "$after" ] && [ "$after" -gt "$before" ] ||
		{ echo "before: $before, after: $after"; false; }'
	pm rm -f pc >/dev/null 2>&1
	check podman_leaves_no_container eval '[ -z "$(pm ps -aq; "$PETREL" list -q)" ]'
	pm rmi -a >/dev/null 2>&1
	[ -d "/sys/fs/cgroup$CGP" ] && find "/sys/fs/cgroup$CGP" -depth -type d -delete
fi

tap_done
