#!/bin/bash
# A hostile rootfs against `petrel run`: symlinks in the image that point
# out of it (to /etc, climbing with "..", absolute chains to host paths) used
# as mount destinations, as /dev, /proc, the cwd, a device's path, a masked
# or readonly path, a tmpcopyup directory; and CVE-2024-21626 (a cwd through
# an fd the runtime leaked). Each case gets its own copy of the busybox
# rootfs. For every case nothing outside the rootfs may be created, mounted
# over or read: the host paths the symlinks name, /etc, /tmp and the host's
# mount table are compared before and after, and each case also runs with
# rootfsPropagation "rshared", where a mount made outside the rootfs would
# reach the host. The operation either lands inside the rootfs (a symlink is
# resolved in the root, as the kernel would resolve it there) or fails with
# an error naming the path. Needs root; prints TAP. PETREL names the binary
# (default: $top_builddir/petrel).

. "$(dirname "$0")/../lib/integration.sh" hostile_rootfs_integration

trap cleanup_all EXIT

umask 022
cd / || exit 1

# The test directory is a shared mount of its own, and OUT, the "host"
# the symlinks aim at, a shared tmpfs in it: with rootfsPropagation
# "rshared" the container's copy of OUT stays its peer, so a mount that
# escaped the rootfs would show on the host.
share_test_dir || exit 1
OUT=$TEST_TMP/outside
mkdir -p "$OUT" && mount -t tmpfs -o size=4m petrel-outside "$OUT" || exit 1
mkdir -p "$OUT"/{hostdir,rodir}
echo HOST-SECRET >"$OUT/secret.txt"
echo HOST-SECRET >"$OUT/hostdir/secret.txt"
chmod 0640 "$OUT/secret.txt"
echo bind-source >"$TEST_TMP/filesrc.txt"
ESCAPE=petrel-escape-$$-$RANDOM
# How many ".." from the cwd reach the root (64: never), and what the cwd
# holds.
CLIMB='i=0
while [ "$(stat -c %d:%i .)" != "$(stat -c %d:%i /)" ] && [ $i -lt 64 ]; do
	cd ..; i=$((i + 1))
done
echo $i >/results/climbs; ls -A >/results/ls'

# The host as the tests compare it: OUT's tree, the host's mount table (ids
# left out), the files a /etc or /tmp escape would touch, and / for ESCAPE.
host_state() {
	find "$OUT" -printf '%p %y %m %U %G %s %T@ %l\n' | sort
	awk '{$1 = $2 = ""; print}' /proc/self/mountinfo | sort
	stat -c '%n %i %s %Y %a %U %G %F' /etc /etc/passwd /etc/hostname 2>&1
	local n
	for n in null zero full random urandom tty ptmx pts shm mqueue fd stdin stdout stderr core \
		kmsg evil-node; do
		stat -c '%n %i %F %Y' "/tmp/$n" 2>&1
	done
	ls -d /petrel-escape-* "$TEST_TMP/$ESCAPE" 2>&1
}

# hcase NAME: a bundle $TEST_TMP/NAME ($B) with its own rootfs ($R), a
# /results bind the probes write to, and rootfsPropagation $prop unless
# empty.
hcase() {
	B=$TEST_TMP/$1${prop:+-$prop}
	R=$B/rootfs
	make_bundle "$B"
	rm "$B/rootfs"
	cp -a "$ROOTFS_CACHE" "$R"
	mkdir -p "$B/results" "$R/results"
	edit_config "$B" "c['mounts'].append({'destination': '/results', 'type': 'bind',
    'source': '$B/results', 'options': ['rbind']})
if '$prop': c['linux']['rootfsPropagation'] = '$prop'"
}

# hmounts PYTHON_LIST: more mounts; m(dest, type, source, *opts).
hmounts() {
	edit_config "$B" '
def m(dest, typ, src, *opts):
    return {"destination": dest, "type": typ, "source": src, "options": list(opts)}
c["mounts"] += '"$1"
}

res() {
	cat "$B/results/$1" 2>/dev/null
}

# hrun NAME PROPAGATION: runs the bundle (PROPAGATION names the variant);
# $rc, $err; then checks the host and that no output of the container holds
# what only the host has.
hrun() {
	local name=$1 prop=$2 before after tag=""
	[ -n "$prop" ] && tag="_with_${prop}_root"
	rm -rf "$B/results" && mkdir -p "$B/results"
	before=$(host_state)
	pt run --bundle "$B" "$name${prop:+-$prop}" >"$B.out" 2>"$B.err" </dev/null
	rc=$?
	err=$(cat "$B.err")
	after=$(host_state)
	if [ "$before" = "$after" ] && [ -z "$(state_dirs)" ]; then
		ok "${name}${tag}_leaves_the_host_untouched"
	else
		fail "${name}${tag}_leaves_the_host_untouched" "stderr: $err" \
			"$(diff <(echo "$before") <(echo "$after"))" "state: $(state_dirs)"
	fi
	if grep -rq HOST-SECRET "$B/results" "$B.out" "$B.err"; then
		fail "${name}${tag}_reads_nothing_of_the_host" "$(grep -r HOST-SECRET "$B/results" "$B.out")"
	else
		ok "${name}${tag}_reads_nothing_of_the_host"
	fi
	T=$tag
}

# mi MOUNT_POINT: the container's last mountinfo line for it.
mi() {
	awk -v mp="$1" '$5 == mp' "$B/results/mountinfo" 2>/dev/null | tail -n 1
}
mi_fstype() { mi "$1" | awk '{for (i = 7; i <= NF; i++) if ($i == "-") {print $(i + 1); exit}}'; }

# ran NAME: the run succeeded (else a failure with its error).
ran() {
	if [ "$rc" = 0 ]; then
		ok "$1$T"
	else
		fail "$1$T" "exit status $rc" "stderr: $err"
	fi
	[ "$rc" = 0 ]
}

# refused NAME PATTERN: the run failed with an error matching PATTERN.
refused() {
	if [ "$rc" != 0 ] && printf '%s\n' "$err" | grep -Eq -- "$2"; then
		ok "$1$T"
		printf '%s\n' "$err" | sed 's/^/#   /'
	else
		fail "$1$T" "exit status $rc" "stderr: $err" "expected to match: $2"
	fi
}

for prop in "" rshared; do
	# --------------------------------------- mount destinations as symlinks
	hcase dest-etc
	ln -s /etc "$R/evil"
	ln -s /etc/hostname "$R/evil-file"
	hmounts '[m("/evil/sub", "tmpfs", "evil", "size=1m"),
    m("/evil-file", "bind", "'"$TEST_TMP"'/filesrc.txt", "bind", "ro")]'
	set_args "$B" sh -c 'cat /proc/self/mountinfo >/results/mountinfo
cat /etc/hostname >/results/hostname'
	hrun dest-etc "$prop"
	if ran "symlink_to_etc_destination_runs"; then
		# The variant is in force: with "rshared" the root is shared.
		if [[ $(mi /) == *" shared:"* ]]; then got=rshared; else got=; fi
		is "rootfs_propagation_variant_is_applied$T" "$got" "$prop"
		is "symlink_to_etc_destination_lands_on_the_containers_etc$T" "$(mi_fstype /etc/sub)" tmpfs
		is "symlink_to_a_host_file_destination_lands_inside$T" "$(res hostname)" bind-source
		if [ -f "$R/etc/hostname" ] && [ ! -s "$R/etc/hostname" ]; then
			ok "symlink_to_a_host_file_destination_is_created_in_the_rootfs$T"
		else
			fail "symlink_to_a_host_file_destination_is_created_in_the_rootfs$T" \
				"$(ls -la "$R/etc")"
		fi
	fi

	hcase dest-climb
	ln -s ../../outside "$R/up"
	ln -s ../../../../../../../../.. "$R/up-root"
	hmounts '[m("/up/mnt", "tmpfs", "climb", "size=1m"),
    m("/up-root/'"$ESCAPE"'", "tmpfs", "climb-root", "size=1m"),
    m("/../../../../'"$ESCAPE"'-dotdot", "tmpfs", "dotdot", "size=1m")]'
	set_args "$B" sh -c 'cat /proc/self/mountinfo >/results/mountinfo'
	hrun dest-climb "$prop"
	if ran "climbing_symlink_destination_runs"; then
		is "climbing_symlink_destination_lands_inside$T" \
			"$(mi_fstype /outside/mnt) $(mi_fstype "/$ESCAPE") $(mi_fstype "/$ESCAPE-dotdot")" \
			"tmpfs tmpfs tmpfs"
		if [ -d "$R/outside/mnt" ] && [ -d "$R/$ESCAPE" ]; then
			ok "climbing_symlink_destination_is_created_in_the_rootfs$T"
		else
			fail "climbing_symlink_destination_is_created_in_the_rootfs$T" "$(ls -la "$R")"
		fi
	fi

	hcase dest-chain
	ln -s /chain2/x "$R/chain1"
	ln -s "$OUT" "$R/chain2"
	ln -s "$OUT/secret.txt" "$R/chain-file"
	hmounts '[m("/chain1/mnt", "tmpfs", "chain", "size=1m"),
    m("/chain-file", "bind", "'"$TEST_TMP"'/filesrc.txt", "bind")]'
	set_args "$B" sh -c 'cat /proc/self/mountinfo >/results/mountinfo; cat /chain-file >/results/file'
	hrun dest-chain "$prop"
	if ran "absolute_symlink_chain_destination_runs"; then
		is "absolute_symlink_chain_destination_lands_inside$T" "$(mi_fstype "$OUT/x/mnt")" tmpfs
		is "absolute_symlink_to_a_host_file_destination_lands_inside$T" "$(res file)" bind-source
		if [ -d "$R$OUT/x/mnt" ] && [ -f "$R$OUT/secret.txt" ]; then
			ok "absolute_symlink_chain_destination_is_created_in_the_rootfs$T"
		else
			fail "absolute_symlink_chain_destination_is_created_in_the_rootfs$T" \
				"$(find "$R$TEST_TMP" 2>&1)"
		fi
	fi

	# ---------------------------------------------------- /dev and /proc
	hcase dev-tmp
	rm -rf "${R:?}/dev"
	ln -s /tmp "$R/dev"
	set_args "$B" sh -c 'cat /proc/self/mountinfo >/results/mountinfo
stat -c "%F %t:%T" /dev/null /dev/zero >/results/nodes 2>&1; readlink /dev/ptmx >/results/ptmx'
	hrun dev-symlink-to-tmp "$prop"
	if ran "dev_symlink_to_tmp_runs"; then
		is "dev_symlink_to_tmp_puts_dev_on_the_containers_tmp$T" \
			"$(mi_fstype /tmp) $(mi_fstype /tmp/pts) $(mi_fstype /tmp/shm)" "tmpfs devpts tmpfs"
		is "dev_symlink_to_tmp_devices_are_made_there$T" "$(res nodes)" \
			"character special file 1:3
character special file 1:5"
	fi

	# No /dev tmpfs: the nodes themselves are made through the symlink.
	hcase dev-tmp-nodes
	rm -rf "${R:?}/dev"
	ln -s /tmp "$R/dev"
	edit_config "$B" "c['mounts'] = [x for x in c['mounts'] if not x['destination'].startswith('/dev')]
c['linux']['devices'] = [{'path': '/dev/evil-node', 'type': 'c', 'major': 1, 'minor': 3}]"
	set_args "$B" sh -c 'stat -c "%F %t:%T" /dev/null /dev/evil-node >/results/nodes 2>&1'
	hrun dev-symlink-to-tmp-without-a-dev-mount "$prop"
	if ran "dev_symlink_to_tmp_without_a_dev_mount_runs"; then
		is "dev_nodes_through_a_symlink_are_made_in_the_rootfs$T" \
			"$(stat -c '%F %t:%T' "$R/tmp/null" "$R/tmp/evil-node" 2>&1)" \
			"character special file 1:3
character special file 1:3"
	fi

	for target in /dev ../../../../../../dev; do
		hcase "dev-loop${target//[^a-z]/_}"
		rm -rf "${R:?}/dev"
		ln -s "$target" "$R/dev"
		hrun "dev-symlink-to-$(echo "$target" | tr -c 'a-z\n' _)" "$prop"
		refused "dev_symlink_to_the_hosts_dev_path_${target//[^a-z]/_}_is_refused" \
			'"/dev".*(Too many levels of symbolic links|loop)'
	done

	hcase dev-out
	rm -rf "${R:?}/dev"
	ln -s "$OUT/dev" "$R/dev"
	set_args "$B" sh -c 'cat /proc/self/mountinfo >/results/mountinfo; ls /dev >/results/dev'
	hrun dev-symlink-to-a-host-path "$prop"
	if ran "dev_symlink_to_a_host_path_runs"; then
		is "dev_symlink_to_a_host_path_lands_inside$T" "$(mi_fstype "$OUT/dev")" tmpfs
		like "dev_symlink_to_a_host_path_has_the_devices$T" "$(res dev)" "^null$"
	fi

	hcase proc-out
	rm -rf "${R:?}/proc"
	ln -s "$OUT/proc" "$R/proc"
	set_args "$B" sh -c 'cat /proc/self/mountinfo >/results/mountinfo
cat /proc/timer_list | wc -c >/results/masked
(echo 1 >/proc/sys/kernel/ns_last_pid) 2>/results/ro; true'
	hrun proc-symlink-to-a-host-path "$prop"
	if ran "proc_symlink_to_a_host_path_runs"; then
		is "proc_symlink_to_a_host_path_lands_inside$T" "$(mi_fstype "$OUT/proc")" proc
		is "proc_symlink_masked_paths_are_masked$T" "$(res masked)" 0
		like "proc_symlink_readonly_paths_are_read_only$T" "$(res ro)" "Read-only file system"
	fi

	hcase proc-loop
	rm -rf "${R:?}/proc"
	ln -s ../../../../../../proc "$R/proc"
	hrun proc-symlink-to-the-hosts-proc "$prop"
	refused "proc_symlink_to_the_hosts_proc_is_refused" \
		'"/proc".*(Too many levels of symbolic links|loop)'

	# A proc mount must not be where the masks go: /proc points into a
	# directory the image controls, with its own "timer_list".
	hcase proc-fake
	rm -rf "${R:?}/proc"
	mkdir -p "$R/fakeproc"
	ln -s /fakeproc "$R/proc"
	set_args "$B" sh -c 'cat /proc/self/mountinfo >/results/mountinfo
cat /proc/timer_list | wc -c >/results/masked'
	hrun proc-symlink-into-the-rootfs "$prop"
	if ran "proc_symlink_into_the_rootfs_runs"; then
		is "proc_symlink_into_the_rootfs_mounts_proc_there$T" "$(mi_fstype /fakeproc)" proc
		is "proc_symlink_into_the_rootfs_masks_the_real_proc$T" "$(res masked)" 0
	fi

	# -------------------------------------------------------------- cwd
	hcase cwd-climb
	ln -s ../../.. "$R/work"
	edit_config "$B" "c['process']['cwd'] = '/work'"
	set_args "$B" sh -c "$CLIMB"
	hrun cwd-symlink-climbing-out "$prop"
	if ran "cwd_symlink_climbing_out_runs"; then
		is "cwd_symlink_climbing_out_is_the_containers_root$T" "$(res climbs)" 0
	fi

	hcase cwd-out
	ln -s "$OUT/hostdir" "$R/work"
	edit_config "$B" "c['process']['cwd'] = '/work'"
	set_args "$B" sh -c 'ls -A >/results/ls'
	hrun cwd-symlink-to-a-host-path "$prop"
	refused "cwd_symlink_to_a_host_path_is_resolved_in_the_root" \
		'cwd \("/work"\).*No such file or directory'

	hcase cwd-relative
	edit_config "$B" "c['process']['cwd'] = '../../..'"
	hrun cwd-relative "$prop"
	refused "relative_cwd_is_refused" '\.process\.cwd.*absolute'

	# ------------------------------------------------------------ devices
	hcase device-out
	ln -s "$OUT/devdir" "$R/devdir"
	ln -s ../../outside/devdir2 "$R/devup"
	edit_config "$B" "c['linux']['devices'] = [
    {'path': '/devdir/mynull', 'type': 'c', 'major': 1, 'minor': 3, 'fileMode': 0o666},
    {'path': '/devup/myzero', 'type': 'c', 'major': 1, 'minor': 5}]"
	set_args "$B" sh -c 'head -c 3 /devdir/mynull /devup/myzero | wc -c >/results/read'
	hrun device-path-through-symlinks "$prop"
	if ran "device_path_through_symlinks_runs"; then
		is "device_path_through_symlinks_lands_inside$T" \
			"$(stat -c '%F %t:%T' "$R$OUT/devdir/mynull" "$R/outside/devdir2/myzero" 2>&1)" \
			"character special file 1:3
character special file 1:5"
	fi

	hcase device-link
	ln -s "$OUT/secret.txt" "$R/devlink"
	ln -s "$OUT/hostdir" "$R/devlinkdir"
	edit_config "$B" "c['linux']['devices'] = [
    {'path': '/devlink', 'type': 'c', 'major': 1, 'minor': 3, 'fileMode': 0o666, 'uid': 1000}]"
	hrun device-path-that-is-a-symlink "$prop"
	refused "device_path_that_is_a_symlink_is_refused" '"/devlink".*another file is at this path'

	# ---------------------------------------- masked and readonly paths
	hcase masked-out
	ln -s "$OUT/secret.txt" "$R/secret"
	ln -s ../../outside/secret.txt "$R/secret-up"
	mkdir -p "$R/outside"
	echo rootfs-secret >"$R/outside/secret.txt"
	ln -s "$OUT/hostdir" "$R/secretdir"
	ln -s "$OUT/rodir" "$R/rolink"
	edit_config "$B" "c['linux']['maskedPaths'] += ['/secret', '/secret-up', '/secretdir']
c['linux']['readonlyPaths'] += ['/rolink']"
	set_args "$B" sh -c 'cat /proc/self/mountinfo >/results/mountinfo
cat /secret-up >/results/secret-up 2>&1; cat /secret >/results/secret 2>&1; true'
	hrun masked-path-through-symlinks "$prop"
	if ran "masked_path_through_symlinks_runs"; then
		is "masked_path_symlink_is_resolved_in_the_root$T" "$(res secret-up)" ""
		is "masked_path_symlink_to_a_missing_file_is_skipped$T" \
			"$(mi "$OUT/secret.txt")$(mi "$OUT/hostdir")" ""
		is "masked_path_leaves_the_rootfs_file_as_it_is$T" "$(cat "$R/outside/secret.txt")" rootfs-secret
	fi
	if touch "$OUT/rodir/host-write" && rm "$OUT/rodir/host-write"; then
		ok "readonly_path_symlink_leaves_the_host_directory_writable$T"
	else
		fail "readonly_path_symlink_leaves_the_host_directory_writable$T"
	fi

	# tmpcopyup copies what the destination holds: a symlink out of the
	# rootfs must not copy the host's files in.
	hcase tmpcopyup-out
	ln -s "$OUT/hostdir" "$R/copy"
	ln -s ../../outside/hostdir "$R/copy-up"
	hmounts '[m("/copy", "tmpfs", "tmpfs", "tmpcopyup", "size=1m"),
    m("/copy-up", "tmpfs", "tmpfs", "tmpcopyup", "size=1m")]'
	set_args "$B" sh -c 'cat /proc/self/mountinfo >/results/mountinfo
ls -A /copy /copy-up >/results/ls 2>&1
cat /copy/secret.txt /copy-up/secret.txt >/results/copied 2>&1
true'
	hrun tmpcopyup-through-symlinks "$prop"
	if ran "tmpcopyup_through_symlinks_runs"; then
		is "tmpcopyup_through_symlinks_lands_inside$T" \
			"$(mi_fstype "$OUT/hostdir") $(mi_fstype /outside/hostdir)" "tmpfs tmpfs"
	fi
done

# ------------------------------------------------------- CVE-2024-21626
# A cwd through /proc/self/fd/N reaches whatever directory the init holds
# open as fd N when it changes into the cwd. Whatever N, the run fails or
# the process's cwd is inside the container: walking up with ".." reaches
# its root.
prop=
for n in 3 4 5 6 7 8 9 10; do
	hcase "cwd-fd-$n"
	edit_config "$B" "c['process']['cwd'] = '/proc/self/fd/$n'"
	set_args "$B" sh -c "$CLIMB"
	T=
	before=$(host_state)
	pt run --bundle "$B" "cwd-fd-$n" >"$B.out" 2>"$B.err" </dev/null
	rc=$?
	err=$(cat "$B.err")
	if [ "$rc" != 0 ] && [[ $err == *"/proc/self/fd/$n"* ]]; then
		ok "cwd_through_fd_${n}_is_refused_or_inside"
	elif [ "$rc" = 0 ] && [ "$(res climbs)" -lt 64 ] 2>/dev/null; then
		ok "cwd_through_fd_${n}_is_refused_or_inside"
	else
		fail "cwd_through_fd_${n}_is_refused_or_inside" "exit status $rc" "stderr: $err" \
			"cwd walked up $(res climbs) times without reaching the root; it lists:" "$(res ls)"
	fi
	is "cwd_through_fd_${n}_leaves_the_host_untouched" "$(host_state)" "$before"
done

# The running process: fds 0 1 2 only, the ones the caller gave, and its cwd
# and root in the rootfs, seen from the host and from inside.
hcase fds
set_args "$B" sh -c 'sleep 60 & p=$!; ls /proc/$p/fd >/results/fds
readlink /proc/self/cwd >/results/cwd
kill $p; exec sleep 60'
pt run --detach --bundle "$B" fds >"$B.out" 2>"$B.err" </dev/null
wait_status fds running 10
pid=$(state_field fds pid)
# The probe has written its results and exec'd the last sleep.
for _ in $(seq 1 200); do
	[ -s "$B/results/cwd" ] &&
		[[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == "sleep 60 " ]] && break
	sleep 0.05
done
fds=$(for f in "/proc/$pid"/fd/*; do echo "${f##*/} $(readlink "$f")"; done | sort -n)
is "running_process_has_only_the_callers_stdio" "$fds" "0 /dev/null
1 $B.out
2 $B.err"
if [ -n "$pid" ] && [ "/proc/$pid/cwd" -ef "$R" ] && [ "/proc/$pid/root" -ef "$R" ]; then
	ok "running_process_cwd_and_root_are_the_rootfs"
else
	fail "running_process_cwd_and_root_are_the_rootfs" "pid $pid" \
		"cwd: $(readlink "/proc/$pid/cwd")" "root: $(readlink "/proc/$pid/root")"
fi
is "inside_a_child_of_the_process_has_fds_0_1_2_only" "$(res fds | tr '\n' ' ')" "0 1 2 "
is "inside_proc_self_cwd_is_the_root" "$(res cwd)" /
pt delete --force fds >/dev/null 2>&1

is "no_state_is_left_behind" "$(state_dirs)" ""
tap_done
