#!/bin/bash
# petrel under containerd (Debian's containerd 1.6) through its runc v2 shim,
# which drives petrel with runc's command line and --log-format json. A
# containerd of the test's own runs in the background: config, root, state,
# socket and the petrel roots all in the test's temporary directory. The
# busybox rootfs goes in as an OCI archive (contrib/make-oci-archive.py, no
# registry). With `ctr`: run --rm (output, exit codes, a tty), a detached
# task with exec (with and without a tty, detached), ps, pause/resume,
# metrics, kill (one signal; --all reaching an exec'd process that a signal
# to the init alone does not), delete, a container in another's pid
# namespace, a memory limit enforced, and the error containerd shows when
# petrel refuses a container. With the CRI plugin: a pod, a container that
# prints and exits with a code, and a long-running one with exec, on the
# runtime handler "petrel", configured in config.toml with BinaryName, Root
# and SystemdCgroup as a Kubernetes node has it (ctr sends runc options of
# its own and never reads that table). The CRI client is a minimal one in
# python3-grpcio, installed with containerd when missing. Every container's cgroup lies
# below the test's own cgroup (a relative cgroupsPath); the test never moves
# a process. Needs root; prints TAP.

. "$(dirname "$0")/../lib/integration.sh" containerd_integration
# The system's python3 (with python3-grpcio) before any pyenv shim.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

if [ ! -x "$PETREL" ]; then
	fail petrel_binary_exists "no executable at $PETREL"
	cleanup_all
	tap_done
	exit
fi
if ! command -v containerd >/dev/null || ! command -v ctr >/dev/null ||
	! command -v containerd-shim-runc-v2 >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends containerd \
		>"$TEST_TMP/apt.log" 2>&1 ||
		{ apt-get update -q >/dev/null 2>&1 &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
				containerd >>"$TEST_TMP/apt.log" 2>&1; }
fi
# The CRI client below needs python3-grpcio.
if ! python3 -c 'import grpc' 2>/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-grpcio \
		>>"$TEST_TMP/apt.log" 2>&1 ||
		{ apt-get update -q >/dev/null 2>&1 &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
				python3-grpcio >>"$TEST_TMP/apt.log" 2>&1; }
fi
if ! command -v containerd >/dev/null || ! command -v containerd-shim-runc-v2 >/dev/null; then
	skip containerd_runs_petrel "Debian's containerd cannot be installed: $(tail -1 "$TEST_TMP/apt.log")"
	cleanup_all
	tap_done
	exit
fi

D=$TEST_TMP/containerd
SOCK=$D/containerd.sock
PROOT=$D/petrel-root        # --runc-root of the ctr runs
CRI_ROOT=$D/petrel-cri-root # Root of the CRI runtime "petrel"
FIFO=$D/fifo
IMAGE=docker.io/petrel/busybox:test
PAUSE_IMAGE=docker.io/petrel/pause:test
# The run's cgroup, relative: below the own cgroup in every hierarchy.
CG=petrel-ctd-$$
mkdir -p "$D" "$FIFO" "$D/cni/bin" "$D/cni/conf" "$D/logs"
CTD_PID=
# The shim keeps its sockets in /run/containerd/s whatever the config says.
RUN_CTD_EXISTED=
[ -e /run/containerd ] && RUN_CTD_EXISTED=1

# ------------------------------------------------------------------ helpers
c() { timeout -k 5 60 ctr --address "$SOCK" "$@"; }

# ctr_run NAME ARGS...: `ctr run` with petrel as the shim's runc binary;
# stdout in $out, stderr in $err, status in $rc.
ctr_run() {
	local name=$1
	shift
	c run --fifo-dir "$FIFO" --runtime io.containerd.runc.v2 --runc-binary "$PETREL" \
		--runc-root "$PROOT" "$@" >"$TEST_TMP/$name.out" 2>"$TEST_TMP/$name.err" </dev/null
	rc=$?
	out=$(cat "$TEST_TMP/$name.out")
	err=$(cat "$TEST_TMP/$name.err")
}

# on_tty ARGS...: ctr on a new pseudo-terminal (ctr's -t needs its stdin
# to be a console); output with CRs removed, status kept.
on_tty() {
	local status
	on_pty 60 ctr --address "$SOCK" "$@" </dev/null >"$TEST_TMP/tty.out" 2>&1
	status=$?
	# ctr writes a NUL to the console, echoed as ^@.
	tr -d '\r\0' <"$TEST_TMP/tty.out" | sed 's/\^@//g'
	return $status
}

task_status() { c task ls 2>/dev/null | awk -v id="$1" '$1 == id { print $3 }'; }
task_pid() { c task ls 2>/dev/null | awk -v id="$1" '$1 == id { print $2 }'; }

# wait_task ID STATUS: up to 5 s
wait_task() {
	for _ in $(seq 50); do
		[ "$(task_status "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# petrel_ids ROOT: the containers petrel keeps under a shim's root
petrel_ids() {
	[ -d "$1" ] || return 0
	"$PETREL" --root "$1" list -q 2>/dev/null
}

# own_cgroups: "CONTROLLERS DIR" for every mounted hierarchy, DIR the
# test's own cgroup in it; CONTROLLERS as /proc/self/cgroup names them
# ("memory", "name=systemd"), "unified" for cgroup v2.
own_cgroups() {
	python3 - <<'EOF2'
own = {}
for line in open("/proc/self/cgroup"):
    _, ctrls, path = line.rstrip("\n").split(":", 2)
    own[ctrls] = path
seen = set()
for line in open("/proc/self/mountinfo"):
    f = line.split()
    sep = f.index("-")
    fstype, root, target, opts = f[sep + 1], f[3], f[4], f[sep + 3].split(",")
    for ctrls, path in own.items():
        if (fstype == "cgroup2" and ctrls == "") or (
                fstype == "cgroup" and ctrls and all(c in opts for c in ctrls.split(","))):
            if ctrls in seen or not path.startswith(root):
                continue
            seen.add(ctrls)
            rel = path[len(root):] if root != "/" else path
            print(ctrls or "unified", target + rel.rstrip("/"))
EOF2
}
own_cgroup_dirs() { own_cgroups | cut -d' ' -f2-; }

# cg_dir CONTROLLER: the run's cgroup directory in the v1 hierarchy that
# has CONTROLLER, else in the v2 one (which has the freezer built in).
cg_dir() {
	local ctrls dir v2=
	while read -r ctrls dir; do
		if [ "$ctrls" = unified ]; then
			v2=$dir/$CG
		elif [[ ",$ctrls," == *",$1,"* ]]; then
			echo "$dir/$CG"
			return 0
		fi
	done < <(own_cgroups)
	[ -n "$v2" ] && echo "$v2"
}

# Everything the test made, whatever state it stopped in: tasks and
# containers in containerd's namespaces, containerd itself, the shims it
# left, petrel's containers, mounts, the run's cgroups, /run/containerd.
cleanup() {
	local ns id dir
	# What containerd and the shims said, for the failures' diagnosis.
	if [ "$TAP_FAILED" -gt 0 ] && [ -f "$D/containerd.log" ]; then
		grep -E 'level=(error|warning)' "$D/containerd.log" | tail -n 20 >&2
	fi
	[ -n "${CONTAINERD_TEST_LOG:-}" ] && cp "$D/containerd.log" "$CONTAINERD_TEST_LOG"
	if [ -n "$CTD_PID" ] && kill -0 "$CTD_PID" 2>/dev/null; then
		for ns in default k8s.io; do
			for id in $(c -n "$ns" task ls -q 2>/dev/null); do
				c -n "$ns" task kill -a -s SIGKILL "$id" >/dev/null 2>&1
				c -n "$ns" task delete -f "$id" >/dev/null 2>&1
			done
			for id in $(c -n "$ns" container ls -q 2>/dev/null); do
				c -n "$ns" container delete "$id" >/dev/null 2>&1
			done
		done
		stop_containerd
	fi
	# Shims left behind name our socket in their command line.
	grep -lF -- "$SOCK" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3 |
		while read -r pid; do
			[ "$pid" != $$ ] && kill -KILL "$pid" 2>/dev/null
		done
	for dir in "$PROOT"/* "$CRI_ROOT"/*; do
		for id in $(petrel_ids "$dir"); do
			"$PETREL" --root "$dir" delete --force "$id" >/dev/null 2>&1
		done
	done
	grep -F " $D" /proc/self/mountinfo | awk '{print $5}' | sort -r |
		while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
	for dir in $(own_cgroup_dirs); do
		[ -d "$dir/$CG" ] && find "$dir/$CG" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	if [ -z "$RUN_CTD_EXISTED" ]; then
		rmdir /run/containerd/s /run/containerd/fifo /run/containerd 2>/dev/null
	fi
	cleanup_all
}
trap cleanup EXIT

stop_containerd() {
	kill -TERM "$CTD_PID" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$CTD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$CTD_PID" 2>/dev/null
	wait "$CTD_PID" 2>/dev/null
	CTD_PID=
}

# ------------------------------------------------------------------- image
# The busybox rootfs as an OCI archive: busybox (sh) and pause (sleeps; the
# CRI plugin's sandbox image), one layer.
"$top/contrib/make-busybox-rootfs.sh" "$D/rootfs" >/dev/null
python3 "$top/contrib/make-oci-archive.py" "$D/rootfs" "$D/images.tar" "$IMAGE" \
	"$PAUSE_IMAGE=/bin/sleep 2147483647"

# -------------------------------------------------------------- containerd
# The CRI plugin's runtime "petrel" is the entry a Kubernetes node has
# (docs/engines.md); restrict_oom_score_adj because the sandbox asks for
# -998 and this test may lack CAP_SYS_RESOURCE.
cat >"$D/config.toml" <<EOF
version = 2
root = "$D/root"
state = "$D/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.internal.v1.tracing", "io.containerd.tracing.processor.v1.otlp"]

[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[debug]
  level = "debug"

[plugins."io.containerd.internal.v1.opt"]
  path = "$D/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  disable_apparmor = true
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$D/cni/bin"
    conf_dir = "$D/cni/conf"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    # A runtimes table replaces the built-in one: the default runtime needs
    # its entry back.
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.petrel]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.petrel.options]
        BinaryName = "$PETREL"
        Root = "$CRI_ROOT"
        SystemdCgroup = false
EOF

containerd --config "$D/config.toml" >"$D/containerd.log" 2>&1 &
CTD_PID=$!
for _ in $(seq 100); do
	c version >/dev/null 2>&1 && break
	kill -0 "$CTD_PID" 2>/dev/null || break
	sleep 0.1
done
if ! c version >/dev/null 2>&1; then
	fail containerd_starts "$(tail -5 "$D/containerd.log")"
	tap_done
	exit
fi
ok containerd_starts

for ns in default k8s.io; do
	c -n "$ns" image import "$D/images.tar" >"$TEST_TMP/import.out" 2>&1
done
like image_imported_from_oci_archive "$(c image ls -q 2>&1)" "^$IMAGE\$"

# ------------------------------------------------------------------ run --rm
ctr_run run1 --rm --cgroup "$CG/run1" "$IMAGE" run1 sh -c 'echo hello from petrel; exit 3'
is run_rm_prints_the_output "$out" "hello from petrel"
is run_rm_returns_the_exit_code "$rc" 3
ctr_run run2 --rm --cgroup "$CG/run2" "$IMAGE" run2 sh -c 'cat /proc/self/cgroup'
like run_rm_container_is_in_a_cgroup_below_the_own_one \
	"$(printf '%s\n' "$out" | grep -E '(^0::|:memory:)')" "/$CG/run2\$"
out=$(on_tty run --rm -t --fifo-dir "$FIFO" --runc-binary "$PETREL" \
	--runc-root "$PROOT" --cgroup "$CG/run3" "$IMAGE" run3 sh -c 'tty; exit 4')
rc=$?
like run_rm_tty_gives_the_container_a_terminal "$out" "^/dev/pts/[0-9]+$"
is run_rm_tty_returns_the_exit_code "$rc" 4
is run_rm_leaves_no_container "$(c container ls -q; petrel_ids "$PROOT/default")" ""

# --------------------------------------------------------- detached + exec
ctr_run det1 -d --cgroup "$CG/det1" "$IMAGE" det1 \
	sh -c 'trap "exit 42" TERM; while :; do sleep 0.1; done'
is detached_run_succeeds "$rc $err" "0 "
is detached_task_is_running "$(task_status det1)" RUNNING
is detached_task_is_petrels "$(petrel_ids "$PROOT/default")" det1

c task exec --fifo-dir "$FIFO" --exec-id e1 det1 sh -c 'echo in exec; exit 5' \
	>"$TEST_TMP/e1.out" 2>&1 </dev/null
rc=$?
is exec_prints_the_output "$(cat "$TEST_TMP/e1.out")" "in exec"
is exec_returns_the_exit_code "$rc" 5
out=$(on_tty task exec --tty --fifo-dir "$FIFO" --exec-id e2 det1 \
	sh -c 'tty; exit 6')
rc=$?
like exec_tty_gives_a_terminal "$(printf '%s\n' "$out" | head -1)" "^/dev/pts/[0-9]+$"
is exec_tty_returns_the_exit_code "$rc" 6

c task exec -d --fifo-dir "$FIFO" --exec-id e3 det1 sleep 1000 >/dev/null 2>&1 </dev/null
init_pid=$(task_pid det1)
ps_pids=$(c task ps det1 2>&1 | awk 'NR > 1 { print $1 }' | sort -n | tr '\n' ' ')
like task_ps_lists_the_init "$ps_pids" "(^| )$init_pid "
ps_cmds=$(for p in $ps_pids; do tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline"; echo; done)
like task_ps_lists_the_detached_exec "$ps_cmds" "^sleep 1000 \$"

# ------------------------------------------------------------ pause/resume
c task pause det1 >"$TEST_TMP/pause.out" 2>&1
is task_pause_exits_0 "$? $(cat "$TEST_TMP/pause.out")" "0 "
is task_pause_pauses "$(task_status det1)" PAUSED
freezer=$(cg_dir freezer)
if [ -n "$freezer" ] && [ -e "$freezer/det1/freezer.state" ]; then
	is task_pause_freezes_the_cgroup "$(cat "$freezer/det1/freezer.state")" FROZEN
elif [ -n "$freezer" ] && [ -e "$freezer/det1/cgroup.freeze" ]; then
	is task_pause_freezes_the_cgroup "$(cat "$freezer/det1/cgroup.freeze")" 1
else
	fail task_pause_freezes_the_cgroup "no freezer cgroup for det1 below $CG"
fi
c task resume det1 >"$TEST_TMP/resume.out" 2>&1
is task_resume_exits_0 "$? $(cat "$TEST_TMP/resume.out")" "0 "
is task_resume_resumes "$(task_status det1)" RUNNING

# ---------------------------------------------------------------- metrics
metrics=$(c task metrics det1 2>&1)
like task_metrics_reports_memory "$metrics" "^memory\.usage"
like task_metrics_reports_pids "$metrics" "^pids\.current +[1-9]"

# ------------------------------------------------------------ kill, delete
c task kill det1 >"$TEST_TMP/kill.out" 2>&1
is task_kill_exits_0 "$? $(cat "$TEST_TMP/kill.out")" "0 "
wait_task det1 STOPPED
is task_kill_delivers_sigterm "$(task_status det1)" STOPPED
c task delete det1 >"$TEST_TMP/del.out" 2>&1
rc=$?
like task_delete_reports_the_exit_status "$rc $(cat "$TEST_TMP/del.out")" "^0 .*exit code 42"
is task_delete_deletes_petrels_container "$(petrel_ids "$PROOT/default")" ""
c container delete det1 >/dev/null 2>&1

# kill --all reaches every process, not only the init: the init is a shell
# without a SIGTERM handler, which as a pid namespace's init ignores
# SIGTERM, and an exec'd sleep is in the container beside it. A SIGTERM to
# the init alone leaves both; with --all the sleep dies and the init stays.
ctr_run det2 -d --cgroup "$CG/det2" "$IMAGE" det2 sh -c 'while :; do sleep 1; done'
is kill_all_task_runs "$rc $err" "0 "
c task exec -d --fifo-dir "$FIFO" --exec-id e1 det2 sleep 1000 >/dev/null 2>&1 </dev/null
det2_init=$(task_pid det2)
exec_pid=
for _ in $(seq 50); do
	for p in $(c task ps det2 2>/dev/null | awk 'NR > 1 { print $1 }'); do
		[ "$(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline")" = "sleep 1000 " ] && exec_pid=$p
	done
	[ -n "$exec_pid" ] && break
	sleep 0.1
done
like kill_all_exec_is_running "$exec_pid" '^[0-9]+$'
# alive PID: the process exists and is not a zombie.
alive() { [ -n "$1" ] && [ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat"; }
c task kill --signal SIGTERM det2 >"$TEST_TMP/kill1.out" 2>&1
is task_kill_sigterm_to_the_init_exits_0 "$? $(cat "$TEST_TMP/kill1.out")" "0 "
sleep 0.5
is sigterm_without_all_leaves_the_exec_and_the_init \
	"$(alive "$exec_pid" && echo exec-alive) $(alive "$det2_init" && echo init-alive)" \
	"exec-alive init-alive"
c task kill --all --signal SIGTERM det2 >"$TEST_TMP/killall.out" 2>&1
is task_kill_all_exits_0 "$? $(cat "$TEST_TMP/killall.out")" "0 "
for _ in $(seq 50); do
	alive "$exec_pid" || break
	sleep 0.1
done
is task_kill_all_reaches_the_exec_process "$(alive "$exec_pid" && echo "sleep $exec_pid still runs")" ""
is task_kill_all_sigterm_leaves_the_init_running \
	"$(task_status det2) $(alive "$det2_init" && echo init-alive)" "RUNNING init-alive"
c task kill --all --signal SIGKILL det2 >/dev/null 2>&1
wait_task det2 STOPPED
is task_kill_all_sigkill_stops_the_task "$(task_status det2)" STOPPED
c task delete det2 >/dev/null 2>&1
c container delete det2 >/dev/null 2>&1
is task_kill_all_leaves_nothing "$(c task ls -q; petrel_ids "$PROOT/default")" ""

# A container in another's pid namespace (as in a pod that shares it): when
# its init exits, the shim runs `kill --all <id> SIGKILL` on the stopped
# container to end what the init left behind, as runc does.
ctr_run pod0 -d --cgroup "$CG/pod0" "$IMAGE" pod0 sleep 1000
ctr_run shared -d --with-ns "pid:/proc/$(task_pid pod0)/ns/pid" --cgroup "$CG/shared" \
	"$IMAGE" shared sh -c 'sleep 1000 & echo started; exit 0'
wait_task shared STOPPED
procs=$(cg_dir pids)/shared/cgroup.procs
for _ in $(seq 20); do
	[ -s "$procs" ] || break
	sleep 0.1
done
is init_exit_kills_what_it_left_in_a_shared_pid_namespace "$(cat "$procs" 2>&1)" ""
for id in shared pod0; do
	c task kill -s SIGKILL "$id" >/dev/null 2>&1
	wait_task "$id" STOPPED
	c task delete "$id" >/dev/null 2>&1
	c container delete "$id" >/dev/null 2>&1
done

# ------------------------------------------------------------ memory limit
limit=$((32 * 1048576))
ctr_run mem1 -d --memory-limit "$limit" --cgroup "$CG/mem1" "$IMAGE" mem1 sleep 1000
memdir=$(cg_dir memory)
if [ -e "$memdir/mem1/memory.limit_in_bytes" ]; then
	is memory_limit_is_set "$(cat "$memdir/mem1/memory.limit_in_bytes")" "$limit"
else
	is memory_limit_is_set "$(cat "$memdir/mem1/memory.max" 2>&1)" "$limit"
fi
like task_metrics_reports_the_memory_limit "$(c task metrics mem1 2>&1)" " $limit( |\$)"
c task exec --fifo-dir "$FIFO" --exec-id big mem1 \
	dd if=/dev/zero of=/dev/null bs=64M count=1 >"$TEST_TMP/big.out" 2>&1 </dev/null
rc=$?
is memory_limit_kills_a_process_over_it "$rc" 137
c task exec --fifo-dir "$FIFO" --exec-id small mem1 \
	dd if=/dev/zero of=/dev/null bs=1M count=1 >"$TEST_TMP/small.out" 2>&1 </dev/null
is memory_limit_lets_a_process_under_it "$?" 0
c task kill -s SIGKILL mem1 >/dev/null 2>&1
wait_task mem1 STOPPED
c task delete mem1 >/dev/null 2>&1
c container delete mem1 >/dev/null 2>&1

# ------------------------------------------------------------------ errors
# petrel refuses; the shim reads its --log-format json log and containerd
# shows petrel's own message (a runtime that only wrote stderr would show
# "exit status 1" instead).
ctr_run bad1 --rm --cgroup "$CG/bad1" "$IMAGE" bad1 /nonexistent
is failed_create_fails_ctr "$rc" 1
like failed_create_shows_petrels_message "$err" \
	'OCI runtime create failed: create: exec: "/nonexistent": stat /nonexistent: No such file or directory'
ctr_run bad2 --rm --with-ns network:/nonexistent/ns --cgroup "$CG/bad2" "$IMAGE" bad2 true
like refused_namespace_shows_petrels_message "$err" \
	'OCI runtime create failed: create: open network namespace "/nonexistent/ns"'
is failed_create_leaves_nothing "$(c container ls -q; petrel_ids "$PROOT/default")" ""

# ---------------------------------------------------------------- CRI
# The runtime handler "petrel" from config.toml: RunPodSandbox and a
# container through a minimal CRI client (protobuf encoded by hand).
cat >"$D/cri.py" <<'EOF'
import sys
import grpc

def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b, n = n & 0x7f, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)

def s(num, v):  # string, bytes or an encoded message
    v = v.encode() if isinstance(v, str) else v
    return varint(num << 3 | 2) + varint(len(v)) + v

def i(num, v):
    return varint(num << 3) + varint(v)

def decode(data):
    fields, pos = {}, 0
    while pos < len(data):
        key = shift = 0
        while True:
            b = data[pos]; pos += 1
            key |= (b & 0x7f) << shift; shift += 7
            if not b & 0x80:
                break
        num, wire = key >> 3, key & 7
        if wire == 0:
            v = shift = 0
            while True:
                b = data[pos]; pos += 1
                v |= (b & 0x7f) << shift; shift += 7
                if not b & 0x80:
                    break
            if v >= 1 << 63:
                v -= 1 << 64
        elif wire == 2:
            n = shift = 0
            while True:
                b = data[pos]; pos += 1
                n |= (b & 0x7f) << shift; shift += 7
                if not b & 0x80:
                    break
            v = data[pos:pos + n]; pos += n
        elif wire == 1:
            v = data[pos:pos + 8]; pos += 8
        elif wire == 5:
            v = data[pos:pos + 4]; pos += 4
        fields.setdefault(num, []).append(v)
    return fields

sock, cmd, args = sys.argv[1], sys.argv[2], sys.argv[3:]
channel = grpc.insecure_channel("unix://" + sock)
def call(method, request):
    return decode(channel.unary_unary("/runtime.v1.RuntimeService/" + method)(request, timeout=60))

def pod_config(name, cgroup_parent, log_dir):
    metadata = s(1, name) + s(2, name + "-uid") + s(3, "petrel-test")
    namespaces = i(1, 2)  # network NODE: no CNI needed
    linux = s(1, cgroup_parent) + s(2, s(1, namespaces))
    # No hostname: as kubelet, none for a pod in the host's network (and
    # so UTS) namespace.
    return s(1, metadata) + s(3, log_dir) + s(8, linux)

if cmd == "run-pod":  # NAME CGROUP_PARENT LOG_DIR HANDLER
    print(call("RunPodSandbox", s(1, pod_config(*args[:3])) + s(2, args[3]))[1][0].decode())
elif cmd == "create":  # POD_ID POD_NAME CGROUP_PARENT LOG_DIR NAME IMAGE ARG...
    pod, pod_args, name, image, argv = args[0], args[1:4], args[4], args[5], args[6:]
    config = s(1, s(1, name)) + s(2, s(1, image)) + b"".join(s(3, a) for a in argv) \
        + s(11, name + ".log")
    print(call("CreateContainer", s(1, pod) + s(2, config) + s(3, pod_config(*pod_args)))[1][0].decode())
elif cmd == "start":
    call("StartContainer", s(1, args[0]))
elif cmd == "exec":  # ID ARG...: the output, then "exit N"
    r = call("ExecSync", s(1, args[0]) + b"".join(s(2, a) for a in args[1:]) + i(3, 30))
    sys.stdout.write(r.get(1, [b""])[0].decode())
    print("exit", r.get(3, [0])[0])
elif cmd == "status":  # ID: "STATE EXIT_CODE" (0 created, 1 running, 2 exited)
    st = decode(call("ContainerStatus", s(1, args[0]))[1][0])
    print(st.get(3, [0])[0], st.get(7, [0])[0])
elif cmd == "stop":
    call("StopContainer", s(1, args[0]) + i(2, 5))
elif cmd == "remove":
    call("RemoveContainer", s(1, args[0]))
elif cmd == "stop-pod":
    call("StopPodSandbox", s(1, args[0]))
elif cmd == "remove-pod":
    call("RemovePodSandbox", s(1, args[0]))
EOF
cri() { timeout -k 5 60 python3 "$D/cri.py" "$SOCK" "$@" 2>>"$TEST_TMP/cri.err"; }

if ! python3 -c 'import grpc' 2>/dev/null; then
	skip cri_runtime_handler_runs_petrel "python3-grpcio is not installed and apt-get could not install it (the CRI client needs it): $(tail -n 1 "$TEST_TMP/apt.log" 2>/dev/null)"
else
	pod_args=(pod1 "$CG/pod1" "$D/logs/pod1")
	mkdir -p "$D/logs/pod1"
	pod=$(cri run-pod "${pod_args[@]}" petrel)
	like cri_pod_sandbox_runs "$pod" '^[0-9a-f]{64}$'
	is cri_pod_sandbox_is_petrels_under_its_root "$(petrel_ids "$CRI_ROOT/k8s.io")" "${pod:-<no pod>}"
	# As `ctr run --rm` above, through the runtime "petrel" of config.toml
	# (BinaryName; ctr sends runc options of its own, so config.toml's
	# runtimes reach containers through the CRI plugin only): a container
	# that prints, is seen under petrel's Root while it runs, and exits 3.
	once=$(cri create "$pod" "${pod_args[@]}" once "$IMAGE" \
		sh -c 'echo hello from the petrel runtime; sleep 2; exit 3')
	cri start "$once"
	is cri_binaryname_runtime_container_is_petrels \
		"$(petrel_ids "$CRI_ROOT/k8s.io" | grep -c "^${once:-<none>}\$")" 1
	for _ in $(seq 100); do
		[ "$(cri status "$once")" = "2 3" ] && break
		sleep 0.1
	done
	is cri_binaryname_runtime_returns_the_exit_code "$(cri status "$once")" "2 3"
	like cri_binaryname_runtime_prints_the_output "$(cat "$D/logs/pod1/once.log" 2>&1)" \
		"stdout F hello from the petrel runtime\$"
	cri remove "$once"
	ctr_id=$(cri create "$pod" "${pod_args[@]}" app "$IMAGE" \
		sh -c 'echo hello from cri; cat /proc/self/cgroup; exec sleep 1000')
	cri start "$ctr_id"
	like cri_container_runs "$(cri status "$ctr_id")" '^1 0$'
	is cri_container_is_petrels "$(petrel_ids "$CRI_ROOT/k8s.io" | grep -c "^$ctr_id\$")" 1
	log=$(cat "$D/logs/pod1/app.log" 2>&1)
	like cri_container_output_reaches_its_log "$log" "stdout F hello from cri\$"
	like cri_container_cgroup_is_below_the_pod_parent "$log" "stdout F [0-9]+:memory:.*/$CG/pod1/$ctr_id\$"
	like cri_exec_sync_returns_output_and_status "$(cri exec "$ctr_id" sh -c 'echo out; exit 7' | tr '\n' ' ')" \
		'^out exit 7 $'
	cri stop "$ctr_id"
	like cri_stop_container_stops_it "$(cri status "$ctr_id")" '^2 '
	cri remove "$ctr_id"
	cri stop-pod "$pod"
	cri remove-pod "$pod"
	is cri_remove_leaves_nothing_in_petrels_root "$(petrel_ids "$CRI_ROOT/k8s.io")" ""
	[ -s "$TEST_TMP/cri.err" ] && fail cri_client_errors "$(grep -m3 details "$TEST_TMP/cri.err")"
fi

# --------------------------------------------------------------- teardown
is nothing_left_in_containerd "$(c task ls -q; c container ls -q; c -n k8s.io task ls -q; c -n k8s.io container ls -q)" ""
ctd_pid=$CTD_PID
stop_containerd
check containerd_stops_on_sigterm bash -c "! kill -0 $ctd_pid"
is no_mounts_left "$(grep -F " $D" /proc/self/mountinfo)" ""
leftover=
for dir in $(own_cgroup_dirs); do
	[ -d "$dir/$CG" ] && leftover+=$(find "$dir/$CG" -mindepth 2 -type d)
done
is no_container_cgroups_left "$leftover" ""

tap_done
