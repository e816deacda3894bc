#!/bin/bash
# The container's filesystem as petrel's rootfs module builds it, checked
# from inside the container (through tests/helpers/rootfs-harness, which runs
# prepare, pivot and finalize as the init does) and from the host: default
# mounts and devices, masked and readonly paths, the read-only root, bind
# flags, linux.devices, a hostile rootfs whose symlinks point out of it, the
# errors, and that the host's mount table is the same afterwards. Runs in a
# temporary directory; needs root. Prints TAP. ROOTFS_HARNESS names the
# harness (default: $top_builddir/tests/helpers/rootfs-harness).

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"
HARNESS=${ROOTFS_HARNESS:-${top_builddir:-$top/build}/tests/helpers/rootfs-harness}

if [ "$(id -u)" != 0 ]; then
	skip "rootfs_integration" "needs root"
	tap_done
	exit
fi
if [ ! -x "$HARNESS" ] || [ ! -x /bin/busybox ]; then
	fail "rootfs_harness_and_busybox_are_present" "harness: $HARNESS"
	tap_done
	exit
fi

host_mounts() {
	awk '{print $5, $9}' /proc/self/mountinfo | sort
}

tmp=$(mktemp -d /tmp/petrel-rootfs.XXXXXX) || exit 1
cleanup() {
	# Never rm -rf through a mount that leaked to the host.
	grep -F " $tmp" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do
		umount -l "$m"
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
# The bundle lives on a shared mount, as on a systemd host: a mount that
# escaped the container's namespace would propagate back here.
mount --bind "$tmp" "$tmp" && mount --make-shared "$tmp" || exit 1
mounts_before=$(host_mounts)

rootfs=$tmp/rootfs
"$top/contrib/make-busybox-rootfs.sh" "$rootfs" >/dev/null || exit 1
mkdir -p "$tmp"/{results,src-ro,src-flags,hostdir,hostdir2,fakedev} \
	"$rootfs"/{ro-dir,masked-dir,tmpcopy/sub}
echo secret >"$rootfs/masked-dir/file"
echo secret >"$rootfs/masked-file"
echo copied >"$rootfs/tmpcopy/sub/file"
ln -s target "$rootfs/tmpcopy/link"
echo source-file >"$tmp/src-file"
touch "$tmp/fakedev/null"
# The hostile part: symlinks that point out of the rootfs.
ln -s /etc "$rootfs/evil"
ln -s "$tmp/hostdir" "$rootfs/evil2"
ln -s "$tmp/hostdir2" "$rootfs/evildev"
ln -s /opt/petrel-made/file "$rootfs/dangling"

# What the container reports, into /results (a bind of $tmp/results).
script='R=/results
cat /proc/self/mountinfo >$R/mountinfo
for d in null zero full random urandom tty custom myfifo; do
	stat -c "%n|%F|%t|%T|%a|%u|%g" /dev/$d
done >$R/devices 2>&1
for l in fd stdin stdout stderr ptmx core; do echo "$l $(readlink /dev/$l)"; done >$R/links
head -c 100 /proc/timer_list | wc -c >$R/timer_list
cat /masked-file >$R/masked-file 2>&1
ls -A /sys/firmware >$R/firmware
ls -A /masked-dir >$R/masked-dir
touch /ro-dir/x 2>$R/ro-dir || echo failed >>$R/ro-dir
touch /newfile 2>$R/root-ro || echo failed >>$R/root-ro
touch /ro-bind/x 2>$R/ro-bind || echo failed >>$R/ro-bind
(echo 1 >/proc/sys/kernel/ns_last_pid) 2>$R/proc-sys || echo failed >>$R/proc-sys
ls -A /etc >$R/etc
cat /opt/petrel-made/file >$R/dangling 2>&1
cat /tmpcopy/sub/file >$R/tmpcopy 2>&1
readlink /tmpcopy/link >>$R/tmpcopy 2>&1
head -c 4 /dev/zero | wc -c >$R/zero
echo finished >$R/finished'

# write_config DIR VARIANT: config.json for one run.
write_config() {
	mkdir -p "$1"
	python3 - "$1/config.json" "$2" "$tmp" "$rootfs" "$script" <<'PY'
import json, sys
path, variant, tmp, rootfs, script = sys.argv[1:]
def m(dest, typ, src, *opts):
    return {"destination": dest, "type": typ, "source": src, "options": list(opts)}
mounts = [
    m("/proc", "proc", "proc"),
    m("/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k"),
    m("/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666",
      "mode=0620", "gid=5"),
    m("/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k"),
    m("/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev"),
    m("/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro"),
    m("/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime", "ro"),
    m("/results", "bind", tmp + "/results", "rbind", "rw"),
    m("/ro-bind", "none", tmp + "/src-ro", "bind", "ro"),
    m("/flags-bind", "none", tmp + "/src-flags", "bind", "nosuid", "nodev", "noexec", "shared"),
    m("/rec-attrs", "tmpfs", "tmpfs", "rro", "rnoexec", "size=1m"),
    m("/evil", "tmpfs", "tmpfs", "size=1m"),
    m("/evil2/sub", "tmpfs", "tmpfs", "size=1m"),
    m("/dangling", "none", tmp + "/src-file", "bind", "ro"),
    m("/tmpcopy", "tmpfs", "tmpfs", "tmpcopyup", "size=1m"),
]
devices = [
    {"path": "/dev/custom", "type": "c", "major": 1, "minor": 7, "fileMode": 0o600,
     "uid": 1000, "gid": 1001},
    {"path": "/dev/myfifo", "type": "p", "fileMode": 0o640},
    {"path": "/evildev/node", "type": "c", "major": 1, "minor": 3},
]
c = {
    "ociVersion": "1.2.0",
    "process": {"args": ["/bin/sh", "-c", script], "cwd": "/",
                "env": ["PATH=/bin", "HOSTTMP=" + tmp], "user": {"uid": 0, "gid": 0}},
    "root": {"path": rootfs, "readonly": True},
    "mounts": mounts,
    "linux": {
        "devices": devices,
        "maskedPaths": ["/proc/kcore", "/proc/timer_list", "/sys/firmware", "/masked-dir",
                        "/masked-file", "/proc/nonexistent"],
        "readonlyPaths": ["/proc/sys", "/ro-dir", "/nonexistent-ro"],
    },
}
if variant == "userns":
    # mknod is not permitted: no custom character devices without a host node
    c["linux"]["devices"] = [d for d in devices if d["type"] == "p"]
elif variant == "missing-rootfs":
    c["root"]["path"] = "no-such-rootfs"
elif variant == "bad-option":
    c["mounts"] = [m("/proc", "proc", "proc", "nosuid", "foo=bar")]
elif variant == "fake-null":
    # /dev bound from a directory whose "null" is a regular file: masking
    # with it must be refused
    c["mounts"] = [m("/proc", "proc", "proc"), m("/dev", "bind", tmp + "/fakedev", "bind")]
    c["linux"] = {"maskedPaths": ["/proc/timer_list"]}
elif variant == "bad-propagation":
    c["linux"]["rootfsPropagation"] = "sideways"
elif variant == "idmap":
    idm = m("/idmapped", "bind", tmp + "/src-flags", "rbind", "idmap")
    idm["uidMappings"] = [{"containerID": 0, "hostID": 1000, "size": 1}]
    idm["gidMappings"] = [{"containerID": 0, "hostID": 2000, "size": 1}]
    c["mounts"] = [m("/proc", "proc", "proc"), m("/results", "bind", tmp + "/results", "rbind"), idm]
    c["linux"] = {}
    c["process"]["args"] = ["/bin/sh", "-c", "stat -c %u:%g /idmapped/owned >/results/idmap"]
elif variant == "shared":
    c["linux"]["rootfsPropagation"] = "rshared"
with open(path, "w") as f:
    json.dump(c, f, indent=1)
PY
}

# run_harness VARIANT [HARNESS FLAGS...]: runs a fresh bundle; $rc, $err,
# and the results in $tmp/results.
run_harness() {
	local variant=$1
	shift
	rm -rf "$tmp/results" && mkdir -p "$tmp/results"
	write_config "$tmp/bundle-$variant" "$variant"
	"$HARNESS" "$@" "$tmp/bundle-$variant" >"$tmp/stdout" 2>"$tmp/stderr"
	rc=$?
	err=$(cat "$tmp/stderr")
}

result() {
	cat "$tmp/results/$1" 2>/dev/null
}

# mountinfo_line MOUNT_POINT: the container's last mountinfo line for it.
mountinfo_line() {
	awk -v mp="$1" '$5 == mp' "$tmp/results/mountinfo" | tail -n 1
}

# mount_options MOUNT_POINT: its per-mount options; fstype FSTYPE.
mount_options() {
	mountinfo_line "$1" | awk '{print $6}'
}
mount_fstype() {
	mountinfo_line "$1" | awk '{for (i = 7; i <= NF; i++) if ($i == "-") {print $(i + 1); exit}}'
}

has_option() { # OPTIONS NAME
	case ",$1," in *",$2,"*) return 0 ;; esac
	return 1
}

# option_is_set NAME MOUNT_POINT OPTION: a test that the container's mount
# at MOUNT_POINT has the per-mount OPTION.
option_is_set() {
	if has_option "$(mount_options "$2")" "$3"; then
		ok "$1"
	else
		fail "$1" "$(mountinfo_line "$2")"
	fi
}

# ------------------------------------------------------------ the full run
run_harness full
if [ "$rc" = 0 ] && [ "$(result finished)" = finished ]; then
	ok "harness_runs_the_process_in_the_new_root"
else
	fail "harness_runs_the_process_in_the_new_root" "exit status: $rc" "stderr: $err"
fi

is "proc_is_mounted_at_proc" "$(mount_fstype /proc)" proc
is "dev_is_a_tmpfs" "$(mount_fstype /dev)" tmpfs
is "dev_shm_is_a_tmpfs" "$(mount_fstype /dev/shm)" tmpfs
is "dev_mqueue_is_mqueue" "$(mount_fstype /dev/mqueue)" mqueue
is "sys_is_sysfs" "$(mount_fstype /sys)" sysfs
option_is_set "sys_is_read_only" /sys ro

pts=$(mountinfo_line /dev/pts)
pts_dev=$(echo "$pts" | awk '{print $3}')
if [ "$(mount_fstype /dev/pts)" = devpts ] && [[ $pts == *ptmxmode=666* ]] &&
	! awk '$9 == "devpts" {print $3}' /proc/self/mountinfo | grep -qx "$pts_dev"; then
	ok "dev_pts_is_a_new_devpts_instance"
else
	fail "dev_pts_is_a_new_devpts_instance" "container: $pts"
fi

for spec in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
	IFS=: read -r name major minor <<<"$spec"
	is "default_device_${name}_is_character_${major}_${minor}_mode_666" \
		"$(grep "^/dev/$name|" "$tmp/results/devices")" \
		"/dev/$name|character special file|$major|$minor|666|0|0"
done
is "dev_zero_reads_zeros_and_dev_null_takes_writes" "$(result zero)" 4

links=$(result links)
for want in "fd /proc/self/fd" "stdin /proc/self/fd/0" "stdout /proc/self/fd/1" \
	"stderr /proc/self/fd/2" "ptmx pts/ptmx"; do
	like "dev_symlink_${want%% *}" "$links" "^$want\$"
done
if [ -e /proc/kcore ]; then
	like "dev_core_links_to_kcore" "$links" "^core /proc/kcore$"
else
	like "dev_core_is_absent_without_kcore" "$links" "^core $"
fi

is "linux_devices_entry_has_its_number_mode_and_owner" \
	"$(grep '^/dev/custom|' "$tmp/results/devices")" \
	"/dev/custom|character special file|1|7|600|1000|1001"
is "linux_devices_fifo_is_made_with_its_mode" \
	"$(grep '^/dev/myfifo|' "$tmp/results/devices" | cut -d'|' -f2,5)" "fifo|640"

is "masked_proc_file_reads_empty" "$(result timer_list)" 0
is "masked_file_reads_empty" "$(result masked-file)" ""
is "masked_directory_is_empty" "$(result firmware)$(result masked-dir)" ""
if [ "$(mount_fstype /sys/firmware)" = tmpfs ] &&
	has_option "$(mount_options /sys/firmware)" ro; then
	ok "masked_directory_is_a_read_only_tmpfs"
else
	fail "masked_directory_is_a_read_only_tmpfs" "$(mountinfo_line /sys/firmware)"
fi
option_is_set "readonly_path_proc_sys_is_read_only" /proc/sys ro
like "readonly_path_proc_sys_refuses_writes" "$(result proc-sys)" "Read-only file system"
like "readonly_path_is_not_writable" "$(result ro-dir)" "Read-only file system"
like "root_readonly_makes_the_root_read_only" "$(result root-ro)" "Read-only file system"
like "bind_with_ro_is_read_only" "$(result ro-bind)" "Read-only file system"
option_is_set "bind_with_ro_shows_ro_in_mountinfo" /ro-bind ro
opts=$(mount_options /flags-bind)
if has_option "$opts" nosuid && has_option "$opts" nodev && has_option "$opts" noexec &&
	has_option "$opts" rw; then
	ok "bind_with_nosuid_nodev_noexec_has_those_flags"
else
	fail "bind_with_nosuid_nodev_noexec_has_those_flags" "$(mountinfo_line /flags-bind)"
fi
if [[ $(mountinfo_line /flags-bind) == *" shared:"* ]]; then
	ok "bind_propagation_option_is_applied"
else
	fail "bind_propagation_option_is_applied" "$(mountinfo_line /flags-bind)"
fi
opts=$(mount_options /rec-attrs)
if has_option "$opts" ro && has_option "$opts" noexec && [ "$(mount_fstype /rec-attrs)" = tmpfs ]; then
	ok "recursive_attributes_apply_to_a_new_filesystem"
else
	fail "recursive_attributes_apply_to_a_new_filesystem" "$(mountinfo_line /rec-attrs)"
fi
is "tmpcopyup_copies_the_directory_into_the_tmpfs" "$(result tmpcopy)" "copied
target"

# The hostile rootfs.
if [ "$(mount_fstype /etc)" = tmpfs ] && [ -z "$(result etc)" ]; then
	ok "absolute_symlink_destination_lands_inside_the_rootfs"
else
	fail "absolute_symlink_destination_lands_inside_the_rootfs" \
		"/etc: $(mountinfo_line /etc)" "ls /etc: $(result etc)"
fi
if ! awk '$5 == "/etc"' /proc/self/mountinfo | grep -q . && [ -s /etc/passwd ]; then
	ok "hosts_etc_is_untouched"
else
	fail "hosts_etc_is_untouched"
fi
if [ -z "$(ls -A "$tmp/hostdir")$(ls -A "$tmp/hostdir2")" ] && [ -d "$rootfs$tmp/hostdir/sub" ]; then
	ok "symlink_to_a_host_path_creates_the_destination_inside_the_rootfs"
else
	fail "symlink_to_a_host_path_creates_the_destination_inside_the_rootfs" \
		"$(ls -lA "$tmp/hostdir" "$tmp/hostdir2" 2>&1)"
fi
if [ -c "$rootfs$tmp/hostdir2/node" ]; then
	ok "device_behind_a_symlink_is_made_inside_the_rootfs"
else
	fail "device_behind_a_symlink_is_made_inside_the_rootfs"
fi
if [ "$(result dangling)" = source-file ] && [ ! -e /opt/petrel-made ] &&
	[ -f "$rootfs/opt/petrel-made/file" ]; then
	ok "dangling_symlink_destination_is_created_inside_the_rootfs"
else
	fail "dangling_symlink_destination_is_created_inside_the_rootfs" "$(result dangling)"
fi
# Only one mount at "/", the rootfs: the old root is detached.
roots=$(awk '$5 == "/" {print $4}' "$tmp/results/mountinfo")
is "old_root_is_detached_and_the_rootfs_is_the_root" "$roots" "$rootfs"

# The cgroup mount shows only the init's own cgroup.
if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
	own=$(sed -n 's/^0:://p' /proc/self/cgroup)
	line=$(mountinfo_line /sys/fs/cgroup)
	if [ "$(echo "$line" | awk '{print $4}')" = "$own" ] && has_option "$(mount_options /sys/fs/cgroup)" ro; then
		ok "cgroup_mount_is_the_inits_own_cgroup_read_only"
	else
		fail "cgroup_mount_is_the_inits_own_cgroup_read_only" "$line" "own: $own"
	fi
else
	own=$(awk -F: '$2 == "memory" {print $3}' /proc/self/cgroup)
	line=$(mountinfo_line /sys/fs/cgroup/memory)
	if [ "$(mount_fstype /sys/fs/cgroup)" = tmpfs ] &&
		has_option "$(mount_options /sys/fs/cgroup)" ro &&
		[ "$(echo "$line" | awk '{print $4}')" = "$own" ] &&
		has_option "$(mount_options /sys/fs/cgroup/memory)" ro; then
		ok "cgroup_v1_is_a_tmpfs_of_the_inits_own_cgroups_read_only"
	else
		fail "cgroup_v1_is_a_tmpfs_of_the_inits_own_cgroups_read_only" \
			"tmpfs: $(mountinfo_line /sys/fs/cgroup)" "memory: $line" "own: $own"
	fi
fi

# ---------------------------------------------------- in a user namespace
run_harness userns --userns
if [ "$rc" = 0 ] && [ "$(result finished)" = finished ]; then
	ok "userns_harness_runs_the_process"
	if [ -n "$(mountinfo_line /dev/null)" ] &&
		grep -qx '/dev/null|character special file|1|3|666|0|0' "$tmp/results/devices"; then
		ok "userns_default_devices_are_binds_of_the_hosts_nodes"
	else
		fail "userns_default_devices_are_binds_of_the_hosts_nodes" "$(result devices)"
	fi
	if [ "$(mount_fstype /sys)" = sysfs ] && has_option "$(mount_options /sys)" ro; then
		ok "userns_sys_falls_back_to_a_read_only_bind"
	else
		fail "userns_sys_falls_back_to_a_read_only_bind" "$(mountinfo_line /sys)"
	fi
	like "userns_root_is_read_only" "$(result root-ro)" "Read-only file system"
	is "userns_masked_file_reads_empty" "$(result timer_list)" 0
	like "userns_readonly_path_is_not_writable" "$(result ro-dir)" "Read-only file system"
	is "userns_fifo_is_made" "$(grep '^/dev/myfifo|' "$tmp/results/devices" | cut -d'|' -f2)" fifo
else
	fail "userns_harness_runs_the_process" "exit status: $rc" "stderr: $err"
fi

# -------------------------------------------------------------- other runs
run_harness nopivot --no-pivot
if [ "$rc" = 0 ] && [ "$(mount_fstype /proc)" = proc ]; then
	ok "no_pivot_moves_the_rootfs_and_chroots"
else
	fail "no_pivot_moves_the_rootfs_and_chroots" "exit status: $rc" "stderr: $err"
fi
like "no_pivot_root_is_read_only" "$(result root-ro)" "Read-only file system"

run_harness shared
if [ "$rc" = 0 ] && [[ $(mountinfo_line /) == *shared:* ]]; then
	ok "rshared_rootfs_propagation_makes_the_root_shared"
else
	fail "rshared_rootfs_propagation_makes_the_root_shared" "exit status: $rc" \
		"stderr: $err" "$(mountinfo_line /)"
fi

if [ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ]; then
	run_harness cgroupns --cgroupns
	line=$(mountinfo_line /sys/fs/cgroup/memory)
	if [ "$rc" = 0 ] && [ "$(mount_fstype /sys/fs/cgroup/memory)" = cgroup ] &&
		[ "$(echo "$line" | awk '{print $4}')" = / ]; then
		ok "cgroupns_mounts_each_v1_hierarchy_at_the_namespace_root"
	else
		fail "cgroupns_mounts_each_v1_hierarchy_at_the_namespace_root" "exit status: $rc" \
			"stderr: $err" "$line"
	fi
else
	skip "cgroupns_mounts_each_v1_hierarchy_at_the_namespace_root" "cgroup v2 host"
fi

touch "$tmp/src-flags/owned"
run_harness idmap
if [ "$rc" = 0 ] && [ "$(result idmap)" = 1000:2000 ]; then
	ok "idmap_mount_shows_files_through_the_mounts_mapping"
elif [[ $err == *"idmap: Invalid argument"* || $err == *"idmap: Operation not supported"* ]]; then
	skip "idmap_mount_shows_files_through_the_mounts_mapping" "no idmapped mounts here: $err"
else
	fail "idmap_mount_shows_files_through_the_mounts_mapping" "exit status: $rc" "stderr: $err" \
		"owner: $(result idmap)"
fi

# ------------------------------------------------------------------ errors
run_harness missing-rootfs
if [ "$rc" = 125 ] && [[ $err == *"rootfs \"$tmp/bundle-missing-rootfs/no-such-rootfs\": No such file or directory"* ]]; then
	ok "missing_rootfs_is_a_clear_error"
else
	fail "missing_rootfs_is_a_clear_error" "exit status: $rc" "stderr: $err"
fi

run_harness bad-option
if [ "$rc" = 125 ] &&
	[[ $err == *'mount "proc" on "/proc" (type proc, options "nosuid,foo=bar"): Invalid argument'* ]]; then
	ok "mount_error_names_the_mount_and_its_options"
else
	fail "mount_error_names_the_mount_and_its_options" "exit status: $rc" "stderr: $err"
fi

run_harness fake-null
if [ "$rc" = 125 ] && [[ $err == *"/dev/null in the container is not the null device"* ]]; then
	ok "masking_refuses_a_dev_null_that_is_not_the_null_device"
else
	fail "masking_refuses_a_dev_null_that_is_not_the_null_device" "exit status: $rc" "stderr: $err"
fi

run_harness bad-propagation
if [ "$rc" = 125 ] && [[ $err == *'.linux.rootfsPropagation: unknown value "sideways"'* ]]; then
	ok "unknown_rootfs_propagation_is_refused"
else
	fail "unknown_rootfs_propagation_is_refused" "exit status: $rc" "stderr: $err"
fi

# ------------------------------------------------------------------ the host
is "host_mount_table_is_unchanged" "$(host_mounts)" "$mounts_before"

tap_done
