#!/usr/bin/env bash
# Makes a minimal root filesystem from Debian's busybox-static:
# contrib/make-busybox-rootfs.sh DIR. Every busybox applet is a symlink in
# /bin; /etc/passwd and /etc/group hold root and nobody.
set -euo pipefail
dir=${1:?usage: $0 DIR}
busybox=/bin/busybox
[ -x "$busybox" ] || {
	echo "busybox-static is not installed (apt-get install busybox-static)" >&2
	exit 1
}
mkdir -p "$dir"/{bin,dev,etc,proc,sys,tmp,root,run,var}
cp "$busybox" "$dir/bin/busybox"
for applet in $("$busybox" --list); do
	[ -e "$dir/bin/$applet" ] || ln -s busybox "$dir/bin/$applet"
done
ln -sfn bin "$dir/sbin"
mkdir -p "$dir/usr"
ln -sfn ../bin "$dir/usr/bin"
ln -sfn ../bin "$dir/usr/sbin"
chmod 1777 "$dir/tmp"
cat >"$dir/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat >"$dir/etc/group" <<'GROUP'
root:x:0:
tty:x:5:
nogroup:x:65534:
GROUP
