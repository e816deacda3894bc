#!/bin/bash
# OCI hooks as petrel runs them: all six kinds, in order, each with the state
# JSON on stdin (status and pid per kind), its args and env exactly as given,
# in the namespaces the spec names (with the path resolved there); timeouts;
# failing hooks that abort create or start and leave nothing behind; failing
# poststart and poststop hooks that only warn. Needs root. Prints TAP. PETREL
# names the binary (default: $top_builddir/petrel).

. "$(dirname "$0")/../lib/integration.sh" hooks_integration
trap cleanup_all EXIT

# A variable of the caller's that no hook may inherit.
export PETREL_HOOKS_TEST_CALLER_ONLY=leaked
HOST_PATH=/usr/sbin:/usr/bin:/sbin:/bin
# Hooks log here; inside the container it is /hooklog. The files are
# world-writable, so that a hook in a user namespace could write them too.
LOG=$TEST_TMP/hooklog
mkdir -p "$LOG"
chmod 0777 "$LOG"
# A container root mapped to another host uid must reach the bundle.
chmod 0755 "$TEST_TMP"

# record.sh, sourced by `sh -c '. record.sh' KIND ARGS...` ($0 is KIND):
# what the hook saw, into $HOOK_LOG/KIND.*, and KIND appended to the order
# log. Works with dash on the host and busybox sh in the container. The
# shell opens /proc/self itself: before pivot_root /proc is the host's, where
# the shell's $$ (its pid in the container) names another process.
cat >"$LOG/record.sh" <<'SH'
k=$0
exec 3</proc/self/cmdline 4</proc/self/environ
tr '\0' '\n' <&3 >"$HOOK_LOG/$k.args"
tr '\0' '\n' <&4 >"$HOOK_LOG/$k.env"
cat >"$HOOK_LOG/$k.state"
readlink /proc/self/ns/mnt >"$HOOK_LOG/$k.mnt"
readlink /proc/self/ns/uts >"$HOOK_LOG/$k.uts"
readlink /proc/self/ns/pid >"$HOOK_LOG/$k.pidns"
readlink /proc/self/ns/user >"$HOOK_LOG/$k.userns"
uname -n >"$HOOK_LOG/$k.hostname"
echo "$k" >>"$HOOK_LOG/order"
SH

# hook_bundle DIR: a bundle with /hooklog bound to $LOG and a hostname of its
# own; the process appends "process" to the order log.
hook_bundle() {
	make_bundle "$1"
	mkdir -p "$ROOTFS_CACHE/hooklog" "$ROOTFS_CACHE/hookbin"
	edit_config "$1" 'import os
c["hostname"] = "petrel-hooked"
c["mounts"].append({"destination": "/hooklog", "type": "bind", "source": os.environ["LOG"],
                    "options": ["rbind", "rw"]})'
	set_args "$1" sh -c 'echo process >>/hooklog/order'
}
export LOG TEST_TMP

# add_hook DIR KIND JSON: appends one hook (a JSON object) to hooks.KIND.
add_hook() {
	HOOK_JSON=$3 edit_config "$1" 'import os
c.setdefault("hooks", {}).setdefault("'"$2"'", []).append(json.loads(os.environ["HOOK_JSON"]))'
}

# recording_hook KIND [LOG_DIR [ARG0]]: the JSON of a hook running
# record.sh through /bin/sh with args[0] ARG0 (default "KIND-hook"; busybox
# in the container needs "sh"), odd args and an env of three variables.
recording_hook() {
	python3 -c 'import json, sys
kind, dir, arg0, path = sys.argv[1:]
print(json.dumps({
    "path": "/bin/sh",
    "args": [arg0, "-c", ". " + dir + "/record.sh", kind, "two words", "", "--x=y"],
    "env": ["PATH=" + path, "HOOK_LOG=" + dir, "SPACED=a b=c"],
}))' "$1" "${2:-$LOG}" "${3:-$1-hook}" "$HOST_PATH"
}

# failing_hook KIND STATUS [TIMEOUT [LOG_DIR]]: a hook that records its state
# and host pid into LOG_DIR/fail.* (default $LOG) and exits with STATUS (or
# sleeps past TIMEOUT).
failing_hook() {
	local dir=${4:-$LOG}
	local script='read -r hp _ </proc/self/stat; echo $hp >'"$dir"'/fail.hookpid; cat >'"$dir"'/fail.state; '
	if [ -n "${3:-}" ]; then
		script+='exec sleep 600'
	else
		script+="exit $2"
	fi
	python3 -c 'import json, sys
h = {"path": "/bin/sh", "args": ["sh", "-c", sys.argv[1]], "env": ["PATH=" + sys.argv[2]]}
if sys.argv[3]:
    h["timeout"] = int(sys.argv[3])
print(json.dumps(h))' "$script" "$HOST_PATH" "${3:-}"
}

# state_check FILE ID STATUS PID: problems with a hook's state JSON, if any.
state_check() {
	python3 - "$@" "$B" <<'PY'
import json, sys
path, cid, status, pid, bundle = sys.argv[1:]
try:
    with open(path) as f:
        s = json.load(f)
except Exception as e:
    print("state is not JSON: %s" % e)
    sys.exit(0)
want = {"id": cid, "status": status, "bundle": bundle}
for k, v in want.items():
    if s.get(k) != v:
        print("%s: got %r, expected %r" % (k, s.get(k), v))
if s.get("pid", 0) != int(pid):
    print("pid: got %r, expected %s" % (s.get("pid"), pid))
if not s.get("ociVersion"):
    print("ociVersion missing")
PY
}

# gone PID: the process no longer exists (or is a zombie of someone else's).
gone() {
	[ -n "$1" ] || return 1
	[ -d "/proc/$1" ] || return 0
	[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

reset_log() {
	find "$LOG" -mindepth 1 ! -name record.sh -delete
	touch "$LOG/order"
	chmod 0666 "$LOG/order"
}

# The host's mounts outside the temporary directories of tests (other test
# scripts may run meanwhile); leftovers covers this script's own.
outside_mounts() {
	host_mounts | grep -v '^/tmp/petrel-'
}
mounts_before=$(outside_mounts)
host_mnt=$(readlink /proc/self/ns/mnt)
host_uts=$(readlink /proc/self/ns/uts)
host_pidns=$(readlink /proc/self/ns/pid)
host_userns=$(readlink /proc/self/ns/user)
host_name=$(uname -n)

# --- every kind, in order, with what the spec gives it ----------------------
B=$TEST_TMP/all
hook_bundle "$B"
for kind in prestart createRuntime createContainer poststart poststop; do
	add_hook "$B" "$kind" "$(recording_hook "$kind")"
done
add_hook "$B" startContainer "$(recording_hook startContainer /hooklog sh)"
reset_log

pt create --pid-file "$TEST_TMP/all.pid" -b "$B" hooked >"$TEST_TMP/create.out" \
	2>"$TEST_TMP/create.err"
rc=$?
is "create_with_every_hook_kind_succeeds" "$rc" 0
[ $rc -ne 0 ] && printf '#   %s\n' "$(cat "$TEST_TMP/create.err")"
initpid=$(cat "$TEST_TMP/all.pid" 2>/dev/null)
init_mnt=$(readlink "/proc/$initpid/ns/mnt")
init_uts=$(readlink "/proc/$initpid/ns/uts")
init_pidns=$(readlink "/proc/$initpid/ns/pid")
is "create_runs_the_create_hooks_in_order" "$(cat "$LOG/order")" \
	$'prestart\ncreateRuntime\ncreateContainer'
pt start hooked >"$TEST_TMP/start.out" 2>"$TEST_TMP/start.err"
is "start_with_hooks_succeeds" "$?" 0
wait_status hooked stopped
pt delete hooked >"$TEST_TMP/delete.out" 2>"$TEST_TMP/delete.err"
is "delete_with_poststop_hook_succeeds" "$?" 0
# poststart runs once the process was executed; whether before or after the
# process's own line is up to the scheduler.
is "hooks_run_in_lifecycle_order" "$(grep -v '^process$' "$LOG/order")" \
	$'prestart\ncreateRuntime\ncreateContainer\nstartContainer\npoststart\npoststop'
is "process_runs_after_the_start_container_hook_and_before_poststop" \
	"$(awk '/^startContainer$/ {s = NR} /^process$/ {p = NR} /^poststop$/ {e = NR}
		END {print (s && p > s && e > p) ? "yes" : "no"}' "$LOG/order")" yes

for kind in prestart createRuntime createContainer startContainer poststart poststop; do
	case $kind in
	prestart | createRuntime | createContainer) status=creating pid=$initpid ;;
	startContainer) status=created pid=$initpid ;;
	poststart) status=running pid=$initpid ;;
	poststop) status=stopped pid=0 ;;
	esac
	problems=$(state_check "$LOG/$kind.state" hooked "$status" "$pid")
	if [ -z "$problems" ]; then
		ok "${kind}_hook_reads_the_state_on_stdin"
	else
		fail "${kind}_hook_reads_the_state_on_stdin" "$problems" \
			"state: $(cat "$LOG/$kind.state" 2>/dev/null)"
	fi

	if [ "$kind" = startContainer ]; then
		args=$'sh\n-c\n. /hooklog/record.sh\nstartContainer\ntwo words\n\n--x=y'
		env="PATH=$HOST_PATH"$'\nHOOK_LOG=/hooklog\nSPACED=a b=c'
	else
		args="$kind-hook"$'\n-c\n'". $LOG/record.sh"$'\n'"$kind"$'\ntwo words\n\n--x=y'
		env="PATH=$HOST_PATH"$'\n'"HOOK_LOG=$LOG"$'\nSPACED=a b=c'
	fi
	is "${kind}_hook_gets_its_args_exactly" "$(cat "$LOG/$kind.args" 2>/dev/null)" "$args"
	is "${kind}_hook_gets_exactly_its_env" "$(cat "$LOG/$kind.env" 2>/dev/null)" "$env"

	case $kind in
	createContainer | startContainer)
		ns="$init_mnt $init_uts $init_pidns" name=petrel-hooked where=container
		;;
	*) ns="$host_mnt $host_uts $host_pidns" name=$host_name where=runtime ;;
	esac
	got_ns="$(cat "$LOG/$kind.mnt" "$LOG/$kind.uts" "$LOG/$kind.pidns" 2>/dev/null | xargs)"
	is "${kind}_hook_runs_in_the_${where}_namespaces" "$got_ns" "$ns"
	is "${kind}_hook_sees_the_${where}_hostname" "$(cat "$LOG/$kind.hostname" 2>/dev/null)" \
		"$name"
done
if [ -n "$init_mnt" ] && [ "$init_mnt" != "$host_mnt" ] && [ -n "$init_uts" ] &&
	[ "$init_uts" != "$host_uts" ]; then
	ok "container_has_mount_and_uts_namespaces_of_its_own"
else
	fail "container_has_mount_and_uts_namespaces_of_its_own" "container: $init_mnt $init_uts" \
		"host: $host_mnt $host_uts"
fi
is "lifecycle_with_hooks_leaves_nothing" "$(leftovers)" ""

# --- several hooks of one kind run in the listed order ----------------------
B=$TEST_TMP/two
hook_bundle "$B"
for n in 1 2 3; do
	add_hook "$B" createRuntime \
		'{"path": "/bin/sh", "args": ["sh", "-c", "echo '$n' >>'"$LOG"'/order"]}'
done
reset_log
pt create -b "$B" listed >"$TEST_TMP/create.out" 2>"$TEST_TMP/create.err"
is "create_with_three_create_runtime_hooks_succeeds" "$?" 0
is "hooks_of_one_kind_run_in_the_listed_order" "$(cat "$LOG/order")" $'1\n2\n3'
pt delete --force listed >/dev/null 2>&1

# --- a hook without env gets an empty environment ---------------------------
B=$TEST_TMP/noenv
hook_bundle "$B"
add_hook "$B" createRuntime \
	'{"path": "/bin/sh", "args": ["sh", "-c", "exec 4</proc/self/environ; /usr/bin/cat <&4 >'"$LOG"'/noenv.env"]}'
reset_log
pt create -b "$B" noenv >"$TEST_TMP/create.out" 2>"$TEST_TMP/create.err"
is "create_with_env_less_hook_succeeds" "$?" 0
if [ -f "$LOG/noenv.env" ] && [ ! -s "$LOG/noenv.env" ]; then
	ok "hook_without_env_gets_an_empty_environment"
else
	fail "hook_without_env_gets_an_empty_environment" \
		"environ: $(tr '\0' ' ' <"$LOG/noenv.env" 2>&1)"
fi
pt delete --force noenv >/dev/null 2>&1

# --- where the hook's path resolves -------------------------------------------
# createContainer: in the runtime's mount namespace, so a host-only path works.
mkdir -p "$TEST_TMP/hostbin"
printf '#!/bin/sh\necho host-only >>%s/order\n' "$LOG" >"$TEST_TMP/hostbin/hook"
chmod 0755 "$TEST_TMP/hostbin/hook"
B=$TEST_TMP/ccpath
hook_bundle "$B"
add_hook "$B" createContainer '{"path": "'"$TEST_TMP"'/hostbin/hook"}'
reset_log
pt create -b "$B" ccpath >"$TEST_TMP/create.out" 2>"$TEST_TMP/create.err"
rc=$?
is "create_container_hook_path_resolves_in_the_runtime_namespace" \
	"$rc $(cat "$LOG/order")" "0 host-only"
[ $rc -ne 0 ] && printf '#   %s\n' "$(cat "$TEST_TMP/create.err")"
pt delete --force ccpath >/dev/null 2>&1

# startContainer: in the container, so a path only the container has works...
mkdir -p "$TEST_TMP/ctbin"
printf '#!/bin/sh\necho container-only >>/hooklog/order\n' >"$TEST_TMP/ctbin/hook"
chmod 0755 "$TEST_TMP/ctbin/hook"
B=$TEST_TMP/scpath
hook_bundle "$B"
edit_config "$B" 'import os
c["mounts"].append({"destination": "/hookbin", "type": "bind",
                    "source": os.environ["TEST_TMP"] + "/ctbin", "options": ["rbind", "ro"]})'
add_hook "$B" startContainer '{"path": "/hookbin/hook"}'
reset_log
pt create -b "$B" scpath >"$TEST_TMP/create.out" 2>"$TEST_TMP/create.err" &&
	pt start scpath >"$TEST_TMP/start.out" 2>"$TEST_TMP/start.err"
rc=$?
wait_status scpath stopped
is "start_container_hook_path_resolves_in_the_container" "$rc $(cat "$LOG/order")" \
	$'0 container-only\nprocess'
[ $rc -ne 0 ] && printf '#   %s\n' "$(cat "$TEST_TMP/create.err" "$TEST_TMP/start.err")"
pt delete --force scpath >/dev/null 2>&1

# ...and one only the host has does not.
B=$TEST_TMP/schost
hook_bundle "$B"
add_hook "$B" startContainer '{"path": "'"$TEST_TMP"'/hostbin/hook"}'
reset_log
pt create --pid-file "$TEST_TMP/schost.pid" -b "$B" schost >"$TEST_TMP/create.out" \
	2>"$TEST_TMP/create.err"
is "create_with_host_only_start_container_hook_succeeds" "$?" 0
pt start schost >"$TEST_TMP/start.out" 2>"$TEST_TMP/start.err"
rc=$?
if [ $rc -ne 0 ] && grep -q "startContainer" "$TEST_TMP/start.err"; then
	ok "start_container_hook_path_does_not_resolve_on_the_host"
else
	fail "start_container_hook_path_does_not_resolve_on_the_host" "exit status: $rc" \
		"stderr: $(cat "$TEST_TMP/start.err")" "order: $(cat "$LOG/order")"
fi
is "process_does_not_run_after_a_failed_start_container_hook" "$(cat "$LOG/order")" ""
pid=$(cat "$TEST_TMP/schost.pid" 2>/dev/null)
if gone "$pid"; then
	ok "init_is_gone_after_a_failed_start_container_hook"
else
	fail "init_is_gone_after_a_failed_start_container_hook" "pid $pid: $(ps -o pid,stat,args -p "$pid")"
fi
is "container_is_stopped_after_a_failed_start_container_hook" "$(state_field schost status)" \
	stopped
pt delete schost >/dev/null 2>&1
is "delete_after_a_failed_start_container_hook_leaves_nothing" "$(leftovers)" ""

# --- in a user namespace ------------------------------------------------------
# The container's hooks run as its root, mapped to an unprivileged host uid:
# they can still write the world-writable logs.
B=$TEST_TMP/userns
hook_bundle "$B"
edit_config "$B" 'm = [{"containerID": 0, "hostID": 100000, "size": 65536}]
c["linux"]["namespaces"].append({"type": "user"})
c["linux"]["uidMappings"] = m
c["linux"]["gidMappings"] = m'
for kind in createRuntime createContainer; do
	add_hook "$B" "$kind" "$(recording_hook "$kind")"
done
add_hook "$B" startContainer "$(recording_hook startContainer /hooklog sh)"
reset_log
pt create --pid-file "$TEST_TMP/userns.pid" -b "$B" userns >"$TEST_TMP/create.out" \
	2>"$TEST_TMP/create.err"
rc=$?
is "create_with_user_namespace_and_hooks_succeeds" "$rc" 0
[ $rc -ne 0 ] && printf '#   %s\n' "$(cat "$TEST_TMP/create.err")"
initpid=$(cat "$TEST_TMP/userns.pid" 2>/dev/null)
init_userns=$(readlink "/proc/$initpid/ns/user")
pt start userns >"$TEST_TMP/start.out" 2>"$TEST_TMP/start.err"
is "start_with_user_namespace_and_hooks_succeeds" "$?" 0
wait_status userns stopped
is "user_namespace_hooks_run_in_order" "$(cat "$LOG/order")" \
	$'createRuntime\ncreateContainer\nstartContainer\nprocess'
is "create_runtime_hook_runs_in_the_runtimes_user_namespace" \
	"$(cat "$LOG/createRuntime.userns" 2>/dev/null)" "$host_userns"
for kind in createContainer startContainer; do
	got=$(cat "$LOG/$kind.userns" 2>/dev/null)
	if [ -n "$init_userns" ] && [ "$init_userns" != "$host_userns" ] &&
		[ "$got" = "$init_userns" ]; then
		ok "${kind}_hook_runs_in_the_containers_user_namespace"
	else
		fail "${kind}_hook_runs_in_the_containers_user_namespace" "got: $got" \
			"container: $init_userns" "host: $host_userns"
	fi
	status=creating
	[ $kind = startContainer ] && status=created
	problems=$(state_check "$LOG/$kind.state" userns "$status" "$initpid")
	if [ -z "$problems" ]; then
		ok "${kind}_hook_in_a_user_namespace_reads_the_host_pid"
	else
		fail "${kind}_hook_in_a_user_namespace_reads_the_host_pid" "$problems"
	fi
done
pt delete userns >/dev/null 2>&1
is "user_namespace_container_with_hooks_leaves_nothing" "$(leftovers)" ""

# --- failing hooks abort create and leave nothing ----------------------------
for kind in prestart createRuntime createContainer; do
	B=$TEST_TMP/fail-$kind
	hook_bundle "$B"
	add_hook "$B" "$kind" "$(failing_hook "$kind" 3)"
	reset_log
	pt create -b "$B" "fail-$kind" >"$TEST_TMP/create.out" 2>"$TEST_TMP/create.err"
	rc=$?
	if [ $rc -ne 0 ] && grep -q "$kind hook" "$TEST_TMP/create.err"; then
		ok "failing_${kind}_hook_fails_create_naming_the_hook"
	else
		fail "failing_${kind}_hook_fails_create_naming_the_hook" "exit status: $rc" \
			"stderr: $(cat "$TEST_TMP/create.err")"
	fi
	pid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' \
		"$LOG/fail.state" 2>/dev/null)
	if [ -n "$pid" ] && [ "$pid" != 0 ] && gone "$pid"; then
		ok "failing_${kind}_hook_leaves_no_init"
	else
		fail "failing_${kind}_hook_leaves_no_init" "init pid from the hook's state: '$pid'"
	fi
	is "failing_${kind}_hook_leaves_no_state_or_mounts" "$(leftovers)" ""
	pt delete --force "fail-$kind" >/dev/null 2>&1
done

# run -d with a failing startContainer hook: start fails, run cleans up.
B=$TEST_TMP/fail-sc
hook_bundle "$B"
add_hook "$B" startContainer "$(failing_hook startContainer 4 "" /hooklog)"
reset_log
pt run -d -b "$B" fail-sc >"$TEST_TMP/run.out" 2>"$TEST_TMP/run.err"
rc=$?
if [ $rc -ne 0 ] && grep -q "startContainer hook" "$TEST_TMP/run.err"; then
	ok "failing_start_container_hook_fails_run_naming_the_hook"
else
	fail "failing_start_container_hook_fails_run_naming_the_hook" "exit status: $rc" \
		"stderr: $(cat "$TEST_TMP/run.err")"
fi
is "failing_start_container_hook_stops_the_process_from_running" \
	"$(grep -c '^process$' "$LOG/order")" 0
pid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' \
	"$LOG/fail.state" 2>/dev/null)
if [ -n "$pid" ] && [ "$pid" != 0 ] && gone "$pid"; then
	ok "failing_start_container_hook_leaves_no_init"
else
	fail "failing_start_container_hook_leaves_no_init" "init pid from the hook's state: '$pid'"
fi
is "failing_start_container_hook_in_run_leaves_nothing" "$(leftovers)" ""
pt delete --force fail-sc >/dev/null 2>&1

# A hook that cannot be executed at all.
B=$TEST_TMP/missing
hook_bundle "$B"
add_hook "$B" createRuntime '{"path": "'"$TEST_TMP"'/no/such/hook"}'
pt create -b "$B" missing >"$TEST_TMP/create.out" 2>"$TEST_TMP/create.err"
rc=$?
if [ $rc -ne 0 ] && grep -q "$TEST_TMP/no/such/hook" "$TEST_TMP/create.err"; then
	ok "missing_hook_executable_fails_create_naming_it"
else
	fail "missing_hook_executable_fails_create_naming_it" "exit status: $rc" \
		"stderr: $(cat "$TEST_TMP/create.err")"
fi
is "missing_hook_executable_leaves_nothing" "$(leftovers)" ""
pt delete --force missing >/dev/null 2>&1

# --- timeouts ------------------------------------------------------------------
for kind in createRuntime createContainer; do
	B=$TEST_TMP/slow-$kind
	hook_bundle "$B"
	add_hook "$B" "$kind" "$(failing_hook "$kind" 0 1)"
	reset_log
	# 60 s only guards the test against a timeout petrel never enforces.
	timeout 60 "$PETREL" --root "$TEST_ROOT" create -b "$B" "slow-$kind" \
		>"$TEST_TMP/create.out" 2>"$TEST_TMP/create.err"
	rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q "$kind hook.*timed out" "$TEST_TMP/create.err"; then
		ok "slow_${kind}_hook_times_out_and_fails_create"
	else
		fail "slow_${kind}_hook_times_out_and_fails_create" "exit status: $rc" \
			"stderr: $(cat "$TEST_TMP/create.err")"
	fi
	hookpid=$(cat "$LOG/fail.hookpid" 2>/dev/null)
	if gone "$hookpid"; then
		ok "slow_${kind}_hook_is_killed"
	else
		fail "slow_${kind}_hook_is_killed" "hook pid '$hookpid': $(ps -o pid,stat,args -p "$hookpid")"
		[ -n "$hookpid" ] && kill -9 "$hookpid" 2>/dev/null
	fi
	pid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' \
		"$LOG/fail.state" 2>/dev/null)
	if [ -n "$pid" ] && [ "$pid" != 0 ] && gone "$pid"; then
		ok "slow_${kind}_hook_leaves_no_init"
	else
		fail "slow_${kind}_hook_leaves_no_init" "init pid from the hook's state: '$pid'"
	fi
	is "slow_${kind}_hook_leaves_nothing" "$(leftovers)" ""
	pt delete --force "slow-$kind" >/dev/null 2>&1
done

# --- failing poststart and poststop hooks only warn ---------------------------
B=$TEST_TMP/warn
hook_bundle "$B"
set_args "$B" sleep 600
add_hook "$B" poststart "$(failing_hook poststart 3)"
add_hook "$B" poststop "$(failing_hook poststop 3)"
add_hook "$B" poststop '{"path": "/bin/sh", "args": ["sh", "-c", "echo second-poststop >>'"$LOG"'/order"]}'
reset_log
pt create -b "$B" warn >"$TEST_TMP/create.out" 2>"$TEST_TMP/create.err"
is "create_with_failing_poststart_hook_succeeds" "$?" 0
pt start warn >"$TEST_TMP/start.out" 2>"$TEST_TMP/start.err"
rc=$?
is "failing_poststart_hook_does_not_fail_start" "$rc" 0
like "failing_poststart_hook_is_a_warning" "$(cat "$TEST_TMP/start.err")" "warning.*poststart"
is "container_runs_on_after_a_failing_poststart_hook" "$(state_field warn status)" running
pt kill warn KILL >/dev/null 2>&1
wait_status warn stopped
pt delete warn >"$TEST_TMP/delete.out" 2>"$TEST_TMP/delete.err"
rc=$?
is "failing_poststop_hook_does_not_fail_delete" "$rc" 0
like "failing_poststop_hook_is_a_warning" "$(cat "$TEST_TMP/delete.err")" "warning.*poststop"
is "delete_removes_the_container_despite_a_failing_poststop_hook" "$(leftovers)" ""
# The spec: "the remaining hooks and lifecycle continue as if the hook had
# succeeded".
is "poststop_hooks_after_a_failing_one_still_run" "$(cat "$LOG/order")" "second-poststop"
pt delete --force warn >/dev/null 2>&1

# A failed create goes on to delete, as the spec's lifecycle says: the
# poststop hooks run (with status stopped), and nothing is left.
B=$TEST_TMP/create-fails-poststop
hook_bundle "$B"
reset_log
add_hook "$B" createRuntime "$(failing_hook createRuntime 4)"
add_hook "$B" poststop '{"path": "/bin/sh", "args": ["sh", "-c", "cat > '"$LOG"'/poststop.state"], "env": ["PATH='"$HOST_PATH"'"]}'
pt create --bundle "$B" cfp >"$TEST_TMP/cfp.out" 2>&1 </dev/null
rc=$?
is "failed_create_fails" "$rc" 1
like "failed_create_runs_poststop_hooks_with_status_stopped" \
	"$(cat "$LOG/poststop.state" 2>/dev/null)" '"status":"stopped"'
is "failed_create_with_poststop_leaves_nothing" "$(leftovers)" ""

is "host_mounts_unchanged" "$(outside_mounts)" "$mounts_before"
is "nothing_left_behind" "$(leftovers)" ""
tap_done
