#!/usr/bin/env bash
# petrel's main job, end to end on a fresh Debian 12 machine: installs what
# is missing, builds petrel, makes a busybox bundle and hands it to petrel.
# The container prints what it sees: its hostname, pid 1, capabilities,
# seccomp mode and read-only root.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

"$top/contrib/install-deps.sh" build
echo "==> building petrel"
"$top/contrib/build.sh" "$top/build"
petrel=$top/build/petrel

bundle=$(mktemp -d /tmp/petrel-demo.XXXXXX)
trap 'rm -rf "$bundle"' EXIT

echo "==> $petrel --version"
"$petrel" --version

echo "==> making a busybox rootfs in $bundle/rootfs"
"$top/contrib/make-busybox-rootfs.sh" "$bundle/rootfs"

echo "==> petrel spec --bundle $bundle"
"$petrel" spec --bundle "$bundle"
echo "    wrote $(wc -c <"$bundle/config.json") bytes of config.json"

echo "==> petrel spec again refuses to overwrite it"
if "$petrel" spec --bundle "$bundle" 2>&1; then
	echo "unexpected: spec overwrote config.json" >&2
	exit 1
fi

echo "==> petrel features (what this build implements)"
"$petrel" features | head -n 6
echo "    ..."

# The container's process: no terminal (the demo may run without one), and
# a script that shows what the container sees.
python3 - "$bundle/config.json" <<'PY'
import json, sys
path = sys.argv[1]
with open(path) as f:
    c = json.load(f)
c["process"]["terminal"] = False
c["hostname"] = "petrel-demo"
c["process"]["args"] = ["sh", "-c", """
echo "hostname:      $(hostname)"
echo "my pid:        $$"
echo "user:          $(id)"
grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status | sed 's/^/status:        /'
echo "root mount:    $(awk '$5 == "/" {print $6}' /proc/self/mountinfo)"
echo "processes:     $(ls /proc | grep -c '^[0-9]')"
"""]
with open(path, "w") as f:
    json.dump(c, f, indent=1)
PY

root=$(mktemp -d /tmp/petrel-demo-root.XXXXXX)
trap 'rm -rf "$bundle" "$root"' EXIT
id=demo-$$
echo "==> petrel run $id"
"$petrel" --root "$root" run --bundle "$bundle" "$id"
echo "==> exit status $?; container removed: $("$petrel" --root "$root" list -q | wc -l) left"
