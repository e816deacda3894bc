#!/usr/bin/env bash
# Compares petrel with runc and crun: the time of `run` for /bin/true, the
# split create/start/delete, the peak RSS of one `run`, and the time of
# `exec` of /bin/true into a running container. With --seccomp,
# petrel's create+start with a Docker-style seccomp profile instead, with its
# cache of compiled programs warm and cold. With --podman, the time of
# `podman run --rm` of /bin/true with each runtime; with --containerd, of
# `ctr run --rm` through containerd's runc shim. Needs root.
# Usage: bench/bench.sh [--rounds N] [--runs N] [--runtimes "runc crun petrel"] [--quick]
#        bench/bench.sh --seccomp [--rounds N] [--runs N] [--quick]
#        bench/bench.sh --podman [--rounds N] [--runs N] [--runtimes L] [--quick]
#        bench/bench.sh --containerd [--rounds N] [--runs N] [--runtimes L] [--quick]
# bench/README.md says what is measured and how to read it.
set -euo pipefail

self=$(realpath "${BASH_SOURCE[0]}")
top=$(cd "$(dirname "$self")/.." && pwd)

usage() {
	cat <<EOF
usage: $0 [--rounds N] [--runs N] [--runtimes "runc crun petrel"] [--quick]
       $0 --seccomp [--rounds N] [--runs N] [--quick]
       $0 --podman [--rounds N] [--runs N] [--runtimes L] [--quick]
       $0 --containerd [--rounds N] [--runs N] [--runtimes L] [--quick]
       $0 --memory-floor [--runs N] [--runtimes L]
  --rounds N     rounds, each running every runtime in turn (default 5)
  --runs N       containers per runtime and round (default 100)
  --runtimes L   runtimes to compare (default "runc crun petrel")
  --quick        same as --rounds 2 --runs 20
  --podman       podman run --rm of /bin/true with each runtime as
                 podman's --runtime (default --runs 20)
  --containerd   ctr run --rm of /bin/true through containerd's runc shim
                 with each runtime as --runc-binary (default --runs 20)
  --memory-floor the smallest memory limit (memory and memory+swap alike)
                 under which \`run\` of \`echo hello\` succeeds, for each
                 runtime, --runs times in a row (default 5); 4 KiB steps
  --seccomp      petrel only: create+start without seccomp, and with the
                 default profile of the tests with the compiled-program cache
                 warm and cold (removed before each create)
The petrel binary is \$PETREL (default: $top/build/petrel, built with
contrib/build.sh when missing).
EOF
}

die() {
	echo "bench: $*" >&2
	exit 1
}
note() { echo "bench: $*" >&2; }

rounds=5
runs=100
runtimes="runc crun petrel"
seccomp=
podman=
containerd=
memfloor=
runs_given=
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) rounds=${2:?--rounds needs a value}; shift 2 ;;
	--rounds=*) rounds=${1#*=}; shift ;;
	--runs) runs=${2:?--runs needs a value}; runs_given=1; shift 2 ;;
	--runs=*) runs=${1#*=}; runs_given=1; shift ;;
	--runtimes) runtimes=${2:?--runtimes needs a value}; shift 2 ;;
	--runtimes=*) runtimes=${1#*=}; shift ;;
	--quick) rounds=2; runs=20; shift ;;
	--seccomp) seccomp=1; shift ;;
	--podman) podman=1; shift ;;
	--containerd) containerd=1; shift ;;
	--memory-floor) memfloor=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
# A podman run costs ~20 runtime runs: fewer of them.
[ -z "$podman" ] || [ -n "$runs_given" ] || runs=20
[ -z "$containerd" ] || [ -n "$runs_given" ] || runs=20
[ -z "$memfloor" ] || [ -n "$runs_given" ] || runs=5
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "--rounds wants a positive integer, got '$rounds'"
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "--runs wants a positive integer, got '$runs'"
[ "$(id -u)" = 0 ] || die "must run as root"
seccomp_profile=$top/tests/integration/seccomp/default-profile.json
if [ -n "$seccomp" ]; then
	runtimes=petrel
	[ -r "$seccomp_profile" ] || die "no seccomp profile at $seccomp_profile"
fi

apt_updated=
apt_install() {
	local install=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q
		--no-install-recommends "$@")
	"${install[@]}" >/dev/null 2>&1 && return 0
	if [ -z "$apt_updated" ]; then
		apt_updated=1
		apt-get update -q >/dev/null 2>&1 || true
		"${install[@]}" >/dev/null 2>&1 && return 0
	fi
	return 1
}

command -v python3 >/dev/null || apt_install python3 || die "cannot install python3"
[ -x /usr/bin/time ] || apt_install time || die "cannot install time (/usr/bin/time)"
[ -x /bin/busybox ] || apt_install busybox-static || die "cannot install busybox-static"
command -v unshare >/dev/null || die "unshare (util-linux) is missing"

# Containers made by `create` outlive the runtime process and are re-parented;
# where PID 1 does not reap (as in some sandboxes) they would stay zombies.
# Becoming a child subreaper makes this shell reap them. PR_SET_CHILD_SUBREAPER
# is 36 and survives execve.
if [ -z "${PETREL_BENCH_SUBREAPER:-}" ]; then
	export PETREL_BENCH_SUBREAPER=1
	exec python3 -c 'import ctypes, os, sys
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)
os.execvp(sys.argv[1], sys.argv[1:])' bash "$self" --rounds "$rounds" --runs "$runs" \
		--runtimes "$runtimes" ${seccomp:+--seccomp} ${podman:+--podman} ${containerd:+--containerd} \
		${memfloor:+--memory-floor}
fi

# ---------------------------------------------------------------- runtimes
declare -A bin
selected=()
for rt in $runtimes; do
	case $rt in
	petrel)
		petrel=${PETREL:-$top/build/petrel}
		if [ ! -x "$petrel" ] && [ -z "${PETREL:-}" ]; then
			note "building petrel with contrib/build.sh ($top/build)"
			"$top/contrib/build.sh" "$top/build" >&2 || note "building petrel failed"
		fi
		if [ -x "$petrel" ]; then
			bin[petrel]=$petrel
			selected+=(petrel)
		else
			note "skipping petrel: no binary at $petrel"
		fi
		;;
	*)
		if ! command -v "$rt" >/dev/null; then
			case $rt in
			runc | crun)
				note "installing $rt"
				apt_install "$rt" || note "cannot install $rt"
				;;
			esac
		fi
		if command -v "$rt" >/dev/null; then
			bin[$rt]=$(command -v "$rt")
			selected+=("$rt")
		else
			note "skipping $rt: not installed"
		fi
		;;
	esac
done
[ ${#selected[@]} -gt 0 ] || die "no runtime to measure"

# ----------------------------------------------------------------- cgroups
# "cgroup|cgroup2<TAB>mountpoint<TAB>own cgroup path" for every cgroup
# hierarchy mounted here; a cgroup2 mount beside v1 ones is the hybrid layout.
cgroup_layout() {
	python3 - <<'EOF'
own = {}
for line in open("/proc/self/cgroup"):
    hid, ctrls, path = line.rstrip("\n").split(":", 2)
    own[ctrls] = path
for line in open("/proc/self/mountinfo"):
    fields = line.split()
    sep = fields.index("-")
    fstype, opts = fields[sep + 1], fields[sep + 3].split(",")
    target = fields[4].replace("\\040", " ")
    if fstype == "cgroup2":
        print(f"cgroup2\t{target}\t{own.get('', '/')}")
    elif fstype == "cgroup":
        for ctrls, path in own.items():
            if ctrls and all(c in opts for c in ctrls.split(",")):
                print(f"cgroup\t{target}\t{path}")
                break
EOF
}
hybrid=
unified_mount=
cg_dirs=() # where this run's cgroups appear: <mount>/<own path>
crun_binds=()
while IFS=$'\t' read -r kind target path; do
	if [ "$kind" = cgroup2 ] && [ "$target" != /sys/fs/cgroup ]; then
		unified_mount=$target
	fi
	cg_dirs+=("$target${path%/}")
	[ "$path" = / ] || crun_binds+=("$target${path%/}" "$target")
done < <(cgroup_layout)
if [ -n "$unified_mount" ] && [ ${#cg_dirs[@]} -gt 1 ]; then
	hybrid=1
fi
cgroup_parent=petrel-bench.$$

# crun 1.8 refuses the hybrid layout unless the cgroup2 mount is hidden, and
# it reads a relative cgroupsPath from the root of each hierarchy, where runc
# reads it from its own cgroup. So crun runs in a private mount namespace
# where the unified mount is gone and each hierarchy's mount shows the
# caller's own cgroup: its cgroups then land where runc's do, under the
# caller's cgroup. The namespace is made once per batch, outside the timing.
crun_setup=
if [ -n "$hybrid" ]; then
	crun_setup+="umount $(printf %q "$unified_mount") || exit 1; "
fi
for ((i = 0; i < ${#crun_binds[@]}; i += 2)); do
	from=${crun_binds[i]} to=${crun_binds[i + 1]}
	[ -n "$hybrid" ] && [ "$to" = "$unified_mount" ] && continue
	crun_setup+="mount --bind $(printf %q "$from") $(printf %q "$to") || exit 1; "
done

# in_env RUNTIME CMD... runs CMD the way RUNTIME is measured.
in_env() {
	local rt=$1
	shift
	if [ "$rt" = crun ] && [ -n "$crun_setup" ]; then
		unshare -m --propagation private -- bash -c "$crun_setup"'exec "$@"' bash "$@"
	else
		"$@"
	fi
}

# ------------------------------------------------------------------ bundle
tmp=$(mktemp -d /tmp/petrel-bench.XXXXXX)
cleaned=
cleanup() {
	[ -n "$cleaned" ] && return
	cleaned=1
	trap '' INT TERM
	set +e
	local rt id ids
	for rt in "${selected[@]}"; do
		[ -d "$tmp/root-$rt" ] || continue
		ids=$({
			in_env "$rt" "${bin[$rt]}" --root "$tmp/root-$rt" list -q 2>/dev/null || true
			ls "$tmp/root-$rt" 2>/dev/null || true
		} | grep -E '^b[0-9]+-' | sort -u)
		for id in $ids; do
			in_env "$rt" "${bin[$rt]}" --root "$tmp/root-$rt" delete --force "$id" \
				</dev/null >/dev/null 2>&1 ||
				note "$rt: cannot delete container $id"
		done
	done
	rm -rf "$tmp"
	local dir left=0 d
	for dir in "${cg_dirs[@]}"; do
		[ -d "$dir/$cgroup_parent" ] || continue
		for d in "$dir/$cgroup_parent"/*/; do
			[ -d "$d" ] || continue
			left=$((left + 1))
			rmdir "$d" 2>/dev/null || note "cannot remove cgroup $d"
		done
		rmdir "$dir/$cgroup_parent" 2>/dev/null || note "cannot remove cgroup $dir/$cgroup_parent"
	done
	[ "$left" = 0 ] || note "$left container cgroup(s) were left behind by delete (removed now)"
}
trap cleanup EXIT
trap 'echo >&2; note "interrupted"; cleanup; exit 130' INT TERM

"$top/contrib/make-busybox-rootfs.sh" "$tmp/rootfs"

# engine_probe BATCH ENGINE TITLE: the selected runtimes ENGINE can run the
# bench container with (one trial batch each) into $measured, and a header
# naming TITLE, the engine's version and each runtime's.
engine_probe() {
	local batch=$1 engine=$2 title=$3 rt
	measured=()
	for rt in "${selected[@]}"; do
		: >"$tmp/err-$rt.log"
		if "$batch" "$rt" 0 1 2>/dev/null; then
			measured+=("$rt")
		else
			note "skipping $rt: $engine cannot run the bench container with it:"
			tail -5 "$tmp/err-$rt.log" | sed 's/^/    /' >&2
		fi
	done
	[ ${#measured[@]} -gt 0 ] || die "$engine could not run the bench container with any runtime"
	echo "$engine bench: ${rounds} rounds x ${runs} $title"
	echo "  $("$engine" --version)"
	for rt in "${measured[@]}"; do
		echo "  $rt: ${bin[$rt]} ($("${bin[$rt]}" --version 2>/dev/null | head -1 || true))"
	done
}

# engine_rounds BATCH DIR LABEL RUNTIME...: $rounds rounds of `BATCH RUNTIME
# ROUND $runs` for each runtime, in an order that rotates every round; each
# batch writes its total time in microseconds to DIR/run-RUNTIME-ROUND. Then
# the median per-run time of each runtime and its ratio to runc.
engine_rounds() {
	local batch=$1 dir=$2 label=$3 r j rt order
	shift 3
	local measured=("$@") k=$#
	for ((r = 1; r <= rounds; r++)); do
		order=()
		for ((j = 0; j < k; j++)); do
			order+=("${measured[(j + r - 1) % k]}")
		done
		printf 'round %d/%d: %s\n' "$r" "$rounds" "${order[*]}" >&2
		for rt in "${order[@]}"; do
			"$batch" "$rt" "$r" "$runs" || exit 1
		done
	done
	python3 - "$dir" "$rounds" "$runs" "$label(ms)" "${measured[@]}" <<'EOF'
import os, statistics, sys
d, rounds, runs, label, runtimes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5:]
med = statistics.median
rows = {}
for rt in runtimes:
    rows[rt] = []
    for r in range(1, rounds + 1):
        with open(os.path.join(d, f"run-{rt}-{r}")) as f:
            rows[rt].append(float(f.read().split()[0]) / runs / 1000)
order = [rt for rt in ("runc", "crun", "petrel") if rt in rows] + \
        [rt for rt in rows if rt not in ("runc", "crun", "petrel")]
w = max(len(label), 11)
print()
print(f"{'runtime':<8} {label:>{w}} {'ratio_vs_runc':>13}")
for rt in order:
    q = med(a / b for a, b in zip(rows[rt], rows["runc"])) if "runc" in rows else None
    print(f"{rt:<8} {med(rows[rt]):>{w}.1f} {'-' if q is None else f'{q:.2f}':>13}")
print()
print(f"{label} per round:")
for rt in order:
    print(f"  {rt:<8} " + " ".join(f"{x:.1f}" for x in rows[rt]))
EOF
}

# ------------------------------------------------------------------ podman
# --podman: N sequential `podman run --rm --network none` of /bin/true per
# runtime and round, with podman's --runtime naming the runtime; rounds
# rotate the order. Each batch runs in a private mount namespace where /run
# is a tmpfs (the runtimes' state, podman's) and /var/lib an overlay whose
# writes go to $tmp (podman import writes a cache to /var/lib/containers).
# The image is the bench rootfs, imported in each namespace, untimed.
# With cgroupfs, podman gives a container the same cgroup path in every
# hierarchy, so the cgroup parent must be below the caller's cgroup in each:
# for petrel and runc it is <the caller's deepest cgroup path>/<cgroup_parent>/
# podman-<runtime> (the directories this makes in a hierarchy where the
# caller sits higher up are removed at the end); crun runs in its namespace
# of above, where each mount shows the caller's cgroup, with
# /<cgroup_parent>/podman-crun. (runc and petrel cannot run there: they
# mount the container's cgroups from the host's view of their paths.)
if [ -n "$podman" ]; then
	command -v podman >/dev/null || apt_install podman || die "cannot install podman"
	pd=$tmp/podman
	mkdir -p "$pd/varlib"
	tar -C "$tmp/rootfs" -cf "$pd/rootfs.tar" .
	# podman's default rlimits as root (1048576) need CAP_SYS_RESOURCE.
	cat >"$pd/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
runtime_supports_json = ["crun", "runc", "petrel"]
CONF
	deep=/
	while IFS=$'\t' read -r _ _ path; do
		[ ${#path} -le ${#deep} ] || deep=$path
	done < <(cgroup_layout)
	pm_made=() # deepest first in each hierarchy
	while IFS=$'\t' read -r _ target path; do
		case "${deep%/}/" in
		"${path%/}/"*) ;;
		*) die "no cgroup path is below this process's cgroup in every hierarchy" ;;
		esac
		d=${deep%/}/$cgroup_parent
		while [ "$d" != "$path" ] && [ "$d" != / ] && [ ! -d "$target$d" ]; do
			pm_made+=("$target$d")
			d=$(dirname "$d")
		done
	done < <(cgroup_layout)
	# The directories below this process's cgroups before any podman ran.
	pm_before=$(for d in "${cg_dirs[@]}"; do find "$d" -mindepth 1 -maxdepth 12 -type d; done)
	# Removes the cgroups podman made (it leaves <parent>/conmon behind, and
	# conmon may outlive `podman run` for a moment). Seen once in a while in
	# a hierarchy where the caller's cgroup is not the root: a copy of the
	# parent below the caller's own path (<own>/<own path again>/<parent>),
	# found by its name and removed with the directories leading to it that
	# were not there before.
	podman_cgroups_cleanup() {
		local d i up
		for ((i = 0; i < 20; i++)); do
			for d in "${pm_made[@]}" "${cg_dirs[@]/%//$cgroup_parent}"; do
				[ ! -d "$d" ] || find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
			done
			for d in "${pm_made[@]}" "${cg_dirs[@]/%//$cgroup_parent}"; do
				[ ! -d "$d" ] || {
					sleep 0.1
					continue 2
				}
			done
			break
		done
		[ "$i" -lt 20 ] || note "cannot remove podman's cgroups under $cgroup_parent"
		while IFS= read -r d; do
			note "removing a stray cgroup $d"
			find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
			up=$(dirname "$d")
			while ! printf '%s\n' "${cg_dirs[@]}" $'\n'"$pm_before" | grep -qxF -- "$up" &&
				rmdir "$up" 2>/dev/null; do
				up=$(dirname "$up")
			done
		done < <(for d in "${cg_dirs[@]}"; do
			find "$d" -mindepth 2 -maxdepth 12 -type d -name "$cgroup_parent" -prune
		done)
	}
	# batch_podman RUNTIME BIN DIR N OUT ERRLOG CGROUP_PARENT (run by bash -c)
	# shellcheck disable=SC2317
	batch_podman() {
		local rt=$1 d=$3/$1 n=$4 out=$5 errlog=$6 cgp=$7 i t0 t1
		local a=(--root "$d/storage" --runroot "$d/runroot" --tmpdir "$d/tmp" --runtime "$2"
			--cgroup-manager cgroupfs --events-backend file)
		local r=(run --rm --pull never --network none --cgroup-parent "$cgp"
			localhost/petrel-bench:latest /bin/true)
		mkdir -p "$d/tmp"
		{ podman "${a[@]}" import "$3/rootfs.tar" localhost/petrel-bench:latest >/dev/null &&
			podman "${a[@]}" "${r[@]}" </dev/null >/dev/null; } 2>>"$errlog" || {
			echo "podman import or warm-up run with $rt failed" >>"$errlog"
			return 1
		}
		t0=${EPOCHREALTIME//[!0-9]/}
		for ((i = 1; i <= n; i++)); do
			podman "${a[@]}" "${r[@]}" </dev/null >/dev/null 2>>"$errlog" || {
				echo "podman run $i with $rt failed" >>"$errlog"
				return 1
			}
		done
		t1=${EPOCHREALTIME//[!0-9]/}
		echo "$((t1 - t0))" >"$out"
		podman "${a[@]}" rmi -af >/dev/null 2>&1
	}
	export -f batch_podman
	podman_batch() { # RUNTIME ROUND N
		local rt=$1 setup="" v=$pd/varlib/$1-$2 cgp=${deep%/}/$cgroup_parent/podman-$1 status
		if [ "$rt" = crun ]; then
			setup=$crun_setup cgp=/$cgroup_parent/podman-crun
		fi
		mkdir -p "$v/upper" "$v/work"
		setup+="mount -t tmpfs tmpfs /run && mount -t overlay overlay -o "
		setup+="$(printf %q "lowerdir=/var/lib,upperdir=$v/upper,workdir=$v/work") /var/lib || exit 1; "
		CONTAINERS_CONF=$pd/containers.conf unshare -m --propagation private -- \
			bash -c "$setup"'batch_podman "$@"' bash "$rt" "${bin[$rt]}" "$pd" "$3" \
			"$pd/run-$rt-$2" "$tmp/err-$rt.log" "$cgp"
		status=$?
		podman_cgroups_cleanup
		[ "$status" = 0 ] || {
			note "$rt: podman batch failed:"
			tail -5 "$tmp/err-$rt.log" >&2
		}
		return "$status"
	}
	engine_probe podman_batch podman "podman run --rm --network none of /bin/true"
	engine_rounds podman_batch "$pd" podman_run "${measured[@]}"
	exit 0
fi
# -------------------------------------------------------------- containerd
# --containerd: N sequential `ctr run --rm` of /bin/true per runtime and
# round through containerd's runc v2 shim, --runc-binary naming the runtime;
# the same image and flags for all, rounds rotate the order. One containerd
# of the bench's own (config, root, state, socket in $tmp; no CRI plugin)
# runs in a private mount namespace set up as for crun's bench (each cgroup
# hierarchy's mount shows the caller's own cgroup, a hybrid host's cgroup2
# mount hidden), so that every runtime runs in the same place and each
# container's cgroup <cgroup_parent>/ctr-<runtime>-<n> lies below the
# caller's. Its mounts go with the namespace.
if [ -n "$containerd" ]; then
	command -v containerd >/dev/null || apt_install containerd || die "cannot install containerd"
	cd_dir=$tmp/containerd
	sock=$cd_dir/containerd.sock
	mkdir -p "$cd_dir/fifo"
	cat >"$cd_dir/config.toml" <<CONF
version = 2
root = "$cd_dir/root"
state = "$cd_dir/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$sock"
[ttrpc]
  address = "$sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$cd_dir/opt"
CONF
	ctd_pid=
	ctd_stop() {
		[ -n "$ctd_pid" ] || return 0
		kill -TERM "$ctd_pid" 2>/dev/null || true
		for _ in $(seq 100); do
			kill -0 "$ctd_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$ctd_pid" 2>/dev/null || true
		wait "$ctd_pid" 2>/dev/null || true
		ctd_pid=
		# The shims' socket directory, whatever the configuration says.
		[ -n "$run_ctd_existed" ] || rmdir /run/containerd/s /run/containerd 2>/dev/null || true
	}
	run_ctd_existed=
	[ ! -e /run/containerd ] || run_ctd_existed=1
	trap 'ctd_stop; cleanup' EXIT
	trap 'echo >&2; note "interrupted"; ctd_stop; cleanup; exit 130' INT TERM
	unshare -m --propagation private -- bash -c "$crun_setup"'exec "$@"' bash \
		containerd --config "$cd_dir/config.toml" >"$cd_dir/log" 2>&1 &
	ctd_pid=$!
	for _ in $(seq 100); do
		ctr --address "$sock" version >/dev/null 2>&1 && break
		sleep 0.1
	done
	ctr --address "$sock" version >/dev/null 2>&1 || {
		tail -5 "$cd_dir/log" >&2
		die "containerd does not start"
	}
	python3 "$top/contrib/make-oci-archive.py" "$tmp/rootfs" "$cd_dir/image.tar" \
		localhost/petrel-bench:latest
	ctr --address "$sock" image import "$cd_dir/image.tar" >/dev/null ||
		die "ctr cannot import the bench image"
	# batch_ctr SOCK DIR RUNTIME BIN PREFIX N OUT ERRLOG CGROUP_PARENT
	batch_ctr() {
		local sock=$1 d=$2 rt=$3 rbin=$4 prefix=$5 n=$6 out=$7 errlog=$8 cgp=$9 i t0 t1
		t0=${EPOCHREALTIME//[!0-9]/}
		for ((i = 1; i <= n; i++)); do
			ctr --address "$sock" run --rm --runtime io.containerd.runc.v2 --runc-binary "$rbin" \
				--runc-root "$d/root-$rt" --fifo-dir "$d/fifo" --cgroup "$cgp/ctr-$rt-$i" \
				localhost/petrel-bench:latest "$prefix-$i" /bin/true \
				</dev/null >/dev/null 2>>"$errlog" || {
				echo "ctr run $prefix-$i with $rt failed" >>"$errlog"
				return 1
			}
		done
		t1=${EPOCHREALTIME//[!0-9]/}
		echo "$((t1 - t0))" >"$out"
	}
	ctr_batch() { # RUNTIME ROUND N
		batch_ctr "$sock" "$cd_dir" "$1" "${bin[$1]}" "b$2-$1" "$3" "$cd_dir/run-$1-$2" \
			"$tmp/err-$1.log" "$cgroup_parent" || {
			note "$1: ctr batch failed:"
			tail -5 "$tmp/err-$1.log" >&2
			return 1
		}
	}
	engine_probe ctr_batch containerd "ctr run --rm of /bin/true (runc v2 shim)"
	engine_rounds ctr_batch "$cd_dir" ctr_run "${measured[@]}"
	exit 0
fi
mkdir -p "$tmp/spec"
spec_done=
for rt in runc petrel crun; do
	[ -n "${bin[$rt]:-}" ] || continue
	(cd "$tmp/spec" && "${bin[$rt]}" spec) >/dev/null 2>&1 && spec_done=1 && break
done
[ -n "$spec_done" ] || die "no runtime could generate a config.json (spec)"

# ------------------------------------------------------------ memory floor
# --memory-floor: for each runtime, the smallest memory limit L under which
# $runs `run`s in a row of `echo hello` all print hello and exit 0, found by
# bisection between 0 and 64 MiB in 4 KiB steps (a page). memory.limit and the
# memory+swap limit are both L (swap only where the host accounts it), so
# nothing can be swapped out. Every attempt is a new container with its own
# cgroup <cgroup_parent>/<id>, deleted with its cgroups right after.
if [ -n "$memfloor" ]; then
	swap=1
	for dir in "${cg_dirs[@]}"; do
		if [ -e "$dir/memory.limit_in_bytes" ] && [ ! -e "$dir/memory.memsw.limit_in_bytes" ]; then
			swap=
		fi
	done
	fl_n=0
	# floor_try RUNTIME LIMIT: succeeds when $runs runs in a row do; the
	# error of a failed one is in $tmp/floor-last-RUNTIME.
	floor_try() {
		local rt=$1 lim=$2 i id b rc dir
		for ((i = 1; i <= runs; i++)); do
			fl_n=$((fl_n + 1))
			id=f$fl_n-$rt
			b=$tmp/floor/$id
			python3 - "$tmp/spec/config.json" "$b" "$tmp/rootfs" "$cgroup_parent/$id" \
				"$lim" "$swap" <<'EOF'
import json, os, sys
src, bundle, rootfs, cgpath, lim, swap = sys.argv[1:]
with open(src) as f:
    spec = json.load(f)
spec["process"]["terminal"] = False
spec["process"]["args"] = ["echo", "hello"]
spec["root"] = {"path": rootfs, "readonly": True}
spec["linux"]["cgroupsPath"] = cgpath
mem = {"limit": int(lim)}
if swap:
    mem["swap"] = int(lim)
spec["linux"]["resources"] = dict(spec["linux"].get("resources", {}), memory=mem)
os.makedirs(bundle)
with open(os.path.join(bundle, "config.json"), "w") as f:
    json.dump(spec, f, indent=1)
EOF
			rc=0
			in_env "$rt" timeout -k 5 60 "${bin[$rt]}" --root "$tmp/root-$rt" run \
				--bundle "$b" "$id" </dev/null >"$b/out" 2>"$b/err" || rc=$?
			in_env "$rt" "${bin[$rt]}" --root "$tmp/root-$rt" delete --force "$id" \
				</dev/null >/dev/null 2>&1 || true
			for dir in "${cg_dirs[@]}"; do
				[ ! -d "$dir/$cgroup_parent/$id" ] || rmdir "$dir/$cgroup_parent/$id" 2>/dev/null ||
					note "cannot remove cgroup $dir/$cgroup_parent/$id"
			done
			if [ "$rc" != 0 ] || [ "$(cat "$b/out")" != hello ]; then
				{
					echo "exit status $rc, output '$(head -c 100 "$b/out")'"
					grep -v 'warning' "$b/err" | tail -2
				} >"$tmp/floor-last-$rt"
				rm -rf "$b"
				return 1
			fi
			rm -rf "$b"
		done
	}
	step=4096
	top_lim=$((64 << 20))
	echo "memory floor: the smallest memory limit under which \`run\` of echo hello succeeds" \
		"$runs times in a row (${swap:+memory+swap equal to it, }${step} B steps)"
	for rt in "${selected[@]}"; do
		echo "  $rt: ${bin[$rt]} ($("${bin[$rt]}" --version 2>/dev/null | head -1 || true))"
	done
	echo
	printf '%-8s %12s   %s\n' runtime floor "what fails one step below"
	for rt in "${selected[@]}"; do
		mkdir -p "$tmp/root-$rt" "$tmp/floor"
		if ! floor_try "$rt" "$top_lim"; then
			note "$rt fails even under $((top_lim >> 20)) MiB:"
			sed 's/^/    /' "$tmp/floor-last-$rt" >&2
			continue
		fi
		lo=0 hi=$top_lim why="-"
		while [ $((hi - lo)) -gt "$step" ]; do
			mid=$(((lo + hi) / 2 / step * step))
			printf '%s: %d KiB\n' "$rt" $((mid >> 10)) >&2
			if floor_try "$rt" "$mid"; then
				hi=$mid
			else
				lo=$mid
				why=$(tr '\n' ' ' <"$tmp/floor-last-$rt" | cut -c1-160)
			fi
		done
		printf '%-8s %8d KiB   %s\n' "$rt" $((hi >> 10)) "$why"
	done
	exit 0
fi

# One bundle per runtime and container index, sharing one rootfs, so every
# container has its own cgroup petrel-bench.PID/<runtime>-<n> relative to the
# caller's cgroup.
python3 - "$tmp" "$cgroup_parent" "$runs" "${selected[@]}" <<'EOF'
import json, os, sys
tmp, parent, runs, runtimes = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
with open(os.path.join(tmp, "spec", "config.json")) as f:
    spec = json.load(f)
spec["process"]["terminal"] = False
spec["process"]["args"] = ["/bin/true"]
spec["root"] = {"path": os.path.join(tmp, "rootfs"), "readonly": True}
for rt in runtimes:
    for n in range(1, runs + 1):
        spec["linux"]["cgroupsPath"] = f"{parent}/{rt}-{n}"
        bundle = os.path.join(tmp, "bundles", rt, str(n))
        os.makedirs(bundle)
        with open(os.path.join(bundle, "config.json"), "w") as f:
            json.dump(spec, f, indent=1)
    # The container the exec batches run /bin/true in: it sleeps.
    exec_spec = dict(spec, process=dict(spec["process"], args=["/bin/sleep", "1000000"]))
    exec_spec["linux"] = dict(spec["linux"], cgroupsPath=f"{parent}/{rt}-exec")
    bundle = os.path.join(tmp, "bundles", rt, "exec")
    os.makedirs(bundle)
    with open(os.path.join(bundle, "config.json"), "w") as f:
        json.dump(exec_spec, f, indent=1)
EOF
if [ -n "$seccomp" ]; then
	python3 - "$tmp" "$cgroup_parent" "$runs" "$seccomp_profile" <<'EOF'
import json, os, sys
tmp, parent, runs, profile = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
for n in range(1, runs + 1):
    with open(os.path.join(tmp, "bundles", "petrel", str(n), "config.json")) as f:
        spec = json.load(f)
    with open(profile) as f:
        spec["linux"]["seccomp"] = json.load(f)
    spec["linux"]["cgroupsPath"] = f"{parent}/petrel-seccomp-{n}"
    bundle = os.path.join(tmp, "bundles", "petrel-seccomp", str(n))
    os.makedirs(bundle)
    with open(os.path.join(bundle, "config.json"), "w") as f:
        json.dump(spec, f, indent=1)
EOF
fi

# ----------------------------------------------------------------- batches
# The timing loops run in a child bash (inside crun's namespace for crun) and
# read the clock from $EPOCHREALTIME, so no process is forked to take a time.
# Every runtime pays the same fork/exec of one bash command per invocation.
# A batch writes its totals in microseconds to the file OUT.
#
# batch_run BIN ROOT BUNDLES PREFIX N OUT ERRLOG
batch_run() {
	local bin=$1 root=$2 bundles=$3 prefix=$4 n=$5 out=$6 errlog=$7 i t0 t1
	t0=${EPOCHREALTIME//[!0-9]/}
	for ((i = 1; i <= n; i++)); do
		"$bin" --root "$root" run --bundle "$bundles/$i" "$prefix-$i" \
			</dev/null >/dev/null 2>>"$errlog" || {
			echo "run $prefix-$i failed" >>"$errlog"
			return 1
		}
	done
	t1=${EPOCHREALTIME//[!0-9]/}
	echo "$((t1 - t0))" >"$out"
}

# batch_split BIN ROOT BUNDLES PREFIX N OUT ERRLOG: create, start, wait until
# the container's process is gone (untimed), delete; each step timed alone.
batch_split() {
	local bin=$1 root=$2 bundles=$3 prefix=$4 n=$5 out=$6 errlog=$7
	local i t0 t1 t2 t3 t4 pid stat create=0 start=0 delete=0
	local pidfile=$root.pid
	for ((i = 1; i <= n; i++)); do
		t0=${EPOCHREALTIME//[!0-9]/}
		"$bin" --root "$root" create --bundle "$bundles/$i" --pid-file "$pidfile" "$prefix-$i" \
			</dev/null >/dev/null 2>>"$errlog" || {
			echo "create $prefix-$i failed" >>"$errlog"
			return 1
		}
		t1=${EPOCHREALTIME//[!0-9]/}
		"$bin" --root "$root" start "$prefix-$i" </dev/null >/dev/null 2>>"$errlog" || {
			echo "start $prefix-$i failed" >>"$errlog"
			return 1
		}
		t2=${EPOCHREALTIME//[!0-9]/}
		read -r pid <"$pidfile"
		# A zombie (state Z) or a vanished /proc entry both mean it exited;
		# the state follows the last ')' as comm may hold spaces.
		while read -r stat 2>/dev/null <"/proc/$pid/stat"; do
			stat=${stat##*) }
			[ "${stat%% *}" != Z ] || break
		done
		t3=${EPOCHREALTIME//[!0-9]/}
		"$bin" --root "$root" delete "$prefix-$i" </dev/null >/dev/null 2>>"$errlog" || {
			echo "delete $prefix-$i failed" >>"$errlog"
			return 1
		}
		t4=${EPOCHREALTIME//[!0-9]/}
		create=$((create + t1 - t0))
		start=$((start + t2 - t1))
		delete=$((delete + t4 - t3))
	done
	echo "$create $start $delete" >"$out"
}

# batch_rss BIN ROOT BUNDLES PREFIX OUT ERRLOG: peak RSS (KiB) of one `run`.
batch_rss() {
	local bin=$1 root=$2 bundles=$3 prefix=$4 out=$5 errlog=$6
	/usr/bin/time -f %M -o "$out" "$bin" --root "$root" run --bundle "$bundles/1" "$prefix-1" \
		</dev/null >/dev/null 2>>"$errlog" || {
		echo "run $prefix-1 under /usr/bin/time failed" >>"$errlog"
		return 1
	}
}
# batch_seccomp BIN ROOT BUNDLES PREFIX N OUT ERRLOG MODE: create and start
# timed together, then an untimed wait until the process exited and delete.
# MODE cold removes the cache of compiled seccomp programs before each
# create (untimed), so that every create compiles the profile.
batch_seccomp() {
	local bin=$1 root=$2 bundles=$3 prefix=$4 n=$5 out=$6 errlog=$7 mode=$8
	local i t0 t1 pid stat total=0 pidfile=$root.pid
	for ((i = 1; i <= n; i++)); do
		[ "$mode" != cold ] || rm -rf "$root/.seccomp-cache"
		t0=${EPOCHREALTIME//[!0-9]/}
		"$bin" --root "$root" create --bundle "$bundles/$i" --pid-file "$pidfile" "$prefix-$i" \
			</dev/null >/dev/null 2>>"$errlog" || {
			echo "create $prefix-$i failed" >>"$errlog"
			return 1
		}
		"$bin" --root "$root" start "$prefix-$i" </dev/null >/dev/null 2>>"$errlog" || {
			echo "start $prefix-$i failed" >>"$errlog"
			return 1
		}
		t1=${EPOCHREALTIME//[!0-9]/}
		read -r pid <"$pidfile"
		while read -r stat 2>/dev/null <"/proc/$pid/stat"; do
			stat=${stat##*) }
			[ "${stat%% *}" != Z ] || break
		done
		"$bin" --root "$root" delete "$prefix-$i" </dev/null >/dev/null 2>>"$errlog" || {
			echo "delete $prefix-$i failed" >>"$errlog"
			return 1
		}
		total=$((total + t1 - t0))
	done
	echo "$total" >"$out"
}

# batch_exec BIN ROOT BUNDLES PREFIX N OUT ERRLOG: N sequential `exec` of
# /bin/true into the running container PREFIX (started by the caller), in the
# foreground, as a health probe does.
batch_exec() {
	local bin=$1 root=$2 prefix=$4 n=$5 out=$6 errlog=$7 i t0 t1
	t0=${EPOCHREALTIME//[!0-9]/}
	for ((i = 1; i <= n; i++)); do
		"$bin" --root "$root" exec "$prefix" /bin/true </dev/null >/dev/null 2>>"$errlog" || {
			echo "exec $i into $prefix failed" >>"$errlog"
			return 1
		}
	done
	t1=${EPOCHREALTIME//[!0-9]/}
	echo "$((t1 - t0))" >"$out"
}

# batch_floor N OUT: the same loop around the host's /bin/true, the cost of
# the fork and exec that every timed invocation includes.
batch_floor() {
	local n=$1 out=$2 i t0 t1
	t0=${EPOCHREALTIME//[!0-9]/}
	for ((i = 1; i <= n; i++)); do
		/bin/true </dev/null >/dev/null 2>>/dev/null
	done
	t1=${EPOCHREALTIME//[!0-9]/}
	echo "$((t1 - t0))" >"$out"
}
export -f batch_run batch_split batch_rss batch_floor batch_seccomp batch_exec

# batch RUNTIME KIND ARGS...: runs one batch function for RUNTIME.
batch() {
	local rt=$1 kind=$2
	shift 2
	in_env "$rt" bash -c 'batch_'"$kind"' "$@"' bash "${bin[$rt]}" "$tmp/root-$rt" \
		"$tmp/bundles/$rt" "$@" || {
		note "$rt: $kind batch failed:"
		tail -5 "$tmp/err-$rt.log" >&2
		return 1
	}
}

# Warm-up and check: one untimed run and one create/start/delete each. A
# runtime that cannot run the container here is skipped with its error; one
# whose create/start/delete fails is measured for run and RSS only.
measured=()
declare -A split_ok
for rt in "${selected[@]}"; do
	mkdir -p "$tmp/root-$rt"
	: >"$tmp/err-$rt.log"
	if ! batch "$rt" run "b0-$rt" 1 "$tmp/warm-$rt" "$tmp/err-$rt.log" 2>/dev/null; then
		note "skipping $rt: it cannot run the bench container:"
		tail -5 "$tmp/err-$rt.log" | sed 's/^/    /' >&2
		in_env "$rt" "${bin[$rt]}" --root "$tmp/root-$rt" delete --force "b0-$rt-1" \
			</dev/null >/dev/null 2>&1 || true
		continue
	fi
	measured+=("$rt")
	if batch "$rt" split "b0-s$rt" 1 "$tmp/warm-$rt" "$tmp/err-$rt.log" 2>/dev/null; then
		split_ok[$rt]=1
	else
		note "$rt: create/start/delete fails, measuring run and RSS only:"
		tail -5 "$tmp/err-$rt.log" | sed 's/^/    /' >&2
		in_env "$rt" "${bin[$rt]}" --root "$tmp/root-$rt" delete --force "b0-s$rt-1" \
			</dev/null >/dev/null 2>&1 || true
	fi
done
[ ${#measured[@]} -gt 0 ] || die "no runtime could run the bench container"

# exec: one sleeping container per runtime (b0-x<runtime>), started here and
# deleted by cleanup; one untimed exec checks it. A runtime whose exec fails
# is not measured for it.
declare -A exec_ok
if [ -z "$seccomp" ]; then
	for rt in "${measured[@]}"; do
		xid=b0-x$rt
		if in_env "$rt" "${bin[$rt]}" --root "$tmp/root-$rt" run -d \
			--bundle "$tmp/bundles/$rt/exec" "$xid" </dev/null >/dev/null 2>>"$tmp/err-$rt.log" &&
			batch "$rt" exec "$xid" 1 "$tmp/warm-$rt" "$tmp/err-$rt.log" 2>/dev/null; then
			exec_ok[$rt]=1
		else
			note "$rt: exec into a running container fails, not measured:"
			tail -5 "$tmp/err-$rt.log" | sed 's/^/    /' >&2
		fi
	done
fi

# ----------------------------------------------------------------- seccomp
# --seccomp: petrel's create+start in three modes, each round running them
# in a rotating order: no seccomp, the profile with the cache warm, and with
# the cache removed before each create (cold: every create compiles).
if [ -n "$seccomp" ]; then
	[[ " ${measured[*]} " == *" petrel "* ]] || die "petrel cannot run the bench container"
	sc_bin=${bin[petrel]} sc_root=$tmp/root-petrel sc_err=$tmp/err-petrel.log
	sc_batch() { # MODE ROUND N OUT
		local bundles=$tmp/bundles/petrel-seccomp
		[ "$1" != none ] || bundles=$tmp/bundles/petrel
		bash -c 'batch_seccomp "$@"' bash "$sc_bin" "$sc_root" "$bundles" "b$2-sc$1" "$3" \
			"$4" "$sc_err" "$1" || {
			note "petrel: seccomp $1 batch failed:"
			tail -5 "$sc_err" >&2
			exit 1
		}
	}
	# Warm-up, untimed: also fills the cache.
	for mode in none cold warm; do
		sc_batch "$mode" 0 1 "$tmp/warm-sc-$mode"
	done
	echo "petrel seccomp bench: ${rounds} rounds x ${runs} create+start of /bin/true"
	echo "  petrel: ${bin[petrel]} ($("${bin[petrel]}" --version 2>/dev/null | head -1 || true))"
	echo "  profile: $seccomp_profile"
	results=$tmp/results
	mkdir -p "$results"
	modes=(none warm cold)
	for ((r = 1; r <= rounds; r++)); do
		order=()
		for ((j = 0; j < 3; j++)); do
			order+=("${modes[(j + r - 1) % 3]}")
		done
		printf 'round %d/%d: %s\n' "$r" "$rounds" "${order[*]}" >&2
		for mode in "${order[@]}"; do
			sc_batch "$mode" "$r" "$runs" "$results/sc-$mode-$r"
		done
	done
	python3 - "$results" "$rounds" "$runs" <<'EOF'
import os, statistics, sys
results, rounds, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def per_round(mode):
    out = []
    for r in range(1, rounds + 1):
        with open(os.path.join(results, f"sc-{mode}-{r}")) as f:
            out.append(float(f.read().split()[0]) / runs / 1000)
    return out
rows = {m: per_round(m) for m in ("none", "warm", "cold")}
med = {m: statistics.median(v) for m, v in rows.items()}
print()
print(f"{'seccomp':<28} {'create+start(ms)':>16}")
print(f"{'none':<28} {med['none']:>16.2f}")
print(f"{'default profile, cache warm':<28} {med['warm']:>16.2f}")
print(f"{'default profile, cache cold':<28} {med['cold']:>16.2f}")
print()
print("create+start(ms) per round:")
for m in ("none", "warm", "cold"):
    print(f"  {m:<5} " + " ".join(f"{x:.2f}" for x in rows[m]))
print()
print(f"seccomp with a warm cache costs {med['warm'] - med['none']:.2f} ms a container; "
      f"compiling the profile (cold) {med['cold'] - med['warm']:.2f} ms more")
EOF
	exit 0
fi

echo "petrel bench: ${rounds} rounds x ${runs} runs of /bin/true (busybox rootfs, read-only)"
for rt in "${measured[@]}"; do
	echo "  $rt: ${bin[$rt]} ($("${bin[$rt]}" --version 2>/dev/null | head -1 || true))"
done
if [[ " ${measured[*]} " == *" crun "* ]] && [ -n "$crun_setup" ]; then
	echo "  crun runs in a private mount namespace:" \
		"${hybrid:+$unified_mount unmounted, }cgroup mounts show the caller's cgroup"
fi

results=$tmp/results
mkdir -p "$results"
k=${#measured[@]}
for ((r = 1; r <= rounds; r++)); do
	order=()
	for ((j = 0; j < k; j++)); do
		order+=("${measured[(j + r - 1) % k]}")
	done
	printf 'round %d/%d: %s\n' "$r" "$rounds" "${order[*]}" >&2
	bash -c 'batch_floor "$@"' bash "$runs" "$results/floor-$r"
	for rt in "${order[@]}"; do
		batch "$rt" run "b$r-$rt" "$runs" "$results/run-$rt-$r" "$tmp/err-$rt.log"
	done
	for rt in "${order[@]}"; do
		[ -n "${split_ok[$rt]:-}" ] || continue
		batch "$rt" split "b$r-s$rt" "$runs" "$results/split-$rt-$r" "$tmp/err-$rt.log"
	done
	for rt in "${order[@]}"; do
		batch "$rt" rss "b$r-m$rt" "$results/rss-$rt-$r" "$tmp/err-$rt.log"
	done
	for rt in "${order[@]}"; do
		[ -n "${exec_ok[$rt]:-}" ] || continue
		batch "$rt" exec "b0-x$rt" "$runs" "$results/exec-$rt-$r" "$tmp/err-$rt.log"
	done
done

# ------------------------------------------------------------------ report
python3 - "$results" "$rounds" "$runs" "${measured[@]}" <<'EOF'
import os, statistics, sys

results, rounds, runs, runtimes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
med = statistics.median

def read(kind, rt, r):
    name = f"{kind}-{rt}-{r}" if rt else f"{kind}-{r}"
    with open(os.path.join(results, name)) as f:
        return [float(x) for x in f.read().split()]

rows = {}
for rt in runtimes:
    run = [read("run", rt, r)[0] / runs / 1000 for r in range(1, rounds + 1)]
    rss = [read("rss", rt, r)[0] for r in range(1, rounds + 1)]
    rows[rt] = {"run": run, "rss": med(rss)}
    if os.path.exists(os.path.join(results, f"split-{rt}-1")):
        split = [read("split", rt, r) for r in range(1, rounds + 1)]
        for i, step in enumerate(("create", "start", "delete")):
            rows[rt][step] = med(s[i] for s in split) / runs / 1000
    if os.path.exists(os.path.join(results, f"exec-{rt}-1")):
        rows[rt]["exec"] = [read("exec", rt, r)[0] / runs / 1000 for r in range(1, rounds + 1)]

def ratio(rt, kind="run"):
    if kind not in rows.get("runc", {}) or kind not in rows[rt]:
        return None
    return med(a / b for a, b in zip(rows[rt][kind], rows["runc"][kind]))

def size(kib):
    return f"{kib / 1024:.1f}MiB ({kib:.0f}KiB)"

print()
print(f"{'runtime':<8} {'run(ms)':>8} {'ratio_vs_runc':>13} {'create(ms)':>10} "
      f"{'start(ms)':>9} {'delete(ms)':>10} {'exec(ms)':>8} {'exec_ratio':>10}  peak_rss")
order = [rt for rt in ("runc", "crun", "petrel") if rt in rows] + \
        [rt for rt in rows if rt not in ("runc", "crun", "petrel")]
for rt in order:
    row, q = rows[rt], ratio(rt)
    qs = "-" if q is None else f"{q:.2f}"
    steps = [f"{row[s]:.2f}" if s in row else "-" for s in ("create", "start", "delete")]
    ex = f"{med(row['exec']):.2f}" if "exec" in row else "-"
    xq = ratio(rt, "exec")
    xqs = "-" if xq is None else f"{xq:.2f}"
    print(f"{rt:<8} {med(row['run']):>8.2f} {qs:>13} {steps[0]:>10} "
          f"{steps[1]:>9} {steps[2]:>10} {ex:>8} {xqs:>10}  {size(row['rss'])}")
floor = med(read("floor", "", r)[0] for r in range(1, rounds + 1)) / runs / 1000
print(f"(every figure includes one fork+exec from bash: {floor:.2f} ms for /bin/true)")
print()
print("run(ms) per round:")
for rt in order:
    print(f"  {rt:<8} " + " ".join(f"{x:.2f}" for x in rows[rt]["run"]))
if any("exec" in rows[rt] for rt in order):
    print("exec(ms) per round:")
    for rt in order:
        if "exec" in rows[rt]:
            print(f"  {rt:<8} " + " ".join(f"{x:.2f}" for x in rows[rt]["exec"]))
print()
if "petrel" not in rows:
    print("verdict: petrel was not measured")
else:
    q = ratio("petrel")
    if q is None:
        print("verdict: run time vs runc: runc was not measured")
    else:
        print(f"verdict: petrel run time {q:.2f}x runc (target <= 0.30x): "
              f"{'PASS' if q <= 0.30 else 'FAIL'}")
    xq = ratio("petrel", "exec")
    if xq is None:
        print("verdict: exec time vs runc: not measured for both")
    else:
        print(f"verdict: petrel exec time {xq:.2f}x runc (target <= 0.50x): "
              f"{'PASS' if xq <= 0.50 else 'FAIL'}")
    kib = rows["petrel"]["rss"]
    print(f"verdict: petrel peak RSS {size(kib)} (target < 2MiB): "
          f"{'PASS' if kib < 2048 else 'FAIL'}")
EOF
