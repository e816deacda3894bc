#!/bin/busybox sh
# shellcheck shell=dash
# The init of the guest that tests/vm/run-in-guest.sh boots; busybox sh.
# Stage 1 (/init of the initramfs): loads the modules, mounts the host's /
# read-only over virtio-9p under a tmpfs overlay, the results share, cgroup2
# at /sys/fs/cgroup, and switch_roots into the overlay. Stage 2 (PID 1 in
# the host's tree): runs the command the host wrote to the results share,
# writes its exit status there and powers off; or, with run-in-guest.sh's
# --init, execs the command as PID 1, which then does all that itself.
# Anything going wrong powers off without a status: the host then reports
# the console.
R=/run/petrel-vm/results

die() {
	echo "petrel-vm: $*"
	/bin/busybox sync
	/bin/busybox poweroff -f
	exit 1
}

# mount_9p TAG DIR [OPTIONS]
mount_9p() {
	mkdir -p "$2" &&
		mount -t 9p -o "trans=virtio,version=9p2000.L,msize=512000${3:+,$3}" "$1" "$2" ||
		die "mount 9p share $1 on $2"
}

stage1() {
	/bin/busybox --install -s /bin
	export PATH=/bin
	mount -t devtmpfs devtmpfs /dev
	exec </dev/console >/dev/console 2>&1
	mount -t proc proc /proc && mount -t sysfs sysfs /sys || die "mount proc and sys"
	while read -r m; do
		insmod "/modules/$m" || die "insmod $m"
	done </modules/order

	# The host's tree, unchanged while the guest runs: cached.
	mount_9p hostroot /lower ro,cache=loose
	mkdir -p /rw /newroot && mount -t tmpfs -o mode=0755 tmpfs /rw &&
		mkdir /rw/upper /rw/work &&
		mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay \
			/newroot || die "mount the overlay on the host's tree"
	# A fresh /run: none of the host's runtime state.
	mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /newroot/run || die "mount /run"
	mount_9p results "/newroot$R"
	# More read-write shares, each at its host path: "TAG PATH" lines.
	while read -r tag path; do
		[ -n "$tag" ] && mount_9p "$tag" "/newroot$path"
	done <"/newroot$R/shares"

	for d in dev proc sys; do
		mount --move "/$d" "/newroot/$d" || die "move /$d"
	done
	# All controllers on the unified hierarchy (cgroup_no_v1=all), mounted
	# as systemd mounts it.
	mount -t cgroup2 -o nsdelegate,memory_recursiveprot cgroup2 /newroot/sys/fs/cgroup ||
		mount -t cgroup2 cgroup2 /newroot/sys/fs/cgroup || die "mount cgroup2"
	# What udev would add to /dev.
	ln -s /proc/self/fd /newroot/dev/fd
	ln -s /proc/self/fd/0 /newroot/dev/stdin
	ln -s /proc/self/fd/1 /newroot/dev/stdout
	ln -s /proc/self/fd/2 /newroot/dev/stderr
	ln -s /proc/kcore /newroot/dev/core
	mkdir -p /newroot/dev/pts /newroot/dev/shm /newroot/dev/mqueue /newroot/dev/hugepages
	mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts /newroot/dev/pts
	mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /newroot/dev/shm
	mount -t mqueue mqueue /newroot/dev/mqueue
	mount -t hugetlbfs hugetlbfs /newroot/dev/hugepages 2>/dev/null
	mount -t bpf bpf /newroot/sys/fs/bpf 2>/dev/null

	mkdir -p /newroot/run/petrel-vm/bin
	cp /bin/busybox /init /newroot/run/petrel-vm/ || die "copy busybox"
	exec switch_root /newroot /run/petrel-vm/busybox sh /run/petrel-vm/init stage2
	die "switch_root"
}

stage2() {
	bb=/run/petrel-vm/busybox
	$bb --install -s /run/petrel-vm/bin
	export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/run/petrel-vm/bin
	$bb hostname petrel-vm
	$bb ip link set lo up
	[ -f "$R/command" ] || die "no command in the results share"
	echo "petrel-vm: up in $($bb cut -d' ' -f1 /proc/uptime) s"
	if [ -f "$R/init" ]; then
		# The command is the guest's init from here on: it writes
		# stdout, stderr and status to $R itself and powers off.
		export PETREL_VM_RESULTS=$R
		exec /bin/sh "$R/command" </dev/console >/dev/console 2>&1
		die "exec the command as init"
	fi
	/bin/sh "$R/command" >"$R/stdout" 2>"$R/stderr" </dev/null &
	wait $!
	echo $? >"$R/status.new"
	$bb mv "$R/status.new" "$R/status"
	echo "petrel-vm: done at $($bb cut -d' ' -f1 /proc/uptime) s"
	$bb sync
	$bb poweroff -f
}

case "${1:-stage1}" in
stage2) stage2 ;;
*) stage1 ;;
esac
