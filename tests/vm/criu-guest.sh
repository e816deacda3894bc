#!/usr/bin/env bash
# Runs a command in the guest of run-in-guest.sh with what CRIU needs: the
# guest runs Debian's 6.1 kernel, where Debian's criu 3.17 works (this
# host's newer kernel breaks `criu check`), but its init does not load the
# kernel modules CRIU uses (the sock_diag ones, tun, veth, nf_tables for its
# network lock and checks). This script takes them from the same kernel
# package into a cache of its own and loads them in the guest first.
#
#   tests/vm/criu-guest.sh [RUN-IN-GUEST OPTIONS] -- COMMAND [ARG...]
#
# e.g. tests/vm/criu-guest.sh --env PETREL -- bash tests/integration/checkpoint.sh
# Exit status: the command's; 125 when the guest did not run it to its end;
# 77 when the guest or the modules cannot be had.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vm_cache=${PETREL_VM_CACHE:-/var/cache/petrel-vm}
cache=${PETREL_VM_CRIU_CACHE:-/var/cache/petrel-vm-criu}
# What CRIU 3.17 uses: sockets' diag modules (dump), tun and veth (kerndat),
# nf_tables and the xtables glue of iptables-nft (network locking, checks).
modules=(inet_diag tcp_diag udp_diag raw_diag unix_diag netlink_diag af_packet_diag
	af_packet tun veth nf_tables nfnetlink nft_compat nft_ct xt_mark x_tables
	nf_conntrack nf_defrag_ipv4 nf_defrag_ipv6 nf_nat ip_tables iptable_filter
	ip6_tables ip6table_filter ipv6)

say() { echo "petrel-vm-criu: $*" >&2; }

if [ "${1:-}" = --in-guest ]; then
	dir=$2
	shift 2
	while read -r m; do
		case $m in
		*.ko.xz) xz -dc "$dir/$m" >"/tmp/${m%.xz}" && m=/tmp/${m%.xz} ;;
		*) m=$dir/$m ;;
		esac
		insmod "$m" 2>/dev/null
	done <"$dir/order"
	criu check >/dev/null 2>&1 || criu check 2>&1 | grep -m3 Error >&2
	exec "$@"
fi

# What comes before "--" is for run-in-guest.sh.
opts=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1") && shift; done
[ $# -gt 1 ] || { echo "usage: $0 [RUN-IN-GUEST OPTIONS] -- COMMAND [ARG...]" >&2 && exit 125; }
shift

"$here/run-in-guest.sh" --prepare || exit $?
read -r pkg version <"$vm_cache/kernel/version" || { say "no guest kernel"; exit 77; }

# $cache/<pkg>_<version>/: the modules (and order) for the guest's kernel.
dir=$cache/${pkg}_$version
if ! [ -s "$dir/order" ]; then
	mkdir -p "$cache" || exit 77
	tmp=$(mktemp -d "$cache/fetch.XXXXXX") || exit 77
	trap 'rm -rf "$tmp"' EXIT
	say "fetching $pkg $version for CRIU's kernel modules"
	(cd "$tmp" && apt-get -qq -o APT::Sandbox::User=root download "$pkg=$version" >&2) ||
		{ say "apt-get download $pkg=$version failed"; exit 77; }
	dpkg-deb -x "$tmp/$pkg"_*.deb "$tmp/root" || exit 77
	kver=$(ls "$tmp/root/lib/modules")
	depmod -b "$tmp/root" "$kver" || exit 77
	mkdir -p "$tmp/out"
	for m in "${modules[@]}"; do
		modprobe -d "$tmp/root" -S "$kver" --show-depends "$m" 2>/dev/null
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r path; do
		cp "$path" "$tmp/out/" && basename "$path" >>"$tmp/out/order"
	done
	[ -s "$tmp/out/order" ] || { say "no modules found in $pkg"; exit 77; }
	rm -rf "$dir" && mv "$tmp/out" "$dir" || exit 77
fi

# In the guest: the modules (built-in ones are simply not there), then the
# command.
exec "$here/run-in-guest.sh" "${opts[@]}" -- bash "$here/criu-guest.sh" --in-guest "$dir" "$@"
