#!/usr/bin/env bash
# Runs a command inside a QEMU guest (software emulation) and returns its
# output and exit status, for the tests that need a host this machine is
# not: pure cgroup v2 (the guest boots with cgroup_no_v1=all), later systemd.
#
#   tests/vm/run-in-guest.sh [OPTIONS] [--] COMMAND [ARG...]
#   tests/vm/run-in-guest.sh --prepare
#
# The guest runs Debian's stock kernel (linux-image-amd64, fetched with
# apt-get download and unpacked, never installed) and a busybox init from a
# small initramfs (tests/vm/guest-init.sh). It sees the host's / read-only
# over virtio-9p under a tmpfs overlay, so the host's programs, libraries,
# the source tree and the build are at the same paths; what the guest writes
# is lost at power-off except in the --rw shares. The command runs as root
# in the guest's root cgroup, in the current directory, with PATH, LANG,
# LC_ALL and the --env variables; its stdout and stderr are printed here
# when the guest has powered off.
#
# Options:
#   --env NAME[=VALUE]  pass NAME to the command, with VALUE or its value here
#   --rw DIR            share the host's DIR read-write at the same path
#   --disk MIB          attach an empty virtio disk of MIB MiB (/dev/vda)
#   --memory MIB        guest memory (default 2048)
#   --cpus N            virtual CPUs (default 2)
#   --timeout SECONDS   for the whole run (default 1800)
#   --append ARGS       more kernel arguments
#   --init              run the command as the guest's PID 1 (an init such as
#                       systemd): it must write stdout, stderr and status
#                       (its exit status) into $PETREL_VM_RESULTS and power
#                       the guest off
#   --console           copy the guest's console to stderr while it runs
#   --keep              keep the run directory (console log, disk)
#   --prepare           only install, fetch and build what is missing
#
# Exit status: the command's; 125 when the guest did not run the command to
# its end (boot failure, timeout: the console's tail is printed); 77 when
# QEMU or the kernel cannot be had (the reason on stderr), as for a skip.
#
# Everything fetched or built goes into $PETREL_VM_CACHE (default
# /var/cache/petrel-vm as root, else ~/.cache/petrel-vm), never the tree:
# the kernel's vmlinux (uncompressed: decompressing under emulation costs
# seconds at every boot) with the few modules the guest needs, and the
# initramfs. $PETREL_VM_ACCEL picks QEMU's accelerator (default tcg).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

if [ "$(id -u)" -eq 0 ]; then
	cache=${PETREL_VM_CACHE:-/var/cache/petrel-vm}
else
	cache=${PETREL_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/petrel-vm}
fi
# The modules the guest loads, with what they depend on: PCI virtio, 9p,
# overlayfs, the virtio disk, loop devices (/dev/loop-control).
guest_modules=(virtio_pci 9pnet_virtio 9p overlay virtio_blk loop)
packages=(qemu-system-x86 busybox-static cpio kmod)

say() { echo "petrel-vm: $*" >&2; }
unavailable() {
	say "$*"
	exit 77
}
die() {
	say "$*"
	exit 125
}

# ------------------------------------------------------------- options
envs=(PATH LANG LC_ALL) shares=() disk=0 memory=2048 cpus=2 timeout=1800 append=''
console=0 keep=0 prepare_only=0 as_init=0
while [ $# -gt 0 ]; do
	case "$1" in
	--env) envs+=("$2") && shift ;;
	--rw)
		dir=$(cd "$2" 2>/dev/null && pwd) || die "--rw $2: no such directory"
		shares+=("$dir") && shift
		;;
	--disk) disk=$2 && shift ;;
	--memory) memory=$2 && shift ;;
	--cpus) cpus=$2 && shift ;;
	--timeout) timeout=$2 && shift ;;
	--append) append=$2 && shift ;;
	--console) console=1 ;;
	--init) as_init=1 ;;
	--keep) keep=1 ;;
	--prepare) prepare_only=1 ;;
	--) shift && break ;;
	-*) die "unknown option $1 (see the top of $0)" ;;
	*) break ;;
	esac
	shift
done
[ $prepare_only = 1 ] || [ $# -gt 0 ] || die "usage: $0 [OPTIONS] [--] COMMAND [ARG...]"

# ------------------------------------------------------------- packages
missing_packages() {
	local p
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			echo "$p"
	done
}

install_packages() {
	command -v dpkg-query >/dev/null || unavailable "not a Debian host: no dpkg-query"
	[ -z "$(missing_packages)" ] && return 0
	[ "$(id -u)" -eq 0 ] ||
		unavailable "missing packages: $(missing_packages | xargs); run contrib/install-deps.sh test as root"
	"$top/contrib/install-deps.sh" test >&2 ||
		unavailable "could not install $(missing_packages | xargs)"
	[ -z "$(missing_packages)" ] || unavailable "missing packages: $(missing_packages | xargs)"
}

# ------------------------------------------------------------- the kernel
# extract_vmlinux VMLINUZ OUT: the ELF kernel inside a bzImage, found as the
# kernel's own scripts/extract-vmlinux finds it: at each place where a
# compressor's magic number appears, decompress and keep what is an ELF file.
extract_vmlinux() {
	local in=$1 out=$2 magic tool offset
	while read -r magic tool; do
		command -v "${tool%% *}" >/dev/null || continue
		for offset in $(LC_ALL=C grep -obUaP "$magic" "$in" | cut -d: -f1); do
			# shellcheck disable=SC2086 # the tool's arguments
			tail -c +$((offset + 1)) "$in" | $tool >"$out" 2>/dev/null
			[ "$(head -c 4 "$out" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] && return 0
		done
	done <<'MAGIC'
\xfd7zXZ\x00 xz -dc --single-stream
\x1f\x8b\x08 gzip -dc
\x28\xb5\x2f\xfd zstd -dcq
BZh bzip2 -dc
\x5d\x00\x00\x00 xz -dc --format=lzma
\x02\x21\x4c\x18 lz4 -dc
MAGIC
	rm -f "$out"
	return 1
}

apt_download() {
	local opts=()
	[ "$(id -u)" -eq 0 ] && opts=(-o APT::Sandbox::User=root)
	apt-get -qq "${opts[@]}" download "$@" >&2
}

# Fills $cache/kernel: vmlinux, modules/ (the .ko files and a file `order`
# listing them in load order), version. Works in $1, removed by the caller.
fetch_kernel_in() {
	local tmp=$1 meta pkg kver deps path
	say "fetching Debian's linux-image-amd64 into $cache"
	if ! (cd "$tmp" && apt_download linux-image-amd64); then
		# A fresh machine may have no package lists yet.
		[ "$(id -u)" -eq 0 ] && apt-get update -qq >&2
		(cd "$tmp" && apt_download linux-image-amd64) ||
			unavailable "apt-get download linux-image-amd64 failed"
	fi
	meta=$(echo "$tmp"/linux-image-amd64_*.deb)
	pkg=$(dpkg-deb -f "$meta" Depends | tr ',|' '\n\n' |
		sed -n 's/^ *\(linux-image-[^ ]*\).*/\1/p' | head -1)
	[ -n "$pkg" ] || unavailable "linux-image-amd64 depends on no kernel image"
	(cd "$tmp" && apt_download "$pkg") || unavailable "apt-get download $pkg failed"
	dpkg-deb -x "$tmp/$pkg"_*.deb "$tmp/root" || die "unpack $pkg"
	kver=$(ls "$tmp/root/lib/modules")
	mkdir -p "$tmp/out/modules"
	extract_vmlinux "$tmp/root/boot/vmlinuz-$kver" "$tmp/out/vmlinux" ||
		die "no ELF kernel found in vmlinuz-$kver"
	depmod -b "$tmp/root" "$kver" || die "depmod $kver"
	deps=$(for m in "${guest_modules[@]}"; do
		modprobe -d "$tmp/root" -S "$kver" --show-depends "$m" || exit 1
	done) || die "the modules ${guest_modules[*]} are not all in $pkg"
	for path in $(echo "$deps" | awk '$1 == "insmod" && !seen[$2]++ { print $2 }'); do
		cp "$path" "$tmp/out/modules/" || die "copy $path"
		basename "$path" >>"$tmp/out/modules/order"
	done
	echo "$pkg $(dpkg-deb -f "$tmp/$pkg"_*.deb Version)" >"$tmp/out/version"
	rm -rf "$cache/kernel"
	mv "$tmp/out" "$cache/kernel" || die "mv $tmp/out $cache/kernel"
	say "kernel $(cat "$cache/kernel/version") ready"
}

fetch_kernel() {
	local tmp status
	tmp=$(mktemp -d "$cache/fetch.XXXXXX") || unavailable "cannot write to $cache"
	(fetch_kernel_in "$tmp")
	status=$?
	rm -rf "$tmp"
	[ $status = 0 ] || exit $status
}

# ------------------------------------------------------------- initramfs
# Sets $initrd: busybox, the init script and the modules, uncompressed (the
# guest would spend longer decompressing than reading it). Named after a
# hash of its contents, so that an edited init is picked up.
build_initramfs() {
	local key stage
	key=$(cat "$here/guest-init.sh" "$cache/kernel/modules/order" /bin/busybox |
		sha256sum | cut -c1-16)
	initrd=$cache/initramfs-$key.cpio
	[ -s "$initrd" ] && return 0
	stage=$(mktemp -d "$cache/initramfs.XXXXXX") || die "cannot write to $cache"
	mkdir -p "$stage"/{bin,dev,proc,sys,modules}
	cp /bin/busybox "$stage/bin/" && cp "$here/guest-init.sh" "$stage/init" &&
		chmod 755 "$stage/init" && cp "$cache/kernel/modules/"* "$stage/modules/" ||
		die "stage the initramfs"
	mknod "$stage/dev/console" c 5 1 2>/dev/null
	(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$initrd.new" ||
		die "cpio"
	rm -rf "$stage"
	mv "$initrd.new" "$initrd"
	# Those of earlier inits, once no run can be starting with them.
	find "$cache" -maxdepth 1 -name 'initramfs-*.cpio' ! -name "${initrd##*/}" -mmin +60 \
		-delete
}

prepare() {
	install_packages
	command -v qemu-system-x86_64 >/dev/null || unavailable "no qemu-system-x86_64"
	mkdir -p "$cache" || unavailable "cannot make $cache"
	exec 9>"$cache/.lock" && flock 9 || unavailable "cannot lock $cache"
	if ! [ -s "$cache/kernel/vmlinux" ] || ! [ -s "$cache/kernel/modules/order" ]; then
		fetch_kernel
	fi
	build_initramfs
	exec 9>&-
}

prepare
[ $prepare_only = 1 ] && exit 0

# ------------------------------------------------------------- the run
run=$(mktemp -d "${TMPDIR:-/tmp}/petrel-vm.XXXXXX") || die "mktemp"
results=$run/results
mkdir "$results"
qemu_pid=
sleeper=
cleanup() {
	[ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null
	if [ -n "$qemu_pid" ]; then
		kill -TERM "$qemu_pid" 2>/dev/null
		wait "$qemu_pid" 2>/dev/null
	fi
	if [ $keep = 1 ]; then
		say "run directory kept: $run"
	else
		rm -rf "$run"
	fi
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# The command, as a bash script the guest runs.
{
	echo '#!/bin/bash'
	printf 'cd %q || exit 125\n' "$PWD"
	for e in "${envs[@]}"; do
		name=${e%%=*}
		if [[ $e == *=* ]]; then
			printf 'export %q\n' "$e"
		elif [ -n "${!name+set}" ]; then
			printf 'export %q\n' "$name=${!name}"
		fi
	done
	printf 'exec'
	printf ' %q' "$@"
	echo
} >"$results/command"
chmod 755 "$results/command"
[ $as_init = 1 ] && : >"$results/init"

virtfs() { # TAG PATH [OPTIONS]
	[[ $2 != *,* ]] || die "a path with a comma cannot be shared: $2"
	echo "local,path=$2,mount_tag=$1,security_model=none,multidevs=remap${3:+,$3}"
}
# qemu64 emulates faster than a richer model. The kernel: a panic powers
# off (with -no-reboot); the emulated TSC is a good clock (the HPET costs an
# exit per read); no speculation mitigations to emulate; every controller
# on the unified hierarchy; sysrq for the backtraces of a hung guest.
qemu=(qemu-system-x86_64 -machine "pc,accel=${PETREL_VM_ACCEL:-tcg}" -cpu qemu64
	-smp "$cpus" -m "$memory" -nodefaults -no-user-config -display none -no-reboot
	-kernel "$cache/kernel/vmlinux" -initrd "$initrd"
	-append "console=ttyS0 quiet panic=-1 tsc=reliable mitigations=off cgroup_no_v1=all sysrq_always_enabled $append"
	-serial "file:$run/console.log" -monitor "unix:$run/monitor,server=on,wait=off"
	-virtfs "$(virtfs hostroot / readonly=on)" -virtfs "$(virtfs results "$results")")
: >"$results/shares"
for i in "${!shares[@]}"; do
	qemu+=(-virtfs "$(virtfs "rw$i" "${shares[$i]}")")
	echo "rw$i ${shares[$i]}" >>"$results/shares"
done
if [ "$disk" -gt 0 ]; then
	truncate -s "${disk}M" "$run/disk.img" || die "make the disk image"
	qemu+=(-drive "file=$run/disk.img,if=virtio,format=raw,cache=unsafe")
fi

# monitor COMMAND...: HMP commands to the running QEMU.
monitor() {
	python3 - "$run/monitor" "$@" <<'PY' >/dev/null 2>&1
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
for command in sys.argv[2:]:
    s.sendall(command.encode() + b"\n")
    time.sleep(0.5)
PY
}

start=$EPOCHREALTIME
"${qemu[@]}" </dev/null >"$run/qemu.out" 2>&1 &
qemu_pid=$!
if [ $console = 1 ]; then
	tail -n +1 -F --pid="$qemu_pid" "$run/console.log" 2>/dev/null >&2 &
fi
sleep "$timeout" &
sleeper=$!
wait -n "$qemu_pid" "$sleeper"
timed_out=0
if kill -0 "$qemu_pid" 2>/dev/null; then
	# The guest's kernel says what its CPUs and blocked tasks are doing.
	timed_out=1
	monitor "sendkey alt-sysrq-l" "sendkey alt-sysrq-w"
	sleep 5
	kill -TERM "$qemu_pid"
fi
wait "$qemu_pid"
qemu_status=$?
qemu_pid=
kill "$sleeper" 2>/dev/null
sleeper=
wait
elapsed=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')

if ! [ -f "$results/status" ]; then
	if [ $timed_out = 1 ]; then
		say "the guest did not finish within $timeout s"
		tail -n 200 "$run/console.log" 2>/dev/null | sed 's/^/petrel-vm: console: /' >&2
		exit 125
	else
		say "the guest powered off without running the command to its end (qemu: status $qemu_status)"
	fi
	sed 's/^/petrel-vm: qemu: /' "$run/qemu.out" >&2
	tail -n 40 "$run/console.log" 2>/dev/null | sed 's/^/petrel-vm: console: /' >&2
	exit 125
fi
cat "$results/stdout"
cat "$results/stderr" >&2
up=$(sed -n 's/^petrel-vm: up in \([0-9.]*\) s.*/\1/p' "$run/console.log")
if [ $console = 1 ] || [ -n "${PETREL_VM_VERBOSE:-}" ]; then
	say "booted in ${up:-?} s (guest clock), ${elapsed} s in all"
fi
exit "$(cat "$results/status")"
