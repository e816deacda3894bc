#!/usr/bin/env bash
# petrel's main job, end to end on a fresh Debian 12 machine: installs what
# is missing, builds petrel, makes a busybox bundle and hands it to petrel.
# Running containers arrives with the lifecycle issue; until then the demo
# stops after `spec` and petrel's check of the bundle's config.json.
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
"$petrel" features | head -n 12
echo "    ..."

echo "==> petrel create: loads and validates config.json"
status=0
out=$("$petrel" create --bundle "$bundle" "demo-$$" 2>&1) || status=$?
echo "    $out"
case "$out" in
*"not available in this version"*)
	echo "==> config.json is valid; running containers arrives with the next issue"
	exit 0
	;;
esac
exit "$status"
