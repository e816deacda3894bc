#!/bin/bash
# The runner of petrel's conformance checker (oci-check.c). It writes a config.json, runs the
# checker under it and turns what the checker reports into this script's own TAP stream.
# On the host, the config describes the runner's own process: the checker must pass under it,
# and under each mutation of it must fail exactly the mutated check, which proves every check
# can fail. With petrel, the checker then runs as the process of petrel containers under
# configs that set every field it checks, and must pass inside each.
#
# Usage: tests/oci-validation/run.sh [--oci-check PATH] [--petrel PATH]
#   OCI_CHECK  the static checker (default: $top_builddir/tests/oci-validation/oci-check)
#   PETREL     optional; when set, the base config is what `petrel spec` writes, and the
#              container scenarios run (as root)
set -u

top_builddir=${top_builddir:-.}
OCI_CHECK=${OCI_CHECK:-$top_builddir/tests/oci-validation/oci-check}
PETREL=${PETREL:-}

while [ $# -gt 0 ]; do
	case $1 in
	--oci-check) OCI_CHECK=$2; shift 2 ;;
	--petrel) PETREL=$2; shift 2 ;;
	-h | --help) sed -n '2,/^set -u/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

# ------------------------------------------------------------------ TAP of this runner

tests=0
failures=0

ok() { tests=$((tests + 1)); echo "ok $tests - $1"; }
not_ok() { tests=$((tests + 1)); failures=$((failures + 1)); echo "not ok $tests - $1"; }
skip() { tests=$((tests + 1)); echo "ok $tests - $1 # SKIP $2"; }
diag() { sed 's/^/#   /'; }
bail() { echo "Bail out! $*"; exit 1; }

if [ ! -x "$OCI_CHECK" ]; then
	bail "no oci-check at $OCI_CHECK (make tests/oci-validation/oci-check, or pass --oci-check)"
fi
OCI_CHECK=$(realpath "$OCI_CHECK")
[ -z "$PETREL" ] || PETREL=$(realpath "$PETREL")
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v python3 >/dev/null || bail "python3 is needed to write the configs"

work=$(mktemp -d /tmp/oci-check-run.XXXXXX) || bail "mktemp failed"
trap 'cleanup_work' EXIT
child_cgroups=
cleanup_work() {
	local dir id
	for dir in $child_cgroups; do
		rmdir "$dir" 2>/dev/null
	done
	if [ -d "$work/state" ]; then
		for id in $("$PETREL" --root "$work/state" list -q 2>/dev/null); do
			"$PETREL" --root "$work/state" delete --force "$id" >/dev/null 2>&1
		done
	fi
	rm -rf "$work"
}

# Every run uses the same config path, so the process.args written into it stay true.
config=$work/config.json
base=$work/base.json
output=$work/output.tap

# The process the configs describe: this runner's environment, as the checker will inherit it.
cd "$work" || bail "cd $work"
export OCI_CHECK_RUNNER=host
export OCI_CHECK_MARKER="value with spaces and # hash"
mkfifo "$work/fifo" || bail "mkfifo"
umask 0027

# ------------------------------------------------------------------- describing a host

# Prints a config.json describing the calling process, built on the config in $1 (the runner's
# process and the checker's share every property the checker looks at: both are children of
# this shell).
describe_host() {
	# PATH goes as an argument: a python3 wrapper (pyenv) may change its own.
	python3 - "$1" "$OCI_CHECK" "$config" "$work" "$PATH" <<'EOF'
import ctypes, json, os, resource, sys

base_path, checker, config_path, work, path = sys.argv[1:6]
with open(base_path) as f:
    c = json.load(f)

def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            name, _, value = line.partition(":")
            if name == field:
                return value.strip()
    return None

# Written out independently of oci-check's table, so that a wrong entry in either shows.
CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
        "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
        "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
        "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
        "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"]

def cap_names(field):
    bits = int(status(field), 16)
    return [name for i, name in enumerate(CAPS) if bits & (1 << i)]

def rlimit_value(v):
    return 2**64 - 1 if v == resource.RLIM_INFINITY else v

def mountinfo():
    entries = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.rstrip("\n").partition(" - ")
            l, r = left.split(" "), right.split(" ")
            unescape = lambda s: s.encode().decode("unicode_escape")
            entries.append({"root": unescape(l[3]), "mount_point": unescape(l[4]),
                            "options": l[5].split(","), "optional": l[6:],
                            "fstype": r[0], "source": r[1], "super": r[2].split(",")})
    return entries

def mount_at(entries, path):
    found = [e for e in entries if e["mount_point"] == path]
    return found[-1] if found else None

def read(path):
    with open(path) as f:
        return f.read().strip()

mounts = mountinfo()
root_mount = mount_at(mounts, "/")

groups = sorted(set(os.getgroups()))
process = {
    "terminal": False,
    "user": {"uid": os.getuid(), "gid": os.getgid(), "additionalGids": groups,
             "umask": int(status("Umask"), 8)},
    "args": [checker, "--config", config_path],
    "env": ["PATH=" + path,
            "OCI_CHECK_RUNNER=" + os.environ["OCI_CHECK_RUNNER"],
            "OCI_CHECK_MARKER=" + os.environ["OCI_CHECK_MARKER"]],
    "cwd": os.getcwd(),
    "capabilities": {"bounding": cap_names("CapBnd"), "effective": cap_names("CapEff"),
                     "permitted": cap_names("CapPrm"), "inheritable": cap_names("CapInh"),
                     "ambient": cap_names("CapAmb")},
    "rlimits": [],
    "noNewPrivileges": status("NoNewPrivs") == "1",
    "oomScoreAdj": int(read("/proc/self/oom_score_adj")),
}
for name in sorted(n for n in dir(resource) if n.startswith("RLIMIT_") and n != "RLIMIT_OFILE"):
    soft, hard = resource.getrlimit(getattr(resource, name))
    process["rlimits"].append({"type": name, "soft": rlimit_value(soft),
                               "hard": rlimit_value(hard)})
policies = {os.SCHED_OTHER: "SCHED_OTHER", os.SCHED_FIFO: "SCHED_FIFO", os.SCHED_RR: "SCHED_RR",
            os.SCHED_BATCH: "SCHED_BATCH", os.SCHED_IDLE: "SCHED_IDLE"}
process["scheduler"] = {"policy": policies[os.sched_getscheduler(0)],
                        "nice": os.getpriority(os.PRIO_PROCESS, 0),
                        "priority": os.sched_getparam(0).sched_priority}
c["process"] = process

c["root"] = {"path": "/", "readonly": "ro" in root_mount["options"]}
c["hostname"] = os.uname().nodename
c.pop("domainname", None)
if read("/proc/sys/kernel/domainname") != "(none)":
    c["domainname"] = read("/proc/sys/kernel/domainname")

c["mounts"] = []
for path in ("/proc", "/sys", "/dev"):
    m = mount_at(mounts, path)
    if m:
        options = [o for o in m["options"] if o in ("ro", "rw", "nosuid", "nodev", "noexec")]
        c["mounts"].append({"destination": path, "type": m["fstype"], "source": m["source"],
                            "options": options})

linux = {}
ns_files = {"pid": "pid", "network": "net", "mount": "mnt", "ipc": "ipc", "uts": "uts",
            "user": "user", "time": "time", "cgroup": "cgroup"}
cgroup_lines = read("/proc/self/cgroup").splitlines()
at_cgroup_root = all(l.split(":", 2)[2] == "/" for l in cgroup_lines)
linux["namespaces"] = [{"type": t} for t, f in ns_files.items()
                       if os.path.exists("/proc/self/ns/" + f) and (t != "cgroup" or at_cgroup_root)]
def id_map(path):
    return [{"containerID": int(a), "hostID": int(b), "size": int(s)}
            for a, b, s in (l.split() for l in read(path).splitlines())]
linux["uidMappings"] = id_map("/proc/self/uid_map")
linux["gidMappings"] = id_map("/proc/self/gid_map")
if os.path.exists("/proc/self/timens_offsets"):
    linux["timeOffsets"] = {clock: {"secs": int(s), "nanosecs": int(ns)}
                            for clock, s, ns in (l.split() for l in read("/proc/self/timens_offsets").splitlines())}

def device(path, kind):
    st = os.stat(path)
    d = {"path": path, "type": kind, "fileMode": st.st_mode & 0o7777, "uid": st.st_uid,
         "gid": st.st_gid}
    if kind != "p":
        d["major"], d["minor"] = os.major(st.st_rdev), os.minor(st.st_rdev)
    return d
linux["devices"] = [device("/dev/null", "c"), device("/dev/zero", "c"),
                    device(work + "/fifo", "p")]

# The cgroup files as the checker finds them: the own cgroup below each cgroup mount's root.
def cgroup_file(controller, v1_file, v2_file):
    own_v1 = own_v2 = None
    for line in cgroup_lines:
        hid, controllers, path = line.split(":", 2)
        if hid == "0" and controllers == "":
            own_v2 = path
        elif controller in controllers.split(","):
            own_v1 = path
    for m in reversed(mounts):
        if own_v1 is not None and m["fstype"] == "cgroup" and controller in m["super"]:
            own, name = own_v1, v1_file
        elif own_v1 is None and own_v2 is not None and m["fstype"] == "cgroup2":
            own, name = own_v2, v2_file
        else:
            continue
        if m["root"] != "/" and not (own + "/").startswith(m["root"] + "/"):
            continue
        rel = own[len(m["root"]):] if m["root"] != "/" else own
        path = m["mount_point"].rstrip("/") + rel.rstrip("/") + "/" + name
        if os.access(path, os.R_OK):
            return path
    return None

def cgroup_limit(path, in_pages):
    value = read(path)
    if value == "max":
        return -1
    page = os.sysconf("SC_PAGE_SIZE") if in_pages else 1
    return -1 if in_pages and int(value) == (2**63 - 1) // page * page else int(value)

resources = {}
memory_file = cgroup_file("memory", "memory.limit_in_bytes", "memory.max")
if memory_file:
    resources["memory"] = {"limit": cgroup_limit(memory_file, True)}
pids_file = cgroup_file("pids", "pids.max", "pids.max")
if pids_file:
    resources["pids"] = {"limit": cgroup_limit(pids_file, False)}
if resources:
    linux["resources"] = resources

# kernel.sem is tab-separated in /proc; written with spaces here on purpose.
linux["sysctl"] = {key: " ".join(read("/proc/sys/" + key.replace(".", "/")).split())
                   for key in ("kernel.shmmni", "kernel.msgmax", "kernel.sem")}
if status("Seccomp") == "2":
    linux["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW"}
tags = " ".join(root_mount["optional"])
linux["rootfsPropagation"] = ("shared" if "shared:" in tags else "slave" if "master:" in tags
                              else "unbindable" if "unbindable" in tags else "private")
linux["maskedPaths"] = [work + "/no-such-file"]
linux["readonlyPaths"] = [work + "/no-such-dir"]
persona = ctypes.CDLL(None, use_errno=True).personality(0xffffffff) & 0xff
linux["personality"] = {"domain": {0: "LINUX", 8: "LINUX32"}.get(persona, "unknown")}
c["linux"] = linux

json.dump(c, sys.stdout, indent="\t")
EOF
}

# Writes $config as the base config with a Python statement applied to it as `c`. The
# statement may call skip("reason") when the mutation cannot be made on this host.
mutate() {
	python3 - "$base" "$config" "$1" <<'EOF'
import json, sys
base_path, out_path, statement = sys.argv[1:4]
with open(base_path) as f:
    c = json.load(f)
def skip(reason):
    print(reason, file=sys.stderr)
    sys.exit(3)
exec(statement)
with open(out_path, "w") as f:
    json.dump(c, f, indent="\t")
EOF
}

write_base_config() {
	local seed=$work/seed.json
	if [ -n "$PETREL" ]; then
		mkdir -p "$work/spec-bundle"
		"$PETREL" spec --bundle "$work/spec-bundle" >&2 ||
			bail "$PETREL spec failed"
		cp "$work/spec-bundle/config.json" "$seed"
	else
		echo '{"ociVersion": "1.2.1", "root": {"path": "rootfs"}}' >"$seed"
	fi
	describe_host "$seed" >"$base" || bail "could not describe this host"
}

# -------------------------------------------------------------- running the checker

# Each function runs the checker under $config, its TAP into $output; returns its exit status.

run_checker_on_host() {
	"$OCI_CHECK" --config "$config" >"$output" 2>&1
}

# Bind mounts and tmpfs mounts made in a private mount namespace, which the host scenario
# cannot otherwise show: masked files and directories, read-only paths, mount flags.
# The shell execs the checker, so its argv stays the config's process.args.
run_checker_in_mount_namespace() {
	# shellcheck disable=SC2016 # the inner shell expands its own arguments
	unshare --mount --propagation private sh -e -c '
		w=$1; shift
		mount --bind /dev/null "$w/masked-file"
		mount -t tmpfs -o ro tmpfs "$w/masked-dir"
		mount --bind "$w/ro-dir" "$w/ro-dir"
		mount -o remount,bind,ro "$w/ro-dir"
		mount -t tmpfs -o nosuid,nodev,noexec tmpfs "$w/tmp-dir"
		exec "$@"' sh "$work" "$OCI_CHECK" --config "$config" >"$output" 2>&1
}

# The checker in fresh child cgroups with limits set ($cgroup_procs: the cgroup.procs files to
# join, colon-separated); the shell joins them and execs the checker.
run_checker_in_child_cgroups() {
	CGROUP_PROCS=$cgroup_procs sh -c '
		IFS=:
		for procs in $CGROUP_PROCS; do
			echo $$ >"$procs" || exit 125
		done
		exec "$@"' sh "$OCI_CHECK" --config "$config" >"$output" 2>&1
}

# The container mode: the checker runs as the process of a petrel container. The bundle is
# $bundle (a busybox rootfs with the checker copied in as /oci-check); the config petrel gets is
# $config, and the checker reads its own copy of it at /oci-check.json (the bundle is not
# visible inside). petrel's stderr, if any, follows the checker's TAP as diagnostics; a failed
# create leaves no TAP, which judges as a failure. Returns the exit status of `petrel run`,
# which is the checker's.
container_runs=0
run_checker_in_container() {
	run_container_with "$config" "$config"
}

# The same, with petrel given $base while the checker reads $config: a mutation only the
# checker sees, to show that what it catches inside a container reaches this runner.
run_checker_in_container_told_otherwise() {
	run_container_with "$base" "$config"
}

run_container_with() {
	local status
	container_runs=$((container_runs + 1))
	install -m 0644 "$1" "$bundle/config.json" &&
		install -m 0644 "$2" "$bundle/rootfs/oci-check.json" || return 125
	# petrel gets the usual umask, not the one this runner describes for the host.
	(umask 022 && exec "$PETREL" --root "$work/state" run --bundle "$bundle" \
		"oci-check-$$-$container_runs") </dev/null >"$work/petrel.stdout" 2>"$work/petrel.stderr"
	status=$?
	# Diagnostics first: the checker's plan must stay the last line.
	{ sed 's/^/# /' "$work/petrel.stderr"; cat "$work/petrel.stdout"; } >"$output"
	return $status
}

# ---------------------------------------------------------------- judging its output

# The checker's output must be TAP on its own: results numbered 1..N, the plan 1..N last.
checker_tap_is_valid() {
	awk '
		/^(not )?ok [0-9]+ / {
			n++; num = $0; sub(/^(not )?ok /, "", num); sub(/ .*/, "", num)
			if (num != n) bad = 1
			next
		}
		/^1\.\.[0-9]+$/ { if (plan != "") bad = 1; plan = substr($0, 4); last = NR; next }
		/^#/ { next }
		{ bad = 1 }
		END { exit (bad || plan == "" || plan != n || last != NR) ? 1 : 0 }
	' "$output"
}

summary() {
	local results failed skipped
	results=$(grep -cE '^(not )?ok ' "$output")
	failed=$(grep -c '^not ok ' "$output")
	skipped=$(grep -c ' # SKIP ' "$output")
	echo "oci-check: $results results, $failed failed, $skipped skipped"
}

# Passes when the checker exits 0 with valid TAP and no failure.
expect_pass() {
	local name=$1 runner=$2 status
	$runner
	status=$?
	if [ $status -eq 0 ] && checker_tap_is_valid && ! grep -q '^not ok ' "$output"; then
		ok "$name"
		summary | diag
	else
		not_ok "$name"
		echo "checker exit status $status; its output:" | diag
		diag <"$output"
	fi
}

# The names of the failed results, one a line.
failed_names() {
	sed -n -E 's/^not ok [0-9]+ - //p' "$output"
}

# The failed results with their diagnostics.
failed_results() {
	awk '/^not ok /{show = 1; print; next} /^#/{if (show) print; next} {show = 0}' "$output"
}

# The results of a checker output, numbers dropped, leaving out those of check $2.
results_except() {
	sed -n -E 's/^(not )?ok [0-9]+ - /\1ok - /p' "$1" | awk -v c="$2" '
		{ name = $0; sub(/^(not )?ok - /, "", name) }
		index(name, c ":") != 1 && index(name, c " ") != 1 && name != c'
}

# Passes when the checker exits 1 with valid TAP, fails at least one result, every failed
# result belongs to the check named by $3 (a prefix of the result's name: `hostname:`,
# `process.rlimits: RLIMIT_NOFILE`), and the results of all other checks are those of the
# unmutated config.
expect_only_failure() {
	local name=$1 runner=$2 prefix=$3 check=${3%%:*} status failed unexpected changed
	check=${check%% *}
	$runner
	status=$?
	failed=$(failed_names | wc -l)
	unexpected=$(failed_names | awk -v p="$prefix" 'index($0, p) != 1')
	changed=$(diff <(results_except "$baseline" "$check") <(results_except "$output" "$check"))
	if [ $status -eq 1 ] && checker_tap_is_valid && [ "$failed" -gt 0 ] &&
		[ -z "$unexpected" ] && [ -z "$changed" ]; then
		ok "$name"
		failed_results | diag
	else
		not_ok "$name"
		echo "expected only '$prefix' to fail and status 1; got status $status" | diag
		[ -z "$changed" ] || { echo "other checks changed:"; echo "$changed"; } | diag
		echo "output:" | diag
		diag <"$output"
	fi
}

# One mutation of the base config: test name, Python statement, the check that must fail.
check_mutation() {
	local name=$1 statement=$2 prefix=$3 runner=${4:-run_checker_on_host} reason
	reason=$(mutate "$statement" 2>&1)
	case $? in
	0) expect_only_failure "$name" "$runner" "$prefix" ;;
	3) skip "$name" "$reason" ;;
	*) not_ok "$name"; echo "mutation failed: $reason" | diag ;;
	esac
}

# ------------------------------------------------------------------------- the tests

write_base_config

cp "$base" "$config"
expect_pass oci_check_passes_for_config_describing_this_host run_checker_on_host
baseline=$work/baseline-host.tap
cp "$output" "$baseline"
grep -q '^not ok' "$output" && bail "the checker fails on the unmutated config; no mutation can be judged"

# Each mutation changes one field; the checker must fail that check and only that one.
check_mutation oci_check_catches_wrong_hostname \
	'c["hostname"] = "not-" + c["hostname"]' "hostname:"
check_mutation oci_check_catches_wrong_domainname \
	'c["domainname"] = "oci-check.invalid"' "domainname:"
check_mutation oci_check_catches_missing_bounding_capability \
	'caps = c["process"]["capabilities"]["bounding"]
if not caps: skip("this process has no bounding capabilities to leave out")
caps.pop(0)' "process.capabilities.bounding:"
check_mutation oci_check_catches_extra_ambient_capability \
	'amb = c["process"]["capabilities"]["ambient"]
if "CAP_CHOWN" in amb: skip("CAP_CHOWN is already ambient")
amb.append("CAP_CHOWN")' "process.capabilities.ambient:"
check_mutation oci_check_catches_wrong_rlimit \
	'r = [r for r in c["process"]["rlimits"] if r["type"] == "RLIMIT_NOFILE"][0]
r["soft"] = r["soft"] - 1 if r["soft"] > 0 else 1' "process.rlimits: RLIMIT_NOFILE"
check_mutation oci_check_catches_unset_env_var \
	'c["process"]["env"].append("OCI_CHECK_NOT_SET=1")' "process.env: OCI_CHECK_NOT_SET=1"
check_mutation oci_check_catches_wrong_env_value \
	'c["process"]["env"][1] = "OCI_CHECK_RUNNER=container"' "process.env: OCI_CHECK_RUNNER="
check_mutation oci_check_catches_wrong_sysctl \
	'c["linux"]["sysctl"]["kernel.shmmni"] = str(int(c["linux"]["sysctl"]["kernel.shmmni"]) + 1)' \
	"linux.sysctl: kernel.shmmni"
check_mutation oci_check_catches_wrong_uid \
	'c["process"]["user"]["uid"] += 1' "process.user.uid:"
check_mutation oci_check_catches_wrong_gid \
	'c["process"]["user"]["gid"] += 1' "process.user.gid:"
check_mutation oci_check_catches_missing_additional_gid \
	'c["process"]["user"]["additionalGids"].append(4242)' "process.user.additionalGids:"
check_mutation oci_check_catches_wrong_umask \
	'c["process"]["user"]["umask"] = 0o002' "process.user.umask:"
check_mutation oci_check_catches_wrong_cwd \
	'c["process"]["cwd"] = "/"' "process.cwd:"
check_mutation oci_check_catches_wrong_args \
	'c["process"]["args"].append("--extra")' "process.args:"
check_mutation oci_check_catches_wrong_no_new_privileges \
	'c["process"]["noNewPrivileges"] = not c["process"]["noNewPrivileges"]' \
	"process.noNewPrivileges:"
check_mutation oci_check_catches_wrong_oom_score_adj \
	'c["process"]["oomScoreAdj"] += 1' "process.oomScoreAdj:"
check_mutation oci_check_catches_wrong_scheduler_nice \
	'c["process"]["scheduler"]["nice"] += 1' "process.scheduler:"
check_mutation oci_check_catches_wrong_io_priority \
	'c["process"]["ioPriority"] = {"class": "IOPRIO_CLASS_IDLE", "priority": 0}' \
	"process.ioPriority:"
check_mutation oci_check_catches_readonly_root_on_writable_root \
	'if c["root"]["readonly"]: skip("/ is read-only here")
c["root"]["readonly"] = True' "root.readonly:"
check_mutation oci_check_catches_wrong_mount_type \
	'm = [m for m in c["mounts"] if m["destination"] == "/proc"]
if not m: skip("/proc is no mount point here")
m[0]["type"] = "sysfs"' "mounts: /proc"
check_mutation oci_check_catches_mount_option_not_in_effect \
	'm = [m for m in c["mounts"] if m["destination"] == "/proc"]
if not m or "noexec" in m[0]["options"]: skip("/proc is no mount point here, or is noexec")
m[0]["options"].append("noexec")' "mounts: /proc"
check_mutation oci_check_catches_missing_mount \
	'c["mounts"].append({"destination": "'"$work"'", "type": "tmpfs", "source": "tmpfs"})' \
	"mounts: $work"
check_mutation oci_check_catches_unknown_namespace_type \
	'c["linux"]["namespaces"].append({"type": "bogus"})' "linux.namespaces: bogus"
check_mutation oci_check_catches_cgroup_namespace_not_at_root \
	'if any(n["type"] == "cgroup" for n in c["linux"]["namespaces"]):
    skip("this process is at the root of its cgroup namespace")
c["linux"]["namespaces"].append({"type": "cgroup"})' "linux.namespaces: cgroup"
check_mutation oci_check_catches_wrong_uid_mapping \
	'c["linux"]["uidMappings"][0]["size"] -= 1' "linux.uidMappings:"
check_mutation oci_check_catches_wrong_time_offset \
	'if "timeOffsets" not in c["linux"]: skip("no time namespaces on this kernel")
c["linux"]["timeOffsets"]["monotonic"]["secs"] += 3600' "linux.timeOffsets: monotonic"
check_mutation oci_check_catches_wrong_device_number \
	'c["linux"]["devices"][0]["minor"] += 1' "linux.devices: /dev/null"
check_mutation oci_check_catches_wrong_device_mode \
	'c["linux"]["devices"][1]["fileMode"] ^= 0o002' "linux.devices: /dev/zero"
check_mutation oci_check_catches_wrong_device_type \
	'c["linux"]["devices"][2]["type"] = "c"
c["linux"]["devices"][2]["major"] = 1
c["linux"]["devices"][2]["minor"] = 3' "linux.devices: $work/fifo"
check_mutation oci_check_catches_wrong_memory_limit \
	'r = c["linux"].get("resources", {})
if "memory" not in r: skip("the memory cgroup of this process is not visible")
r["memory"]["limit"] = 123456789 if r["memory"]["limit"] != 123456789 else 987654321' \
	"linux.resources.memory.limit:"
check_mutation oci_check_catches_wrong_pids_limit \
	'r = c["linux"].get("resources", {})
if "pids" not in r: skip("the pids cgroup of this process is not visible (or has no pids.max)")
r["pids"]["limit"] = 4242 if r["pids"]["limit"] != 4242 else 4343' \
	"linux.resources.pids.limit:"
check_mutation oci_check_catches_missing_seccomp_filter \
	'if "seccomp" in c["linux"]: skip("this process already runs under a seccomp filter")
c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW"}' "linux.seccomp:"
check_mutation oci_check_catches_wrong_rootfs_propagation \
	'p = c["linux"]["rootfsPropagation"]
c["linux"]["rootfsPropagation"] = "shared" if p != "shared" else "private"' \
	"linux.rootfsPropagation:"
check_mutation oci_check_catches_unmasked_path \
	'c["linux"]["maskedPaths"].append("/proc/self/status")' "linux.maskedPaths: /proc/self/status"
check_mutation oci_check_catches_writable_readonly_path \
	'c["linux"]["readonlyPaths"].append("'"$work"'")' "linux.readonlyPaths: $work"
check_mutation oci_check_catches_wrong_personality \
	'c["linux"]["personality"]["domain"] = "LINUX32" if c["linux"]["personality"]["domain"] == "LINUX" else "LINUX"' \
	"linux.personality:"

# A config libocispec rejects is one failed result naming the JSON path, and exit status 1.
expect_load_failure() {
	local name=$1 message=$2 status
	run_checker_on_host
	status=$?
	if [ $status -eq 1 ] && [ "$(sed -n '$p' "$output")" = "1..1" ] &&
		grep -qF -- "not ok 1 - load config: $config: $message" "$output"; then
		ok "$name"
		head -1 "$output" | diag
	else
		not_ok "$name"
		echo "expected 'not ok 1 - load config: $config: $message', 1..1 and status 1;" \
			"got status $status:" | diag
		diag <"$output"
	fi
}
printf '{"ociVersion": "1.2.1", "process": {' >"$config"
expect_load_failure oci_check_reports_invalid_json "invalid JSON"
mutate 'c["process"]["user"]["uid"] = "root"' &&
	expect_load_failure oci_check_reports_json_path_of_wrong_type \
		".process.user.uid: expected integer"
mutate 'c["process"]["rlimits"][0]["soft"] = -1' &&
	expect_load_failure oci_check_reports_json_path_of_out_of_range_value \
		".process.rlimits[0].soft:"
rm -f "$config"
expect_load_failure oci_check_reports_missing_config "open:"

# --only and $OCI_CHECK_CONFIG.
cp "$base" "$config"
OCI_CHECK_CONFIG=$config "$OCI_CHECK" --only hostname,sysctl >"$output" 2>&1
status=$?
if [ $status -eq 0 ] && checker_tap_is_valid &&
	[ "$(grep -cE '^(not )?ok ' "$output")" -eq $((1 + 3)) ] &&
	! grep -E '^(not )?ok ' "$output" | grep -vqE ' - (hostname|linux\.sysctl):'; then
	ok oci_check_only_runs_named_sections_with_config_from_environment
else
	not_ok oci_check_only_runs_named_sections_with_config_from_environment
	diag <"$output"
fi
if "$OCI_CHECK" --only no-such-section >"$output" 2>&1; then
	not_ok oci_check_refuses_unknown_section
	diag <"$output"
else
	ok oci_check_refuses_unknown_section
fi

# The mount namespace scenario: masked and read-only paths and mount flags really in place.
if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null ||
	! unshare --mount --propagation private true 2>/dev/null; then
	skip oci_check_verifies_masks_readonly_paths_and_mounts "needs root and unshare --mount"
else
	mkdir -p "$work/masked-dir" "$work/ro-dir" "$work/tmp-dir"
	echo secret >"$work/masked-file"
	echo secret >"$work/masked-dir/inside"
	echo data >"$work/ro-dir/inside"
	host_base=$work/host-base.json
	cp "$base" "$host_base"
	mutate 'w = "'"$work"'"
c["mounts"] += [
    {"destination": w + "/masked-dir", "type": "tmpfs", "source": "tmpfs", "options": ["ro"]},
    {"destination": w + "/ro-dir", "type": "bind", "source": w + "/ro-dir", "options": ["bind", "ro"]},
    {"destination": w + "/tmp-dir", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "nodev", "noexec"]},
]
c["linux"]["maskedPaths"] = [w + "/masked-file", w + "/masked-dir", w + "/no-such-file"]
c["linux"]["readonlyPaths"] = [w + "/ro-dir", w + "/masked-dir", w + "/no-such-dir"]
c["linux"]["rootfsPropagation"] = "private"
# The new mount namespace is listed like the others; the checker sees a namespace either way.' ||
		bail "could not write the mount namespace config"
	cp "$config" "$base"
	expect_pass oci_check_verifies_masks_readonly_paths_and_mounts run_checker_in_mount_namespace
	baseline=$work/baseline-mount-namespace.tap
	cp "$output" "$baseline"
	check_mutation oci_check_catches_unmasked_directory \
		'c["linux"]["maskedPaths"].append("'"$work"'/ro-dir")' \
		"linux.maskedPaths: $work/ro-dir" run_checker_in_mount_namespace
	check_mutation oci_check_catches_masked_file_that_is_not_dev_null \
		'c["linux"]["maskedPaths"].append("/dev/zero")' \
		"linux.maskedPaths: /dev/zero" run_checker_in_mount_namespace
	check_mutation oci_check_catches_writable_mount_listed_readonly \
		'c["linux"]["readonlyPaths"].append("'"$work"'/tmp-dir")' \
		"linux.readonlyPaths: $work/tmp-dir" run_checker_in_mount_namespace
	check_mutation oci_check_catches_read_only_option_not_in_effect \
		'c["mounts"][-1]["options"].append("ro")' "mounts: $work/tmp-dir" \
		run_checker_in_mount_namespace
	check_mutation oci_check_catches_writable_directory_listed_masked \
		'c["linux"]["maskedPaths"].append("'"$work"'/tmp-dir")' \
		"linux.maskedPaths: $work/tmp-dir" run_checker_in_mount_namespace
	cp "$host_base" "$base"
fi

# Prints "<cgroup version> <directory>" of this process's own cgroup for controller $1, when a
# mount of its hierarchy shows it.
own_cgroup_dir() {
	python3 - "$1" <<'EOF'
import sys
controller = sys.argv[1]
own_v1 = own_v2 = None
for line in open("/proc/self/cgroup"):
    hid, controllers, path = line.rstrip("\n").split(":", 2)
    if hid == "0" and controllers == "":
        own_v2 = path
    elif controller in controllers.split(","):
        own_v1 = path
for line in open("/proc/self/mountinfo"):
    left, _, right = line.partition(" - ")
    l, r = left.split(), right.split()
    if l[3] != "/":
        continue
    if own_v1 and r[0] == "cgroup" and controller in r[2].split(","):
        print(1, l[4] + own_v1.rstrip("/"))
        break
    if not own_v1 and own_v2 and r[0] == "cgroup2":
        print(2, l[4] + own_v2.rstrip("/"))
        break
EOF
}

# Makes a child of this process's memory and pids cgroups with limits that are not multiples
# of the page size; sets $cgroup_procs. Fails with the reason on stdout when it cannot.
setup_child_cgroups() {
	local controller version dir child
	cgroup_procs=
	for controller in memory pids; do
		read -r version dir < <(own_cgroup_dir $controller)
		[ -n "${dir:-}" ] || { echo "no mounted $controller cgroup"; return 1; }
		child=$dir/oci-check-$$
		# cgroup v2 enables a controller for children in the parent's subtree_control,
		# which a cgroup holding processes (this runner's, unless the root) refuses.
		if [ "$version" = 2 ] && ! grep -qw $controller "$dir/cgroup.subtree_control" &&
			! echo "+$controller" 2>/dev/null >"$dir/cgroup.subtree_control"; then
			echo "cannot enable $controller for children of $dir"
			return 1
		fi
		[ -d "$child" ] || mkdir "$child" 2>/dev/null || { echo "cannot mkdir $child"; return 1; }
		child_cgroups="$child $child_cgroups"
		cgroup_procs="${cgroup_procs:+$cgroup_procs:}$child/cgroup.procs"
		case $version/$controller in
		1/memory) echo 100000123 >"$child/memory.limit_in_bytes" ;;
		2/memory) echo 100000123 >"$child/memory.max" ;;
		*/pids) echo 64 >"$child/pids.max" ;;
		esac || { echo "cannot set the $controller limit in $child"; return 1; }
	done
}

# The cgroup limits seen from inside: memory (rounded to pages by the kernel) and pids.
if [ "$(id -u)" -ne 0 ]; then
	skip oci_check_verifies_cgroup_limits_from_inside "needs root to make cgroups"
elif ! setup_child_cgroups >"$work/cgroup-setup.txt"; then
	skip oci_check_verifies_cgroup_limits_from_inside "$(cat "$work/cgroup-setup.txt")"
else
	mutate 'c["linux"]["resources"] = {"memory": {"limit": 100000123}, "pids": {"limit": 64}}' ||
		bail "could not write the cgroup config"
	cp "$config" "$base"
	expect_pass oci_check_verifies_cgroup_limits_from_inside run_checker_in_child_cgroups
	if grep -q '^ok [0-9]* - linux.resources.memory.limit: .* is 100000123$' "$output" &&
		grep -q '^ok [0-9]* - linux.resources.pids.limit: .* is 64$' "$output"; then
		ok oci_check_found_the_child_cgroups
	else
		not_ok oci_check_found_the_child_cgroups
		grep 'linux.resources' "$output" | diag
	fi
	baseline=$work/baseline-cgroups.tap
	cp "$output" "$baseline"
	check_mutation oci_check_catches_memory_limit_one_page_off \
		'c["linux"]["resources"]["memory"]["limit"] += 4096' \
		"linux.resources.memory.limit:" run_checker_in_child_cgroups
	check_mutation oci_check_catches_wrong_pids_limit_in_child_cgroup \
		'c["linux"]["resources"]["pids"]["limit"] = -1' \
		"linux.resources.pids.limit:" run_checker_in_child_cgroups
fi

# ------------------------------------------------------------- inside petrel containers

# The checker as the process of petrel containers: the default config of `petrel spec`, then
# configs that set every process field, the other namespaces with id mappings and time
# offsets, mounts with options, masked and read-only paths. Each must pass inside. Then a few
# mutations that only the checker sees (petrel runs the scenario's config) show that what it
# catches inside a container comes out through `petrel run`.
container_skip_reason() {
	if [ -z "$PETREL" ]; then
		echo "needs --petrel (or \$PETREL)"
	elif [ "$(id -u)" -ne 0 ]; then
		echo "needs root to run containers"
	elif [ ! -x /bin/busybox ] || [ ! -x "$top_srcdir/contrib/make-busybox-rootfs.sh" ]; then
		echo "needs busybox-static and $top_srcdir/contrib/make-busybox-rootfs.sh"
	fi
}

# The bundle: a busybox rootfs with the checker, what the scenarios mount, mask and make
# read-only, and a bind source outside it. Host uid 100000 (root of the user namespace
# scenario) and uid 1000 must be able to walk to all of it.
setup_container_bundle() {
	bundle=$work/bundle
	(
		umask 022
		"$top_srcdir/contrib/make-busybox-rootfs.sh" "$bundle/rootfs" >/dev/null &&
			install -m 0755 "$OCI_CHECK" "$bundle/rootfs/oci-check" &&
			mkdir -p "$bundle/rootfs/masked-dir" "$bundle/rootfs/ro-dir" \
				"$bundle/rootfs/mnt-tmpfs" "$bundle/rootfs/mnt-bind" "$work/bind-source" &&
			echo secret >"$bundle/rootfs/masked-dir/file" &&
			echo secret >"$bundle/rootfs/masked-file" &&
			echo data >"$bundle/rootfs/ro-dir/file" &&
			echo data >"$work/bind-source/file"
	) && chmod 0711 "$work" && chmod 0755 "$bundle"
}

# container_scenario NAME STATEMENT: the config of `petrel spec` (no terminal, the checker as
# process.args) with STATEMENT applied must pass inside; it becomes $base and $baseline for
# the mutations that follow.
container_scenario() {
	local name=$1 statement=$2
	cp "$container_default" "$base"
	if ! mutate "$statement" >"$work/mutate.err" 2>&1; then
		not_ok "$name"
		echo "could not write the config:" | diag
		diag <"$work/mutate.err"
		return 1
	fi
	cp "$config" "$base"
	expect_pass "$name" run_checker_in_container
	baseline=$work/baseline-$name.tap
	cp "$output" "$baseline"
}

skip_reason=$(container_skip_reason)
if [ -n "$skip_reason" ]; then
	skip oci_check_passes_in_petrel_containers "$skip_reason"
elif ! setup_container_bundle; then
	not_ok oci_check_passes_in_petrel_containers
	echo "could not make the bundle in $work/bundle" | diag
else
	base=$work/container-base.json
	container_default=$work/container-default.json
	python3 - "$work/spec-bundle/config.json" "$container_default" <<'EOF' ||
import json, sys
with open(sys.argv[1]) as f:
    c = json.load(f)
c["process"]["terminal"] = False
c["process"]["args"] = ["/oci-check", "--config", "/oci-check.json"]
with open(sys.argv[2], "w") as f:
    json.dump(c, f, indent="\t")
EOF
		bail "could not write the container config"

	container_scenario oci_check_passes_in_container_with_default_spec 'pass'
	if grep -q '^ok [0-9]* - process.args: argv is the 3 args$' "$output"; then
		ok oci_check_ran_as_the_container_process
	else
		not_ok oci_check_ran_as_the_container_process
		grep 'process.args' "$output" | diag
	fi
	check_mutation oci_check_in_container_catches_wrong_hostname \
		'c["hostname"] = "not-" + c["hostname"]' "hostname:" \
		run_checker_in_container_told_otherwise
	check_mutation oci_check_in_container_catches_missing_bounding_capability \
		'c["process"]["capabilities"]["bounding"].remove("CAP_KILL")' \
		"process.capabilities.bounding:" run_checker_in_container_told_otherwise
	check_mutation oci_check_in_container_catches_writable_root \
		'c["root"]["readonly"] = False' "root.readonly:" \
		run_checker_in_container_told_otherwise

	# A non-root user with every process field. CAP_SYS_RESOURCE may be missing from the
	# bounding set, so the rlimits stay at or below this process's hard limits.
	container_scenario oci_check_passes_in_container_with_every_process_field '
import os, resource
p = c["process"]
p["user"] = {"uid": 1000, "gid": 1000, "umask": 0o027, "additionalGids": [10, 20, 1000]}
p["env"] = ["PATH=/bin", "OCI_CHECK_MARKER=value with spaces and # hash", "EMPTY="]
p["cwd"] = "/tmp"
def rlimit(name, soft, hard):
    current = resource.getrlimit(getattr(resource, name))[1]
    hard = min(hard, 2**64 - 1 if current == resource.RLIM_INFINITY else current)
    return {"type": name, "soft": min(soft, hard), "hard": hard}
p["rlimits"] = [rlimit("RLIMIT_NOFILE", 512, 1024), rlimit("RLIMIT_CORE", 0, 0),
                rlimit("RLIMIT_NPROC", 1000, 2000), rlimit("RLIMIT_STACK", 8 << 20, 16 << 20),
                rlimit("RLIMIT_MEMLOCK", 65536, 65536)]
with open("/proc/self/oom_score_adj") as f:
    p["oomScoreAdj"] = min(1000, int(f.read()) + 100)
p["noNewPrivileges"] = True
# Ambient capabilities are what a non-root process keeps through execve.
granted = ["CAP_KILL", "CAP_NET_BIND_SERVICE"]
p["capabilities"] = {"bounding": granted + ["CAP_CHOWN", "CAP_AUDIT_WRITE"],
                     "effective": granted, "permitted": granted, "inheritable": granted,
                     "ambient": granted}
p["scheduler"] = {"policy": "SCHED_BATCH", "nice": max(5, os.getpriority(os.PRIO_PROCESS, 0))}
p["ioPriority"] = {"class": "IOPRIO_CLASS_BE", "priority": 4}
cpus = sorted(os.sched_getaffinity(0))
p["execCPUAffinity"] = {"initial": str(cpus[0]), "final": ",".join(map(str, cpus))}
c["hostname"] = "oci-check"
c["domainname"] = "oci-check.example"
c["linux"]["sysctl"] = {"kernel.shmmax": "68719476736", "kernel.msgmax": "16384",
                        "net.ipv4.ip_forward": "1"}
c["linux"]["personality"] = {"domain": "LINUX32"}'
	check_mutation oci_check_in_container_catches_wrong_umask \
		'c["process"]["user"]["umask"] = 0o022' "process.user.umask:" \
		run_checker_in_container_told_otherwise
	check_mutation oci_check_in_container_catches_missing_ambient_capability \
		'c["process"]["capabilities"]["ambient"].remove("CAP_KILL")' \
		"process.capabilities.ambient:" run_checker_in_container_told_otherwise
	check_mutation oci_check_in_container_catches_wrong_scheduler \
		'c["process"]["scheduler"]["policy"] = "SCHED_IDLE"' "process.scheduler:" \
		run_checker_in_container_told_otherwise
	check_mutation oci_check_in_container_catches_wrong_sysctl \
		'c["linux"]["sysctl"]["net.ipv4.ip_forward"] = "0"' \
		"linux.sysctl: net.ipv4.ip_forward" run_checker_in_container_told_otherwise
	check_mutation oci_check_in_container_catches_wrong_personality \
		'c["linux"]["personality"]["domain"] = "LINUX"' "linux.personality:" \
		run_checker_in_container_told_otherwise

	# Root of a user namespace with all five capability sets, a cgroup namespace, a writable
	# root, mounts with options, and masked and read-only paths of the rootfs.
	container_scenario oci_check_passes_in_container_with_user_namespace_mounts_and_masks '
l = c["linux"]
l["namespaces"] += [{"type": "user"}, {"type": "cgroup"}]
l["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
l["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
c["root"]["readonly"] = False
c["mounts"] += [
    {"destination": "/mnt-tmpfs", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "nodev", "noexec", "noatime", "ro", "mode=755"]},
    {"destination": "/mnt-bind", "type": "bind", "source": "'"$work"'/bind-source",
     "options": ["rbind", "ro", "nosuid", "nodev", "noexec"]},
]
l["maskedPaths"] += ["/masked-dir", "/masked-file", "/no-such-path"]
l["readonlyPaths"] += ["/ro-dir"]
l["rootfsPropagation"] = "private"
# As root, permitted and effective after execve are the bounding set.
bounding = ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE", "CAP_SETUID",
            "CAP_SETGID"]
c["process"]["capabilities"] = {"bounding": bounding, "effective": bounding,
                                "permitted": bounding, "inheritable": ["CAP_KILL", "CAP_CHOWN"],
                                "ambient": ["CAP_KILL"]}'
	check_mutation oci_check_in_container_catches_wrong_uid_mapping \
		'c["linux"]["uidMappings"][0]["hostID"] += 1' "linux.uidMappings:" \
		run_checker_in_container_told_otherwise
	check_mutation oci_check_in_container_catches_unmasked_directory \
		'c["linux"]["maskedPaths"].append("/ro-dir")' "linux.maskedPaths: /ro-dir" \
		run_checker_in_container_told_otherwise
	check_mutation oci_check_in_container_catches_writable_path_listed_readonly \
		'c["linux"]["readonlyPaths"].append("/tmp")' "linux.readonlyPaths: /tmp" \
		run_checker_in_container_told_otherwise
	check_mutation oci_check_in_container_catches_mount_option_not_in_effect \
		'[m for m in c["mounts"] if m["destination"] == "/dev/shm"][0]["options"].append("ro")' \
		"mounts: /dev/shm" run_checker_in_container_told_otherwise
	check_mutation oci_check_in_container_catches_missing_inheritable_capability \
		'c["process"]["capabilities"]["inheritable"].remove("CAP_CHOWN")' \
		"process.capabilities.inheritable:" run_checker_in_container_told_otherwise

	# A new time namespace with offsets for both clocks.
	container_scenario oci_check_passes_in_container_with_time_offsets '
c["linux"]["namespaces"].append({"type": "time"})
c["linux"]["timeOffsets"] = {"monotonic": {"secs": 86400, "nanosecs": 0},
                             "boottime": {"secs": 7200, "nanosecs": 500}}'
	check_mutation oci_check_in_container_catches_wrong_time_offset \
		'c["linux"]["timeOffsets"]["boottime"]["secs"] += 1' "linux.timeOffsets: boottime" \
		run_checker_in_container_told_otherwise

	# The cgroup limits petrel writes, seen from inside the container.
	container_scenario oci_check_passes_in_container_with_cgroup_limits '
c["linux"]["resources"] = {"memory": {"limit": 100000123}, "pids": {"limit": 64}}'
	if grep -q '^ok [0-9]* - linux.resources.memory.limit: .* is 100000123$' "$output" &&
		grep -q '^ok [0-9]* - linux.resources.pids.limit: .* is 64$' "$output"; then
		ok oci_check_in_container_found_its_cgroup_limits
	else
		not_ok oci_check_in_container_found_its_cgroup_limits
		grep 'linux.resources' "$output" | diag
	fi
	check_mutation oci_check_in_container_catches_wrong_pids_limit \
		'c["linux"]["resources"]["pids"]["limit"] = 65' "linux.resources.pids.limit:" \
		run_checker_in_container_told_otherwise
fi

echo "1..$tests"
[ $failures -eq 0 ]
