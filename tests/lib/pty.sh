# Sourced by the integration tests: running a program on a pseudo-terminal.

# on_pty SECONDS COMMAND [ARG...]: runs COMMAND on a new pseudo-terminal
# (script(1)) with the caller's stdin, killed after SECONDS; the terminal's
# output (stdout and stderr together) on stdout, COMMAND's exit status as
# the status. The shell that script(1) starts execs timeout, and timeout
# runs with --foreground: COMMAND must stay in the terminal's foreground
# process group, or a program that sets the terminal's mode (podman -t,
# ctr -t) is stopped by SIGTTOU and hangs. script(1) starts $SHELL, so the
# shell is named.
on_pty() {
	local secs=$1 cmd
	shift
	cmd=$(printf ' %q' "$@")
	SHELL=/bin/bash script -qfec "exec timeout --foreground -k 5 $secs$cmd" /dev/null
}
