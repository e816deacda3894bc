#!/usr/bin/env bash
# Runs a command under systemd inside a QEMU guest (tests/vm/run-in-guest.sh)
# and returns its output and exit status, for the tests of petrel's systemd
# cgroup driver on a host this machine is not: systemd as PID 1 with a
# system bus, on pure cgroup v2.
#
#   tests/vm/systemd-guest.sh [--criu] [RUN-IN-GUEST OPTIONS] -- COMMAND [ARG...]
#
# --criu: the guest loads the kernel modules CRIU needs first
# (tests/vm/criu-guest.sh), for checkpoint/restore under systemd.
#
# The guest's init (tests/vm/guest-init.sh, with run-in-guest.sh's --init)
# execs the host's systemd as the guest's PID 1. It starts only what the
# command needs: dbus.socket (and dbus.service on demand) and a oneshot
# service running the command, in the directory and with the environment
# it was given, then powers the guest off. So the command runs as a service
# of systemd, and scopes it asks for hold its processes. Booting the host's
# systemd the whole way (getty, generators, tmpfiles walking the shared host
# tree) would cost minutes under emulation; this costs seconds. The host
# image's /.dockerenv would make systemd believe it runs in a container: the
# guest removes it from its view.
#
# Exit status: the command's; 125 when systemd did not run it to its end
# (the guest's console is printed); 77 when the guest or systemd cannot be
# had (the reason on stderr).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if [ "${1:-}" != --in-guest ]; then
	# What comes before "--" is for run-in-guest.sh, but --criu.
	opts=() runner=$here/run-in-guest.sh
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		if [ "$1" = --criu ]; then runner=$here/criu-guest.sh; else opts+=("$1"); fi
		shift
	done
	[ $# -gt 1 ] || { echo "usage: $0 [--criu] [RUN-IN-GUEST OPTIONS] -- COMMAND [ARG...]" >&2 && exit 125; }
	shift
	[ -x /lib/systemd/systemd ] || { echo "systemd-guest: no /lib/systemd/systemd here" >&2 && exit 77; }
	exec "$runner" --init "${opts[@]}" -- "$here/systemd-guest.sh" --in-guest "$@"
fi
shift

# ----------------------------------------------------------- in the guest
# PID 1, with the results share at $PETREL_VM_RESULTS.
R=${PETREL_VM_RESULTS:?run by run-in-guest.sh --init}
mkdir -p /etc/systemd/system /etc/systemd/system-generators \
	/etc/systemd/system/dbus.socket.d /etc/systemd/system/dbus.service.d || exit 125
rm -f /.dockerenv

# The command as a script: its directory, its environment, its status.
{
	echo '#!/bin/bash'
	export -p | grep -Ev '^declare -x (PWD|OLDPWD|SHLVL|_|PETREL_VM_RESULTS)='
	printf 'cd %q || exit 125\n' "$PWD"
	printf '%q ' "$@"
	echo
	echo "echo \$? >$R/status.new && mv $R/status.new $R/status"
} >/run/petrel-vm-command
chmod 755 /run/petrel-vm-command

# Generators would walk the host's tree over 9p: none is needed.
for g in /lib/systemd/system-generators/*; do
	ln -sfn /dev/null "/etc/systemd/system-generators/${g##*/}"
done
# D-Bus without sysinit.target (tmpfiles and friends).
for u in dbus.socket dbus.service; do
	printf '[Unit]\nDefaultDependencies=no\n' >"/etc/systemd/system/$u.d/petrel-vm.conf"
done
cat >/etc/systemd/system/petrel-vm-command.service <<UNIT
[Unit]
Description=the command systemd-guest.sh runs
DefaultDependencies=no
Wants=dbus.socket
After=dbus.socket
# The guest powers off when the command ends, at once (a clean poweroff
# would wait for units this guest never started).
SuccessAction=poweroff-force
FailureAction=poweroff-force
[Service]
Type=oneshot
TimeoutStartSec=infinity
StandardOutput=file:$R/stdout
StandardError=file:$R/stderr
ExecStart=/run/petrel-vm-command
UNIT

exec /lib/systemd/systemd --unit=petrel-vm-command.service --show-status=false \
	--log-target=console --log-level=notice
