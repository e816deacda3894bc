#!/bin/bash
# The container's stdio: with process.terminal a pty made for the container,
# its master handed over --console-socket (received by the tests' stand-in
# for conmon, tests/helpers/console-receiver) or relayed by a foreground
# `run` driven from a pty here; consoleSize, /dev/console, input, output and
# exit status; the flag errors; and stdio passed through untouched without a
# terminal. Needs root. Prints TAP. PETREL names the binary (default:
# $top_builddir/petrel), CONSOLE_RECEIVER the helper (default:
# $top_builddir/tests/helpers/console-receiver).

. "$(dirname "$0")/../lib/integration.sh" terminal_integration
RECEIVER=${CONSOLE_RECEIVER:-${top_builddir:-$top/build}/tests/helpers/console-receiver}

receiver_pid=
cleanup() {
	[ -n "$receiver_pid" ] && kill "$receiver_pid" 2>/dev/null
	cleanup_all
}
trap cleanup EXIT

if [ ! -x "$RECEIVER" ]; then
	fail "console_receiver_is_built" "not found: $RECEIVER"
	tap_done
	exit
fi

# A pty driver for `run` in the foreground: runs COMMAND on a new pty whose
# window size is ROWSxCOLS (0x0: none), waits for WAIT_FOR in the output,
# types INPUT, and collects the output until the pty closes. Exits with the
# command's status (124 when it took longer than 30 s: killed).
#   ptydrive OUTPUT_FILE ROWS COLS WAIT_FOR INPUT COMMAND...
cat >"$TEST_TMP/ptydrive.py" <<'PY'
import fcntl, os, pty, select, signal, struct, sys, termios, time
out_path, rows, cols, wait_for, text = sys.argv[1:6]
argv = sys.argv[6:]
pid, master = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", int(rows), int(cols), 0, 0))
    os.execv(argv[0], argv)
deadline = time.monotonic() + 30
out = b""
typed = not wait_for
timed_out = False
while True:
    left = deadline - time.monotonic()
    if left <= 0:
        timed_out = True
        break
    r, _, _ = select.select([master], [], [], left)
    if not r:
        continue
    try:
        data = os.read(master, 4096)
    except OSError:  # EIO: every slave fd is closed
        break
    if not data:
        break
    out += data
    if not typed and wait_for.encode() in out:
        os.write(master, text.encode())
        typed = True
with open(out_path, "wb") as f:
    f.write(out)
if timed_out:
    os.kill(pid, signal.SIGKILL)
_, status = os.waitpid(pid, 0)
if timed_out:
    sys.exit(124)
sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
PY

ptydrive() {
	timeout 60 python3 "$TEST_TMP/ptydrive.py" "$@"
}

# start_receiver SOCKET OUTPUT [--write TEXT]: a console-receiver in the
# background, listening once this returns.
start_receiver() {
	local sock=$1
	"$RECEIVER" "$@" 2>"$2.err" &
	receiver_pid=$!
	for _ in $(seq 1 200); do
		[ -S "$sock" ] && return 0
		sleep 0.05
	done
	return 1
}

# wait_receiver: its exit status (124 when still running after 30 s).
wait_receiver() {
	local rc
	for _ in $(seq 1 600); do
		if ! kill -0 "$receiver_pid" 2>/dev/null; then
			wait "$receiver_pid"
			rc=$?
			receiver_pid=
			return $rc
		fi
		sleep 0.05
	done
	kill "$receiver_pid"
	wait "$receiver_pid"
	receiver_pid=
	return 124
}

# Output of a pty has \r\n line ends.
crlf_to_lf() {
	tr -d '\r' <"$1"
}

# The host's mounts outside the temporary directories of tests (other test
# scripts may run meanwhile); leftovers covers this script's own.
outside_mounts() {
	host_mounts | grep -v '^/tmp/petrel-'
}
mounts_before=$(outside_mounts)

# --- create --console-socket ---------------------------------------------
B=$TEST_TMP/tty
make_bundle "$B"
edit_config "$B" 'c["process"]["terminal"] = True
c["process"]["consoleSize"] = {"height": 30, "width": 100}'
set_args "$B" sh -c 'echo tty:$(tty)
echo size:$(stty size)
echo console:$(stat -c "%F %t:%T" /dev/console)
echo pty:$(stat -c "%F %t:%T" $(tty))
echo ready
read x
echo got:$x
exit 3'

out=$TEST_TMP/console.out
if ! start_receiver "$TEST_TMP/console.sock" "$out" --write $'hello from the receiver\n'; then
	fail "console_receiver_listens" "$(cat "$out.err")"
fi
pt create --console-socket "$TEST_TMP/console.sock" --pid-file "$TEST_TMP/tty.pid" -b "$B" \
	ctty >"$TEST_TMP/create.out" 2>"$TEST_TMP/create.err"
rc=$?
is "create_with_console_socket_succeeds" "$rc" 0
[ $rc -ne 0 ] && printf '#   %s\n' "$(cat "$TEST_TMP/create.err")"
is "created_container_is_created" "$(state_field ctty status)" created
pt start ctty >"$TEST_TMP/start.out" 2>"$TEST_TMP/start.err"
is "start_of_terminal_container_succeeds" "$?" 0
wait_receiver
rc=$?
is "console_receiver_gets_the_pty_master_and_reads_to_eof" "$rc" 0
like "console_receiver_received_an_fd" "$(cat "$out.err")" "received"
text=$(crlf_to_lf "$out")
like "container_output_arrives_through_the_master" "$text" "^ready$"
like "tty_is_dev_pts_0" "$text" "^tty:/dev/pts/0$"
like "console_size_is_applied" "$text" "^size:30 100$"
pty_dev=$(printf '%s\n' "$text" | sed -n 's/^pty://p')
console_dev=$(printf '%s\n' "$text" | sed -n 's/^console://p')
like "pty_slave_is_a_char_device" "$pty_dev" "^character special file [0-9a-f]+:[0-9a-f]+$"
is "dev_console_is_the_pty" "$console_dev" "$pty_dev"
like "receiver_input_reaches_container_stdin" "$text" "^got:hello from the receiver$"
wait_status ctty stopped
is "terminal_container_stops_after_its_process_exits" "$(state_field ctty status)" stopped
pt delete ctty >/dev/null 2>&1
is "stopped_terminal_container_is_deleted" "$(leftovers)" ""

# --- flag errors -----------------------------------------------------------
# refused NAME PATTERN ID ARGS...: `pt ARGS...` (making container ID) must
# fail with PATTERN (grep -E) on stderr; a container it made all the same is
# deleted.
refused() {
	local name=$1 pattern=$2 id=$3 rc
	shift 3
	pt "$@" </dev/null >"$TEST_TMP/e.out" 2>"$TEST_TMP/e.err"
	rc=$?
	if [ $rc -ne 0 ] && grep -Eq -- "$pattern" "$TEST_TMP/e.err"; then
		ok "$name"
	else
		fail "$name" "exit status: $rc" "stderr: $(cat "$TEST_TMP/e.err")"
		pt delete --force "$id" >/dev/null 2>&1
	fi
}

refused create_with_terminal_requires_console_socket console-socket noconsole \
	create -b "$B" noconsole
is "refused_create_leaves_nothing" "$(leftovers)" ""

refused detached_run_with_terminal_requires_console_socket console-socket detached \
	run -d -b "$B" detached
is "refused_detached_run_leaves_nothing" "$(leftovers)" ""

# --- --pidfd-socket ------------------------------------------------------
# create hands a pidfd of the init to the socket (payload "standard", as
# runc); it refers to the init and polls readable once the init exits.
P=$TEST_TMP/pidfd
make_bundle "$P"
set_args "$P" sh -c 'exit 0'
if ! start_receiver "$TEST_TMP/pidfd.sock" "$TEST_TMP/pidfd.out" --pidfd; then
	fail "pidfd_receiver_listens" "$(cat "$TEST_TMP/pidfd.out.err")"
fi
pt create --pidfd-socket "$TEST_TMP/pidfd.sock" -b "$P" cpidfd \
	>"$TEST_TMP/create.out" 2>"$TEST_TMP/create.err"
rc=$?
init=$(state_field cpidfd pid)
sleep 0.2
is "create_sends_a_pidfd_of_the_init_to_the_pidfd_socket" \
	"$rc:$(cat "$TEST_TMP/pidfd.out")" "0:standard $init"
pt start cpidfd >/dev/null 2>&1
wait_receiver
is "the_pidfd_polls_readable_when_the_init_exits" "$?:$(tail -1 "$TEST_TMP/pidfd.out")" \
	"0:exited"
pt delete --force cpidfd >/dev/null 2>&1
refused unreachable_pidfd_socket_fails_the_run 'connect to pidfd socket' cnopidfd \
	run -d --pidfd-socket "$TEST_TMP/nobody.sock" -b "$P" cnopidfd
is "refused_pidfd_socket_leaves_nothing" "$(leftovers)" ""

# In the foreground petrel relays the terminal itself: a console socket
# there is refused, as runc does.
refused foreground_run_with_console_socket_is_an_error '--console-socket needs --detach' fgsock \
	run -b "$B" --console-socket "$TEST_TMP/console.sock" fgsock
is "refused_foreground_run_leaves_nothing" "$(leftovers)" ""

N=$TEST_TMP/notty
make_bundle "$N"
set_args "$N" true
# Nothing listens there: the flag must be refused before it is used.
refused console_socket_with_terminal_false_is_an_error terminal notty \
	create --console-socket "$TEST_TMP/nobody.sock" -b "$N" notty
is "refused_console_socket_leaves_nothing" "$(leftovers)" ""

# --- run in the foreground relays the terminal ----------------------------
set_args "$B" sh -c 'echo tty:$(tty)
echo size:$(stty size)
echo ready
read x
echo got:$x
exit 5'
ptydrive "$TEST_TMP/run.out" 0 0 ready $'typed at the terminal\n' \
	"$PETREL" --root "$TEST_ROOT" run -b "$B" fg >/dev/null 2>&1
rc=$?
is "foreground_run_exits_with_the_container_status" "$rc" 5
text=$(crlf_to_lf "$TEST_TMP/run.out")
like "foreground_run_relays_container_output" "$text" "^tty:/dev/pts/0$"
like "foreground_run_relays_input_to_container" "$text" "^got:typed at the terminal$"
like "foreground_run_applies_console_size_without_a_window_size" "$text" "^size:30 100$"
is "foreground_run_deletes_the_container" "$(leftovers)" ""

# The process looks at once: the size must be set before it starts.
set_args "$B" sh -c 'echo size:$(stty size)'
ptydrive "$TEST_TMP/run2.out" 40 120 "" "" \
	"$PETREL" --root "$TEST_ROOT" run -b "$B" fgsize >/dev/null 2>&1
rc=$?
is "foreground_run_exits_0_when_the_container_does" "$rc" 0
like "foreground_run_sizes_the_terminal_before_the_process_starts" "$(crlf_to_lf "$TEST_TMP/run2.out")" \
	"^size:40 120$"
is "second_foreground_run_leaves_nothing" "$(leftovers)" ""

# --- without a terminal: stdio untouched ----------------------------------
set_args "$N" sh -c 'echo to-stdout; echo to-stderr >&2'
pt create -b "$N" plain >"$TEST_TMP/plain.out" 2>"$TEST_TMP/plain.err" </dev/null
is "create_without_terminal_succeeds" "$?" 0
# The container's stdio are the files create was given, untouched by start.
pt start plain >"$TEST_TMP/start.out" 2>"$TEST_TMP/start.err"
is "start_without_terminal_succeeds" "$?" 0
wait_status plain stopped
is "container_stdout_lands_in_creates_stdout_file" "$(cat "$TEST_TMP/plain.out")" "to-stdout"
is "container_stderr_lands_in_creates_stderr_file" "$(cat "$TEST_TMP/plain.err")" "to-stderr"
is "start_output_holds_nothing_of_the_container" "$(cat "$TEST_TMP/start.out")" ""
pt delete plain >/dev/null 2>&1

printf 'line one\nline two\n' >"$TEST_TMP/input"
set_args "$N" cat
pt run -b "$N" catrun <"$TEST_TMP/input" >"$TEST_TMP/cat.out" 2>"$TEST_TMP/cat.err"
rc=$?
is "run_without_terminal_exits_0" "$rc" 0
is "run_passes_stdin_file_to_container" "$(cat "$TEST_TMP/cat.out")" $'line one\nline two'

set_args "$N" sh -c 'stat -L -c %d:%i /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2; exit 7'
pt run -b "$N" fdrun <"$TEST_TMP/input" >"$TEST_TMP/fd.out" 2>"$TEST_TMP/fd.err"
rc=$?
is "run_without_terminal_exits_with_the_container_status" "$rc" 7
# The container's fds 0-2 are the caller's own files (same device and inode),
# not a pty or pipes of petrel's.
is "run_without_terminal_hands_over_the_callers_files" "$(cat "$TEST_TMP/fd.out")" \
	"$(stat -c %d:%i "$TEST_TMP/input" "$TEST_TMP/fd.out" "$TEST_TMP/fd.err")"

is "host_mounts_unchanged" "$(outside_mounts)" "$mounts_before"
is "nothing_left_behind" "$(leftovers)" ""
tap_done
