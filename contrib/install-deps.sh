#!/usr/bin/env bash
# Installs, with apt-get, the Debian 12 packages petrel needs and that are
# missing: `build` for building petrel, `test` for building and running its
# tests (a superset; qemu-system-x86, cpio, kmod and xz-utils are for the
# guest-VM suites of tests/vm/, whose systemd guest runs the host's systemd
# and dbus, strace for tests/integration/cgroups-v2.sh;
# containerd and python3-grpcio, a CRI client's, for
# tests/integration/containerd.sh; podman (with conmon), netavark and
# iptables for its bridge network (netavark 1.4's only firewall driver; the
# iptables-nft it installs needs nf_tables in the kernel, not the nftables
# package) and catatonit for --init, for tests/integration/podman.sh, which
# also installs whichever of them is missing itself; go-md2man, which makes the man
# pages from docs/man/*.8.md, for tests/docs/check-man.sh). Does nothing when
# everything is there.
set -euo pipefail

build_packages=(autoconf automake pkg-config make gcc libc6-dev
	libyajl-dev libseccomp-dev libcap-dev libsystemd-dev criu libprotobuf-c-dev
	busybox-static)
test_packages=("${build_packages[@]}" clang libclang-rt-14-dev clang-format
	python3 jq groff-base man-db go-md2man iproute2 procps util-linux
	qemu-system-x86 cpio kmod xz-utils systemd dbus strace
	containerd python3-grpcio
	podman conmon netavark catatonit iptables)

case "${1:-build}" in
build) wanted=("${build_packages[@]}") ;;
test) wanted=("${test_packages[@]}") ;;
*)
	echo "usage: $0 [build|test]" >&2
	exit 2
	;;
esac

missing=()
for pkg in "${wanted[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$pkg")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "petrel: missing packages: ${missing[*]}; run as root or install them" >&2
	exit 1
fi
echo "Installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
