#!/bin/bash
# The container's filesystem as `petrel run` builds it, seen from inside
# (/proc/self/mountinfo, stat, writes) and from the host: root.path
# (relative to the bundle or absolute), root.readonly, pivot_root and
# --no-pivot, linux.rootfsPropagation (what crosses between the host and the
# container in each mode), config.json's mounts in order with every type and
# option of the spec's table (bind flags, recursive attributes on submounts,
# propagation, nosymfollow, idmap, filesystem data), destinations created to
# match their source, /dev (default nodes, symlinks, a new devpts, devices
# from linux.devices, also in a user namespace), masked and readonly paths,
# the cgroup mounts, and failed creates that leave nothing behind. Each
# bundle has its own copy of the busybox rootfs. Needs root; prints TAP.
# PETREL names the binary (default: $top_builddir/petrel).

. "$(dirname "$0")/../lib/integration.sh" mounts_integration

trap cleanup_all EXIT

umask 022
# Relative paths must be taken from the bundle, never from the cwd.
cd / || exit 1

# The test directory is a mount of its own, shared with nothing but the
# containers made here (as / is on a systemd host): what crosses between the
# host and a container is then visible.
share_test_dir || exit 1
H=$TEST_TMP/host
mkdir -p "$H"/{tree/sub,tree/rosub,tree/flagsub,rosrc,rw-src,flags,symdir,dirsrc} \
	"$H"/{ovl/lower,ovl/upper,ovl/work,shared,idmap/dir}
echo top >"$H/tree/top.txt"
mount -t tmpfs -o size=1m petrel-sub "$H/tree/sub" && echo subfile >"$H/tree/sub/subfile" &&
	printf '#!/bin/sh\necho ran\n' >"$H/tree/sub/script.sh" && chmod 755 "$H/tree/sub/script.sh" &&
	mount --bind "$H/rosrc" "$H/tree/rosub" && mount -o remount,bind,ro "$H/tree/rosub" &&
	mount -t tmpfs -o size=1m,nosuid,nodev,noexec,noatime,nodiratime,nosymfollow petrel-flagsub \
		"$H/tree/flagsub" &&
	mount -t tmpfs -o size=1m petrel-shared "$H/shared" && mkdir "$H/shared/sub" &&
	mount -t tmpfs -o size=1m petrel-shared-sub "$H/shared/sub" || exit 1
cp /bin/busybox "$H/flags/busybox"
mknod -m 666 "$H/flags/null" c 1 3
echo sym-target >"$H/symdir/target.txt"
ln -s target.txt "$H/symdir/link"
echo file-source >"$H/filesrc.txt"
echo lower >"$H/ovl/lower/lower.txt"
touch "$H/idmap/root-owned" "$H/idmap/dir/root-owned" "$H/idmap/owned-1000"
chown 1000:1000 "$H/idmap/owned-1000"
host_mounts_before=$(host_mounts)

# bundle NAME: $TEST_TMP/NAME with its own copy of the busybox rootfs (some
# tests create files in it) and the default config.
bundle() {
	B=$TEST_TMP/$1
	make_bundle "$B"
	rm "$B/rootfs"
	cp -a "$ROOTFS_CACHE" "$B/rootfs"
	mkdir -p "$B/results"
}

# add_mounts NAME PYTHON_LIST: appends mounts; m(dest, type, source, *opts)
# builds one, H is the host directory, B the bundle.
add_mounts() {
	H=$H B=$TEST_TMP/$1 edit_config "$TEST_TMP/$1" '
import os
H, B = os.environ["H"], os.environ["B"]
def m(dest, typ, src, *opts):
    return {"destination": dest, "type": typ, "source": src, "options": list(opts)}
c["mounts"] += '"$2"
}

# run_ctr NAME [FLAGS...]: petrel run of bundle NAME; status in $rc, stderr
# in $err, stdout in $out.
run_ctr() {
	local name=$1
	shift
	pt run "$@" --bundle "$TEST_TMP/$name" "$name" >"$TEST_TMP/$name.out" \
		2>"$TEST_TMP/$name.err" </dev/null
	rc=$?
	out=$(cat "$TEST_TMP/$name.out")
	err=$(cat "$TEST_TMP/$name.err")
}

# res KEY: what the probe of the current bundle ($B) wrote under KEY.
res() {
	cat "$B/results/$1" 2>/dev/null
}

# mi MOUNT_POINT: the last line of the container's mountinfo for it.
mi() {
	awk -v mp="$1" '$5 == mp' "$B/results/mountinfo" | tail -n 1
}
mi_opts() { mi "$1" | awk '{print $6}'; }
mi_fstype() { mi "$1" | awk '{for (i = 7; i <= NF; i++) if ($i == "-") {print $(i + 1); exit}}'; }
mi_super() { mi "$1" | awk '{for (i = 7; i <= NF; i++) if ($i == "-") {print $(i + 3); exit}}'; }
# The optional fields (shared:N master:N unbindable) of the mount.
mi_prop() { mi "$1" | awk '{s = ""; for (i = 7; $i != "-"; i++) s = s " " $i; print s}'; }
has_opt() { [[ ",$1," == *",$2,"* ]]; }

# options_are NAME FIELD MOUNT_POINT WANT...: each WANT is an option the
# mount's FIELD (mi_opts: per-mount, mi_super: the superblock's) has, or
# !OPTION one it does not have. opts_are and super_has pick the field.
options_are() {
	local name=$1 field=$2 mp=$3 o opts missing=()
	shift 3
	opts=$("$field" "$mp")
	for o in "$@"; do
		if [[ $o == !* ]]; then
			has_opt "$opts" "${o#!}" && missing+=("$o")
		else
			has_opt "$opts" "$o" || missing+=("$o")
		fi
	done
	if [ -n "$opts" ] && [ ${#missing[@]} -eq 0 ]; then
		ok "$name"
	else
		fail "$name" "mountinfo: $(mi "$mp")" "not as expected: ${missing[*]}"
	fi
}
opts_are() { options_are "$1" mi_opts "${@:2}"; }
super_has() { options_are "$1" mi_super "${@:2}"; }

# The probe: runs inside, writes what it sees into /results (a bind of
# $B/results). try KEY CMD... stores CMD's output and exit status.
PROBE='R=/results
try() { k=$1; shift; "$@" >$R/$k 2>&1; echo "rc=$?" >>$R/$k; }
cat /proc/self/mountinfo >$R/mountinfo
for d in null zero full random urandom tty ptmx pts/ptmx custom-c custom-b custom-p; do
	stat -c "%n|%F|%t|%T|%a|%u|%g" /dev/$d
done >$R/devices 2>&1
for l in fd stdin stdout stderr ptmx core; do echo "$l $(readlink /dev/$l)"; done >$R/links
stat -c %d /dev/pts >$R/pts-dev
stat -L -c %d /dev/ptmx >$R/ptmx-dev
try zero sh -c "head -c 5 /dev/zero | wc -c"
try devnull sh -c "echo x >/dev/null"
try root-write touch /newfile
try ord ls /ord
try rev ls /rev
try bind-tree ls /bind-tree/sub
try rbind-tree cat /rbind-tree/sub/subfile
try ro-bind touch /ro-bind/x
try rw-tmpfs touch /rw-tmpfs/x
try ro-tmpfs touch /ro-tmpfs/x
try noexec-bind /flags-bind/busybox true
try nodev-bind sh -c "echo x >/flags-bind/null"
try exec-bind /exec-bind/busybox true
try rro-top touch /rro-tree/x
try rro-sub touch /rro-tree/sub/x
try ro-top touch /ro-tree/x
try ro-sub touch /ro-tree/sub/x
try rrw-sub touch /rrw-tree/rosub/x
try rnoexec-sub /rflags-tree/sub/script.sh
try exec-sub /rbind-tree/sub/script.sh
try nosymfollow-cat cat /nsf/link
try nosymfollow-readlink readlink /nsf/link
try symfollow-cat cat /sf/link
try data-tmpfs stat -c %a /data-tmpfs
try dir-dest stat -c %F /new/dir/deep
try file-dest cat /new/file/deep.txt
try tmpfs-dest stat -c %F /new/tmpfs-here
try ovl-read cat /ovl/lower.txt
try ovl-write sh -c "echo upper >/ovl/new.txt"
try masked-file cat /masked-file
try masked-proc sh -c "cat /proc/timer_list | wc -c"
try masked-dir ls -A /masked-dir
try masked-dir-write touch /masked-dir/x
try ro-path touch /ro-dir/x
try ro-proc-sys sh -c "echo 1 >/proc/sys/kernel/ns_last_pid"
try cgroup-write mkdir /sys/fs/cgroup/memory/petrel-test
try cgroup2-write mkdir /cg2/petrel-test
try shm-write touch /dev/shm/x
try remount touch /remount/x
try remount-bind touch /remount-bind/x
try tmpcopy sh -c "cat /tmpcopy/copied.txt && touch /tmpcopy/new"
echo finished >$R/finished'

# ------------------------------------------------------------ the main run
bundle main
set_args "$B" sh -c "$PROBE"
add_mounts main '[
    m("/results", "bind", B + "/results", "rbind", "rw"),
    m("/ord", "tmpfs", "ord", "size=1m"),
    m("/ord/sub", "tmpfs", "ord-sub", "size=1m"),
    m("/rev/sub", "tmpfs", "rev-sub", "size=1m"),
    m("/rev", "tmpfs", "rev", "size=1m"),
    m("/bind-tree", "bind", H + "/tree", "bind"),
    m("/rbind-tree", "bind", H + "/tree", "rbind"),
    m("/ro-bind", "none", H + "/rw-src", "bind", "ro"),
    m("/rw-tmpfs", "tmpfs", "tmpfs", "rw", "size=1m"),
    m("/ro-tmpfs", "tmpfs", "tmpfs", "ro", "size=1m"),
    m("/flags-bind", "bind", H + "/flags", "bind", "nosuid", "nodev", "noexec"),
    m("/exec-bind", "bind", H + "/flags", "bind", "noexec", "exec", "nosuid", "suid"),
    m("/flags-tmpfs", "tmpfs", "tmpfs", "nosuid", "nodev", "noexec", "size=1m"),
    m("/at-bind-noatime", "bind", H + "/rw-src", "bind", "noatime"),
    m("/at-bind-strict", "bind", H + "/rw-src", "bind", "strictatime"),
    m("/at-bind-nodiratime", "bind", H + "/rw-src", "bind", "nodiratime"),
    m("/at-tmpfs-noatime", "tmpfs", "tmpfs", "noatime", "size=1m"),
    m("/at-tmpfs-strict", "tmpfs", "tmpfs", "strictatime", "size=1m"),
    m("/at-tmpfs-relatime", "tmpfs", "tmpfs", "strictatime", "relatime", "size=1m"),
    m("/rro-tree", "bind", H + "/tree", "rbind", "rro"),
    m("/ro-tree", "bind", H + "/tree", "rbind", "ro"),
    m("/rrw-tree", "bind", H + "/tree", "rbind", "rrw"),
    m("/rflags-tree", "bind", H + "/tree", "rbind", "rnosuid", "rnodev", "rnoexec",
      "rnoatime", "rnodiratime", "rnosymfollow"),
    m("/rstrict-tree", "bind", H + "/tree", "rbind", "rnoatime", "rstrictatime"),
    m("/flags-top-tree", "bind", H + "/tree", "rbind", "nosuid", "nodev", "noexec"),
    m("/rclear-tree", "bind", H + "/tree", "rbind", "rsuid", "rdev", "rexec", "rdiratime",
      "rsymfollow", "ratime"),
    m("/rrel-tree", "bind", H + "/tree", "rbind", "rrelatime"),
    m("/rnostrict-tree", "bind", H + "/tree", "rbind", "rstrictatime", "rnostrictatime"),
    m("/rnorel-tree", "bind", H + "/tree", "rbind", "rnorelatime"),
    m("/clear-bind", "bind", H + "/tree/flagsub", "bind", "dev", "suid", "exec", "symfollow",
      "diratime"),
    m("/sb-opts", "tmpfs", "tmpfs", "defaults", "sync", "dirsync", "lazytime", "iversion",
      "noiversion", "silent", "loud", "size=1m"),
    m("/sb-undo", "tmpfs", "tmpfs", "sync", "async", "lazytime", "nolazytime", "mand", "nomand",
      "atime", "diratime", "norelatime", "nostrictatime", "size=1m"),
    m("/remount", "tmpfs", "tmpfs", "size=1m"),
    m("/remount", "tmpfs", "tmpfs", "remount", "ro", "size=1m"),
    m("/remount-bind", "bind", H + "/rw-src", "bind"),
    m("/remount-bind", "bind", H + "/rw-src", "bind", "remount", "ro"),
    m("/tmpcopy", "tmpfs", "tmpfs", "tmpcopyup", "size=1m"),
    m("/p-shared", "bind", H + "/shared", "rbind", "shared"),
    m("/p-rshared", "bind", H + "/shared", "rbind", "rshared"),
    m("/p-private", "bind", H + "/shared", "rbind", "private"),
    m("/p-rprivate", "bind", H + "/shared", "rbind", "rprivate"),
    m("/p-slave", "bind", H + "/shared", "rbind", "rshared", "slave"),
    m("/p-rslave", "bind", H + "/shared", "rbind", "rshared", "rslave"),
    m("/p-unbindable", "bind", H + "/shared", "rbind", "unbindable"),
    m("/p-runbindable", "bind", H + "/shared", "rbind", "runbindable"),
    m("/p-tmpfs-shared", "tmpfs", "tmpfs", "shared", "size=1m"),
    m("/nsf", "bind", H + "/symdir", "bind", "nosymfollow"),
    m("/sf", "bind", H + "/symdir", "bind", "nosymfollow", "symfollow"),
    m("/data-tmpfs", "tmpfs", "tmpfs", "size=1m", "mode=700"),
    m("/new/dir/deep", "bind", H + "/dirsrc", "bind"),
    m("/new/file/deep.txt", "bind", H + "/filesrc.txt", "bind"),
    m("/new/tmpfs-here", "tmpfs", "tmpfs", "size=1m"),
    m("/ovl", "overlay", "overlay", "lowerdir=" + H + "/ovl/lower",
      "upperdir=" + H + "/ovl/upper", "workdir=" + H + "/ovl/work"),
    m("/cg2", "cgroup2", "cgroup2", "nosuid", "noexec", "nodev", "ro"),
]
c["linux"]["devices"] = [
    {"path": "/dev/custom-c", "type": "c", "major": 1, "minor": 7, "fileMode": 0o640,
     "uid": 1000, "gid": 1001},
    {"path": "/dev/custom-b", "type": "b", "major": 7, "minor": 200, "fileMode": 0o600},
    {"path": "/dev/custom-p", "type": "p", "fileMode": 0o620, "uid": 5, "gid": 6},
]
c["linux"]["maskedPaths"] += ["/masked-file", "/masked-dir", "/no-such-masked"]
c["linux"]["readonlyPaths"] += ["/ro-dir", "/no-such-ro"]'
echo secret >"$B/rootfs/masked-file"
mkdir "$B/rootfs/masked-dir" "$B/rootfs/ro-dir"
echo secret >"$B/rootfs/masked-dir/file"
mkdir "$B/rootfs/tmpcopy"
echo copied >"$B/rootfs/tmpcopy/copied.txt"
run_ctr main
if [ "$rc" = 0 ] && [ "$(res finished)" = finished ]; then
	ok "run_with_every_mount_type_and_option_succeeds"
else
	fail "run_with_every_mount_type_and_option_succeeds" "exit status $rc" "stderr: $err"
fi

# root.path and pivot_root
is "relative_root_path_is_taken_from_the_bundle" "$(mi / | awk '{print $4}')" "$B/rootfs"
is "pivot_root_leaves_one_mount_at_root" "$(awk '$5 == "/"' "$B/results/mountinfo" | wc -l)" 1
if awk '$4 == "/" && $5 == "/"' "$B/results/mountinfo" | grep -q .; then
	fail "pivot_root_detaches_the_hosts_mounts" "$(cat "$B/results/mountinfo")"
else
	ok "pivot_root_detaches_the_hosts_mounts"
fi
like "root_readonly_refuses_writes" "$(res root-write)" "Read-only file system"
opts_are "root_readonly_is_ro_in_mountinfo" / ro

# Order: a later mount is made on top of, or inside, an earlier one.
order=$(awk '$5 ~ /^\/(ord|rev)/ {print $5}' "$B/results/mountinfo" | tr '\n' ' ')
is "mounts_are_made_in_config_order" "$order" "/ord /ord/sub /rev/sub /rev "
like "mount_inside_an_earlier_mount_is_created_in_it" "$(res ord)" "^sub$"
is "later_mount_covers_an_earlier_one_below_it" "$(res rev)" "rc=0"

# Types; a bind shows the type of its source's filesystem.
host_fstype=$(awk -v mp="$TEST_TMP" \
	'$5 == mp {for (i = 7; i <= NF; i++) if ($i == "-") {print $(i + 1); exit}}' /proc/self/mountinfo)
for t in /proc:proc /dev:tmpfs /dev/pts:devpts /dev/shm:tmpfs /dev/mqueue:mqueue /sys:sysfs \
	/ord:tmpfs /ovl:overlay /cg2:cgroup2 "/rbind-tree:$host_fstype"; do
	is "mount_type_${t#*:}_at_${t%%:*}" "$(mi_fstype "${t%%:*}")" "${t#*:}"
done
like "bind_leaves_out_the_sources_submounts" "$(res bind-tree)" "^rc=0$"
like "rbind_takes_the_sources_submounts" "$(res rbind-tree)" "^subfile"
is "rbind_submount_is_a_tmpfs" "$(mi_fstype /rbind-tree/sub)" tmpfs
is "overlay_reads_the_lower_layer" "$(res ovl-read)" "lower
rc=0"
is "overlay_writes_go_to_the_upper_dir_on_the_host" "$(cat "$H/ovl/upper/new.txt" 2>&1)" upper

# Flags, on new filesystems and on binds alike
opts_are "ro_bind_is_read_only" /ro-bind ro
like "ro_bind_refuses_writes" "$(res ro-bind)" "Read-only file system"
if touch "$H/rw-src/host-write" 2>/dev/null; then
	ok "ro_bind_leaves_the_source_writable_on_the_host"
else
	fail "ro_bind_leaves_the_source_writable_on_the_host"
fi
opts_are "rw_tmpfs_is_rw" /rw-tmpfs rw
like "rw_tmpfs_takes_writes" "$(res rw-tmpfs)" "^rc=0$"
opts_are "ro_tmpfs_is_ro" /ro-tmpfs ro
like "ro_tmpfs_refuses_writes" "$(res ro-tmpfs)" "Read-only file system"
opts_are "bind_gets_nosuid_nodev_noexec" /flags-bind rw nosuid nodev noexec
like "noexec_bind_refuses_to_execute" "$(res noexec-bind)" "Permission denied"
like "nodev_bind_refuses_to_open_a_device" "$(res nodev-bind)" "Permission denied"
opts_are "later_exec_and_suid_undo_noexec_and_nosuid" /exec-bind '!noexec' '!nosuid'
like "exec_bind_executes" "$(res exec-bind)" "^rc=0$"
opts_are "tmpfs_gets_nosuid_nodev_noexec" /flags-tmpfs nosuid nodev noexec
opts_are "bind_gets_noatime" /at-bind-noatime noatime '!relatime'
opts_are "bind_gets_strictatime" /at-bind-strict '!noatime' '!relatime'
opts_are "bind_gets_nodiratime" /at-bind-nodiratime nodiratime relatime
opts_are "tmpfs_gets_noatime" /at-tmpfs-noatime noatime
opts_are "tmpfs_gets_strictatime" /at-tmpfs-strict '!noatime' '!relatime'
opts_are "last_atime_option_wins" /at-tmpfs-relatime relatime

# Recursive attributes reach the submounts; plain ones stop at the top.
opts_are "rro_makes_the_top_read_only" /rro-tree ro
opts_are "rro_makes_the_submount_read_only" /rro-tree/sub ro
like "rro_submount_refuses_writes" "$(res rro-sub)" "Read-only file system"
opts_are "ro_on_rbind_makes_the_top_read_only" /ro-tree ro
opts_are "ro_on_rbind_leaves_the_submount_rw" /ro-tree/sub rw
like "ro_on_rbind_submount_takes_writes" "$(res ro-sub)" "^rc=0$"
opts_are "source_submount_is_read_only_without_rrw" /rbind-tree/rosub ro
opts_are "rrw_makes_a_read_only_submount_rw" /rrw-tree/rosub rw
like "rrw_submount_takes_writes" "$(res rrw-sub)" "^rc=0$"
opts_are "recursive_flags_reach_the_submount" /rflags-tree/sub nosuid nodev noexec noatime \
	nodiratime nosymfollow
opts_are "recursive_flags_reach_the_top" /rflags-tree nosuid nodev noexec noatime nodiratime \
	nosymfollow
like "rnoexec_submount_refuses_to_execute" "$(res rnoexec-sub)" "Permission denied"
is "submount_without_rnoexec_executes" "$(res exec-sub)" "ran
rc=0"
opts_are "last_recursive_atime_option_wins" /rstrict-tree/sub '!noatime' '!relatime'
opts_are "recursive_clearing_options_clear_the_submounts_flags" /rclear-tree/flagsub '!nosuid' \
	'!nodev' '!noexec' '!nodiratime' '!nosymfollow' '!noatime' relatime
opts_are "source_submount_keeps_its_flags_without_recursive_clearing" /rbind-tree/flagsub nosuid \
	nodev noexec nodiratime nosymfollow noatime
opts_are "rrelatime_reaches_the_submount" /rrel-tree/flagsub relatime '!noatime'
opts_are "rnostrictatime_is_relatime" /rnostrict-tree/flagsub relatime '!noatime'
opts_are "rnorelatime_is_strictatime" /rnorel-tree/flagsub '!relatime' '!noatime'
opts_are "dev_suid_exec_symfollow_diratime_clear_a_binds_flags" /clear-bind '!nosuid' '!nodev' \
	'!noexec' '!nosymfollow' '!nodiratime'
opts_are "plain_flags_on_rbind_set_the_top" /flags-top-tree nosuid nodev noexec
opts_are "plain_flags_on_rbind_leave_the_submount" /flags-top-tree/sub '!nosuid' '!nodev' \
	'!noexec'

# Propagation options (the source is shared on the host: its copy in the
# container's namespace is a slave of it).
prop_is() { # NAME MOUNT_POINT REGEX
	local p
	p=$(mi_prop "$2")
	if [ -n "$(mi "$2")" ] && [[ $p =~ $3 ]]; then
		ok "$1"
	else
		fail "$1" "mountinfo: $(mi "$2")" "optional fields '$p' do not match $3"
	fi
}
prop_is "shared_option_makes_the_bind_shared" /p-shared 'shared:'
prop_is "shared_option_leaves_the_submount" /p-shared/sub '^ master:[0-9]+$'
prop_is "rshared_option_makes_the_tree_shared" /p-rshared/sub 'shared:'
prop_is "private_option_makes_the_bind_private" /p-private '^$'
prop_is "private_option_leaves_the_submount" /p-private/sub '^ master:[0-9]+$'
prop_is "rprivate_option_makes_the_tree_private" /p-rprivate/sub '^$'
prop_is "slave_option_after_rshared_makes_the_bind_a_slave" /p-slave '^ master:[0-9]+$'
prop_is "slave_option_leaves_the_shared_submount" /p-slave/sub 'shared:'
prop_is "rslave_option_makes_the_tree_slaves" /p-rslave/sub '^ master:[0-9]+$'
prop_is "unbindable_option_makes_the_bind_unbindable" /p-unbindable 'unbindable'
prop_is "unbindable_option_leaves_the_submount" /p-unbindable/sub '^ master:[0-9]+$'
prop_is "runbindable_option_makes_the_tree_unbindable" /p-runbindable/sub 'unbindable'
prop_is "propagation_option_applies_to_a_new_filesystem" /p-tmpfs-shared 'shared:'

# Superblock flags, remount, tmpcopyup
super_has "sync_dirsync_lazytime_reach_the_superblock" /sb-opts sync dirsync lazytime
super_has "async_nolazytime_nomand_undo_earlier_options" /sb-undo '!sync' '!lazytime' '!mand'
opts_are "atime_options_that_undo_leave_relatime" /sb-undo relatime '!nodiratime'
super_has "remount_changes_the_mounted_filesystem" /remount ro
like "remount_ro_refuses_writes" "$(res remount)" "Read-only file system"
is "remount_replaces_no_mount" "$(awk '$5 == "/remount"' "$B/results/mountinfo" | wc -l)" 1
opts_are "bind_remount_ro_makes_the_bind_read_only" /remount-bind ro
like "bind_remount_ro_refuses_writes" "$(res remount-bind)" "Read-only file system"
is "tmpcopyup_copies_the_directory_into_the_tmpfs" "$(res tmpcopy)" "copied
rc=0"
if [ "$(mi_fstype /tmpcopy)" = tmpfs ] && [ ! -e "$B/rootfs/tmpcopy/new" ]; then
	ok "tmpcopyup_writes_stay_in_the_tmpfs"
else
	fail "tmpcopyup_writes_stay_in_the_tmpfs" "$(mi /tmpcopy)"
fi

# nosymfollow, data, destinations created to match the source
opts_are "nosymfollow_bind_shows_nosymfollow" /nsf nosymfollow
like "nosymfollow_refuses_to_follow_a_symlink" "$(res nosymfollow-cat)" "rc=[1-9]"
like "nosymfollow_still_reads_the_link" "$(res nosymfollow-readlink)" "^target.txt$"
like "symfollow_after_nosymfollow_follows" "$(res symfollow-cat)" "^sym-target$"
like "tmpfs_data_size_reaches_the_filesystem" "$(mi_super /data-tmpfs)" "size=1024k"
is "tmpfs_data_mode_reaches_the_filesystem" "$(res data-tmpfs)" "700
rc=0"
is "missing_destination_of_a_directory_bind_is_a_directory" "$(res dir-dest)" "directory
rc=0"
is "missing_destination_of_a_file_bind_is_a_file" "$(res file-dest)" "file-source
rc=0"
is "missing_destination_of_a_tmpfs_is_a_directory" "$(res tmpfs-dest)" "directory
rc=0"
if [ -d "$B/rootfs/new/dir/deep" ] && [ -f "$B/rootfs/new/file/deep.txt" ] &&
	[ ! -s "$B/rootfs/new/file/deep.txt" ]; then
	ok "missing_destinations_are_created_inside_the_rootfs"
else
	fail "missing_destinations_are_created_inside_the_rootfs" "$(ls -lR "$B/rootfs/new" 2>&1)"
fi

# /dev
for spec in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
	IFS=: read -r name major minor <<<"$spec"
	is "default_device_${name}_is_character_${major}_${minor}_mode_666" \
		"$(grep "^/dev/$name|" "$B/results/devices")" \
		"/dev/$name|character special file|$(printf %x "$major")|$(printf %x "$minor")|666|0|0"
done
is "dev_zero_and_dev_null_work" "$(res zero)$(res devnull)" "5
rc=0rc=0"
for want in "fd /proc/self/fd" "stdin /proc/self/fd/0" "stdout /proc/self/fd/1" \
	"stderr /proc/self/fd/2" "ptmx pts/ptmx"; do
	like "dev_symlink_${want%% *}" "$(res links)" "^$want\$"
done
if [ -e /proc/kcore ]; then
	like "dev_core_links_to_kcore" "$(res links)" "^core /proc/kcore$"
else
	like "dev_core_is_absent_without_kcore" "$(res links)" "^core $"
fi
pts_line=$(mi /dev/pts)
host_pts_devs=$(awk '$9 == "devpts" {print $3}' /proc/self/mountinfo)
if [ "$(mi_fstype /dev/pts)" = devpts ] && [[ $pts_line == *ptmxmode=666* ]] &&
	! grep -qx "$(echo "$pts_line" | awk '{print $3}')" <<<"$host_pts_devs"; then
	ok "dev_pts_is_a_new_devpts_instance"
else
	fail "dev_pts_is_a_new_devpts_instance" "container: $pts_line" "host: $host_pts_devs"
fi
like "dev_pts_has_its_own_ptmx" "$(grep '^/dev/pts/ptmx|' "$B/results/devices")" \
	"^/dev/pts/ptmx\|character special file\|5\|2\|666\|"
if [ -n "$(res pts-dev)" ] && [ "$(res pts-dev)" = "$(res ptmx-dev)" ]; then
	ok "dev_ptmx_opens_the_new_instance"
else
	fail "dev_ptmx_opens_the_new_instance" "pts: $(res pts-dev)" "ptmx: $(res ptmx-dev)"
fi
opts_are "dev_shm_is_a_writable_tmpfs" /dev/shm rw nosuid nodev noexec
is "dev_shm_takes_writes" "$(res shm-write)" "rc=0"
is "linux_devices_char_has_number_mode_and_owner" \
	"$(grep '^/dev/custom-c|' "$B/results/devices")" \
	"/dev/custom-c|character special file|1|7|640|1000|1001"
is "linux_devices_block_has_number_and_mode" "$(grep '^/dev/custom-b|' "$B/results/devices")" \
	"/dev/custom-b|block special file|7|c8|600|0|0"
is "linux_devices_fifo_has_mode_and_owner" \
	"$(grep '^/dev/custom-p|' "$B/results/devices" | cut -d'|' -f2,5-)" "fifo|620|5|6"

# Masked and readonly paths
is "masked_file_reads_empty" "$(res masked-file)" "rc=0"
is "masked_proc_file_reads_empty" "$(res masked-proc)" "0
rc=0"
is "masked_directory_is_empty" "$(res masked-dir)" "rc=0"
like "masked_directory_is_read_only" "$(res masked-dir-write)" "Read-only file system"
is "masked_directory_is_a_tmpfs" "$(mi_fstype /masked-dir)" tmpfs
is "masked_file_keeps_its_content_on_the_host" "$(cat "$B/rootfs/masked-file")" secret
like "readonly_path_refuses_writes" "$(res ro-path)" "Read-only file system"
like "readonly_proc_sys_refuses_writes" "$(res ro-proc-sys)" "Read-only file system"
opts_are "readonly_path_is_ro_in_mountinfo" /ro-dir ro

# cgroups: the container's own (named after it, "main", under the test's
# own cgroup), read-only
own_memory=$(awk -F: '$2 == "memory" {print $3}' /proc/self/cgroup)
own_v2=$(sed -n 's/^0:://p' /proc/self/cgroup)
own_memory=${own_memory%/}/main own_v2=${own_v2%/}/main
if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
	is "cgroup_mount_is_the_inits_own_cgroup" "$(mi /sys/fs/cgroup | awk '{print $4}')" "$own_v2"
	opts_are "cgroup_mount_is_read_only" /sys/fs/cgroup ro
else
	is "cgroup_v1_mount_is_a_tmpfs" "$(mi_fstype /sys/fs/cgroup)" tmpfs
	is "cgroup_v1_memory_is_the_inits_own_cgroup" \
		"$(mi /sys/fs/cgroup/memory | awk '{print $4}')" "$own_memory"
	opts_are "cgroup_v1_hierarchy_is_read_only" /sys/fs/cgroup/memory ro
	like "cgroup_v1_hierarchy_refuses_writes" "$(res cgroup-write)" "Read-only file system"
fi
is "cgroup2_mount_is_the_inits_own_cgroup" "$(mi /cg2 | awk '{print $4}')" "$own_v2"
opts_are "cgroup2_mount_is_read_only" /cg2 ro nosuid nodev noexec
like "cgroup2_mount_refuses_writes" "$(res cgroup2-write)" "Read-only file system"
is "main_run_leaves_no_state" "$(state_dirs)" ""

# --------------------------------------- absolute root.path, --no-pivot, rw
bundle nopivot
set_args "$B" sh -c 'cat /proc/self/mountinfo >/results/mountinfo; touch /written;
ls / >/results/ls; readlink /proc/self/cwd >/results/cwd'
edit_config "$B" "c['root'] = {'path': '$B/rootfs', 'readonly': False}"
add_mounts nopivot '[m("/results", "bind", B + "/results", "rbind")]'
run_ctr nopivot --no-pivot
if [ "$rc" = 0 ] && [ -f "$B/rootfs/written" ]; then
	ok "no_pivot_runs_in_an_absolute_root_path"
else
	fail "no_pivot_runs_in_an_absolute_root_path" "exit status $rc" "stderr: $err"
fi
is "no_pivot_root_is_the_rootfs" "$(mi / | awk '{print $4}')" "$B/rootfs"
like "no_pivot_sees_the_rootfs" "$(res ls)" "^results$"
is "no_pivot_cwd_is_the_new_root" "$(res cwd)" /
opts_are "root_readonly_false_leaves_the_root_rw" / rw
is "root_readonly_false_writes_reach_the_rootfs" "$(ls "$B/rootfs/written" 2>&1)" \
	"$B/rootfs/written"

# ------------------------------------------------ linux.rootfsPropagation
# A host directory, shared, is bound into the container with "rshared"; the
# container mounts under it (petrel from config.json, and the process with
# mount(8)), then the host mounts under it and under the rootfs. What
# crossed is then looked at on both sides.
PROP_PROBE='mount -t tmpfs from-ctr /prop/from-ctr || echo "mount failed" >/results/error
mount -t tmpfs from-ctr-root /run || echo "mount failed" >>/results/error
touch /prop/ctr-ready
i=0
while [ ! -e /prop/host-ready ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
cat /proc/self/mountinfo >/results/mountinfo'
for mode in shared rshared slave rslave private rprivate unbindable runbindable; do
	bundle "prop-$mode"
	P=$TEST_TMP/propdir-$mode
	mkdir -p "$P" && mount -t tmpfs -o size=1m "propdir-$mode" "$P" &&
		mkdir "$P"/{from-ctr,from-cfg,from-host} || exit 1
	set_args "$B" sh -c "$PROP_PROBE"
	edit_config "$B" "c['linux']['rootfsPropagation'] = '$mode'
c['process']['capabilities']['bounding'].append('CAP_SYS_ADMIN')
c['process']['capabilities']['effective'].append('CAP_SYS_ADMIN')
c['process']['capabilities']['permitted'].append('CAP_SYS_ADMIN')"
	add_mounts "prop-$mode" "[m('/results', 'bind', B + '/results', 'rbind'),
    m('/prop', 'bind', '$P', 'rbind', 'rshared'),
    m('/prop/from-cfg', 'tmpfs', 'from-cfg', 'size=1m')]"
	pt run --detach --bundle "$B" "prop-$mode" >"$B.out" 2>"$B.err" </dev/null
	for _ in $(seq 1 200); do
		[ -e "$P/ctr-ready" ] && break
		sleep 0.05
	done
	mount -t tmpfs -o size=1m from-host "$P/from-host"
	mount -t tmpfs -o size=1m from-host-root "$B/rootfs/var"
	touch "$P/host-ready"
	wait_status "prop-$mode" stopped 30
	host_got_ctr=$(grep -c " $P/from-ctr \| $P/from-cfg " /proc/self/mountinfo)
	host_got_root=$(grep -c " $B/rootfs/run " /proc/self/mountinfo)
	ctr_got_host=$(grep -c " /prop/from-host " "$B/results/mountinfo")
	ctr_got_root=$(grep -c " /var " "$B/results/mountinfo")
	diag=("petrel: $(cat "$B.err")" "container: $(cat "$B/results/error" 2>/dev/null)"
		"host: $(grep -F "$TEST_TMP" /proc/self/mountinfo | grep -F "$mode")"
		"container: $(grep " /prop\| /var \| / " "$B/results/mountinfo")")
	if [ ! -s "$B/results/mountinfo" ] || [ -s "$B/results/error" ]; then
		fail "rootfs_propagation_${mode}_runs" "${diag[@]}"
		continue
	fi
	# Only "shared" lets the container's mounts out, and then only through
	# the rshared bind (from-ctr and from-cfg), never on the root.
	case $mode in
	*shared) want_out=2 want_in=1 out=lets_rshared_binds_reach_the_host in=lets_host_mounts_in ;;
	*slave) want_out=0 want_in=1 out=keeps_container_mounts_off_the_host in=lets_host_mounts_in ;;
	*) want_out=0 want_in=0 out=keeps_container_mounts_off_the_host in=keeps_host_mounts_out ;;
	esac
	if [ "$host_got_ctr" = "$want_out" ] && [ "$host_got_root" = 0 ]; then
		ok "rootfs_propagation_${mode}_$out"
	else
		fail "rootfs_propagation_${mode}_$out" \
			"under the shared bind: $host_got_ctr (want $want_out)" \
			"on the rootfs: $host_got_root (want 0)" "${diag[@]}"
	fi
	if [ "$ctr_got_host" = "$want_in" ] && [ "$ctr_got_root" = "$want_in" ]; then
		ok "rootfs_propagation_${mode}_$in"
	else
		fail "rootfs_propagation_${mode}_$in" \
			"under the shared bind: $ctr_got_host; on the rootfs: $ctr_got_root (want $want_in)" \
			"${diag[@]}"
	fi
	root_prop=$(awk '$5 == "/" {s = ""; for (i = 7; $i != "-"; i++) s = s " " $i; print s}' \
		"$B/results/mountinfo")
	case $mode in
	*shared) want='shared:' ;;
	*slave) want='^ master:[0-9]+$' ;;
	*private) want='^$' ;;
	*unbindable) want='^ unbindable$' ;;
	esac
	if [[ $root_prop =~ $want ]]; then
		ok "rootfs_propagation_${mode}_is_the_roots_propagation"
	else
		fail "rootfs_propagation_${mode}_is_the_roots_propagation" "got '$root_prop'"
	fi
	pt delete --force "prop-$mode" >/dev/null 2>&1
	grep -F " $P" /proc/self/mountinfo | awk '{print $5}' | sort -r |
		while read -r m; do umount -l "$m"; done
	umount -l "$B/rootfs/var"
done

# ------------------------------------------------------- user namespace
bundle userns
chmod 0755 "$TEST_TMP" "$B"
chown -R 100000:100000 "$B/rootfs" "$B/results"
set_args "$B" sh -c 'cat /proc/self/mountinfo >/results/mountinfo
for d in null zero full random urandom tty kmsg fifo; do
	stat -c "%n|%F|%t|%T|%a" /dev/$d
done >/results/devices 2>&1
head -c 3 /dev/full | wc -c >/results/full
echo finished >/results/finished'
edit_config "$B" "c['linux']['namespaces'].append({'type': 'user'})
c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]
c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]
c['linux']['devices'] = [{'path': '/dev/kmsg', 'type': 'c', 'major': 1, 'minor': 11},
    {'path': '/dev/fifo', 'type': 'p', 'fileMode': 0o600}]"
add_mounts userns '[m("/results", "bind", B + "/results", "rbind")]'
run_ctr userns
if [ "$rc" = 0 ] && [ "$(res finished)" = finished ]; then
	ok "userns_run_succeeds"
else
	fail "userns_run_succeeds" "exit status $rc" "stderr: $err"
fi
for spec in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0 kmsg:1:b; do
	IFS=: read -r name major minor <<<"$spec"
	like "userns_device_${name}_is_a_bind_of_the_hosts_node" \
		"$(grep "^/dev/$name|" "$B/results/devices")|$(mi_fstype "/dev/$name")" \
		"^/dev/$name\|character special file\|$major\|$minor\|[0-7]+\|devtmpfs$"
done
is "userns_bound_device_works" "$(res full)" 3
like "userns_fifo_is_made" "$(grep '^/dev/fifo|' "$B/results/devices")" "fifo\|0\|0\|600$"
chmod 0700 "$TEST_TMP"

# ------------------------------------------------------------ idmap mounts
# The spec's direction: "containerID hostID size" as a user namespace's
# map, a file owned by containerID on the source shows as hostID.
bundle idmap
set_args "$B" sh -c 'stat -c "%n %u:%g" /idmapped/root-owned /idmapped/owned-1000 \
	/rev-idmapped/owned-1000 /idmapped/dir/root-owned /ridmapped/dir/root-owned \
	/plain/dir/root-owned >/results/owners 2>&1'
mount -t tmpfs -o size=1m idmap-sub "$H/idmap/dir" && touch "$H/idmap/dir/root-owned" || exit 1
add_mounts idmap '[m("/results", "bind", B + "/results", "rbind")]
def idm(dest, opt, cid, hid):
    e = m(dest, "bind", H + "/idmap", "rbind", opt)
    e["uidMappings"] = [{"containerID": cid, "hostID": hid, "size": 1}]
    e["gidMappings"] = [{"containerID": cid, "hostID": hid + 1, "size": 1}]
    return e
c["mounts"] += [idm("/idmapped", "idmap", 0, 1000), idm("/ridmapped", "ridmap", 0, 1000),
                idm("/rev-idmapped", "idmap", 1000, 0), m("/plain", "bind", H + "/idmap", "rbind")]'
run_ctr idmap
owners=$(res owners)
if [ "$rc" = 0 ]; then
	like "idmap_file_owned_by_container_id_shows_the_host_id" "$owners" \
		"^/idmapped/root-owned 1000:1001$"
	like "idmap_file_outside_the_mapping_is_overflow" "$owners" "^/idmapped/owned-1000 65534:65534$"
	like "idmap_maps_a_host_1000_file_to_0" "$owners" "^/rev-idmapped/owned-1000 0:1$"
	like "idmap_leaves_submounts_unmapped" "$owners" "^/idmapped/dir/root-owned 0:0$"
	like "ridmap_maps_the_submounts_too" "$owners" "^/ridmapped/dir/root-owned 1000:1001$"
	like "plain_bind_is_not_idmapped" "$owners" "^/plain/dir/root-owned 0:0$"
	if [ "$(stat -c %u:%g "$H/idmap/root-owned")" = 0:0 ]; then
		ok "idmap_leaves_the_files_on_the_host_as_they_are"
	else
		fail "idmap_leaves_the_files_on_the_host_as_they_are"
	fi
else
	fail "idmap_mounts_run" "exit status $rc" "stderr: $err"
fi

# An idmapped mount in a container with its own user namespace, using the
# container's mappings: the rootfs's root shows as the container's root.
bundle idmap-userns
chmod 0755 "$TEST_TMP" "$B"
chown -R 100000:100000 "$B/results"
set_args "$B" sh -c 'stat -c "%n %u:%g" /idmapped/root-owned >/results/owners 2>&1'
edit_config "$B" "c['linux']['namespaces'].append({'type': 'user'})
c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]
c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]
c['root']['readonly'] = True"
chown -R 100000:100000 "$B/rootfs"
add_mounts idmap-userns '[m("/results", "bind", B + "/results", "rbind"),
    m("/idmapped", "bind", H + "/idmap", "rbind", "idmap")]'
run_ctr idmap-userns
if [ "$rc" = 0 ] && [ "$(res owners)" = "/idmapped/root-owned 0:0" ]; then
	ok "idmap_in_a_user_namespace_uses_the_containers_mappings"
else
	fail "idmap_in_a_user_namespace_uses_the_containers_mappings" "exit status $rc" \
		"stderr: $err" "owners: $(res owners)"
fi
chmod 0700 "$TEST_TMP"
umount -l "$H/idmap/dir"

# ------------------------------------------------------- cgroup namespace
bundle cgroupns
set_args "$B" sh -c 'cat /proc/self/mountinfo >/results/mountinfo'
edit_config "$B" "c['linux']['namespaces'].append({'type': 'cgroup'})"
add_mounts cgroupns '[m("/results", "bind", B + "/results", "rbind"),
    m("/cg2", "cgroup2", "cgroup2", "ro")]'
run_ctr cgroupns
if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
	is "cgroupns_cgroup_mount_is_the_namespace_root" "$(mi /sys/fs/cgroup | awk '{print $4}')" /
else
	is "cgroupns_v1_memory_is_a_new_mount_at_the_namespace_root" \
		"$(mi_fstype /sys/fs/cgroup/memory) $(mi /sys/fs/cgroup/memory | awk '{print $4}')" \
		"cgroup /"
fi
is "cgroupns_cgroup2_mount_is_the_namespace_root" \
	"$(mi_fstype /cg2) $(mi /cg2 | awk '{print $4}')" "cgroup2 /"
opts_are "cgroupns_cgroup2_mount_is_read_only" /cg2 ro

# ------------------------------------------------------------------ errors
# create_fails NAME PATTERN...: create must fail with an error matching
# every pattern, and leave no state, no process and no mount.
create_fails() {
	local name=$1 pattern missing=() before after
	shift
	before=$(host_mounts)
	pt create --bundle "$TEST_TMP/$name" "$name" >"$TEST_TMP/$name.out" \
		2>"$TEST_TMP/$name.err" </dev/null
	rc=$?
	err=$(cat "$TEST_TMP/$name.err")
	after=$(host_mounts)
	[ "$rc" -ne 0 ] || pt delete --force "$name" >/dev/null 2>&1
	for pattern in "$@"; do
		printf '%s\n' "$err" | grep -Eq -- "$pattern" || missing+=("$pattern")
	done
	local procs
	procs=$(for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$TEST_TMP/$name/rootfs" ] && echo "${p#/proc/}"
	done)
	if [ "$rc" -ne 0 ] && [ ${#missing[@]} -eq 0 ] && [ -z "$(state_dirs)" ] &&
		[ "$before" = "$after" ] && [ -z "$procs" ]; then
		ok "$name"
	else
		fail "$name" "exit status $rc, stderr: $err" "patterns not matched: ${missing[*]}" \
			"state: $(state_dirs)" "processes: $procs" \
			"mounts: $(diff <(echo "$before") <(echo "$after"))"
	fi
}

bundle unknown_fs_type_as_the_last_mount_fails_cleanly
add_mounts unknown_fs_type_as_the_last_mount_fails_cleanly \
	'[m("/a", "tmpfs", "tmpfs", "size=1m"), m("/b", "bind", H + "/rw-src", "rbind"),
      m("/c", "petrelfs", "none")]'
create_fails unknown_fs_type_as_the_last_mount_fails_cleanly \
	'mount "none" on "/c" \(type petrelfs\): No such device'

bundle bind_of_a_missing_source_fails_cleanly
add_mounts bind_of_a_missing_source_fails_cleanly \
	'[m("/a", "tmpfs", "tmpfs", "size=1m"), m("/b", "bind", H + "/no-such-source", "rbind")]'
create_fails bind_of_a_missing_source_fails_cleanly \
	"mount \"$H/no-such-source\" on \"/b\" \(type bind\): open the source: No such file or dir"

bundle unknown_tmpfs_option_is_a_clear_error
add_mounts unknown_tmpfs_option_is_a_clear_error \
	'[m("/a", "tmpfs", "tmpfs", "size=1m", "nosuchopt")]'
create_fails unknown_tmpfs_option_is_a_clear_error \
	'mount "tmpfs" on "/a" \(type tmpfs, options "size=1m,nosuchopt"\): Invalid argument'

bundle unknown_bind_option_is_a_clear_error
add_mounts unknown_bind_option_is_a_clear_error \
	'[m("/a", "bind", H + "/rw-src", "rbind", "noexce")]'
create_fails unknown_bind_option_is_a_clear_error \
	"mount \"$H/rw-src\" on \"/a\" \(type bind.*unknown option \"noexce\""

bundle idmap_without_mappings_is_refused
add_mounts idmap_without_mappings_is_refused '[m("/a", "bind", H + "/rw-src", "rbind", "idmap")]'
create_fails idmap_without_mappings_is_refused 'idmap needs uidMappings and gidMappings'

bundle missing_root_path_is_a_clear_error
edit_config "$B" "c['root']['path'] = 'no-such-rootfs'"
create_fails missing_root_path_is_a_clear_error \
	"rootfs \"$B/no-such-rootfs\": No such file or directory"

bundle unknown_rootfs_propagation_is_refused
edit_config "$B" "c['linux']['rootfsPropagation'] = 'sideways'"
create_fails unknown_rootfs_propagation_is_refused \
	'\.linux\.rootfsPropagation: unknown value "sideways"'

bundle device_of_an_unknown_type_is_refused
edit_config "$B" "c['linux']['devices'] = [{'path': '/dev/x', 'type': 'q', 'major': 1, 'minor': 3}]"
create_fails device_of_an_unknown_type_is_refused '\.linux\.devices\[0\].*type "q"'

# ------------------------------------------------------------------ the host
is "no_state_is_left_behind" "$(state_dirs)" ""
is "host_mount_table_is_unchanged" "$(host_mounts)" "$host_mounts_before"

tap_done
