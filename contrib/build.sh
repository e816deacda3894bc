#!/usr/bin/env bash
# Builds petrel out of tree: contrib/build.sh [BUILD_DIR [configure args...]].
# The binary is BUILD_DIR/petrel (default BUILD_DIR: ./build).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
shift || true
if ! [ -x "$top/configure" ] || ! [ "$top/configure" -nt "$top/configure.ac" ]; then
	"$top/autogen.sh" >/tmp/petrel-autogen.$$.log 2>&1 || {
		cat /tmp/petrel-autogen.$$.log >&2
		exit 1
	}
	rm -f /tmp/petrel-autogen.$$.log
fi
mkdir -p "$build"
cd "$build"
# configure runs again when it changed or was given other arguments.
if [ ! -f Makefile ] || [ "$top/configure" -nt Makefile ] ||
	[ "$(cat configure.args 2>/dev/null)" != "$*" ]; then
	printf '%s' "$*" >configure.args
	"$top/configure" "$@" >configure.out 2>&1 || {
		tail -20 configure.out >&2
		exit 1
	}
fi
make -j"$(nproc)" >make.out 2>&1 || {
	grep -E 'error|warning' make.out | head -40 >&2
	tail -20 make.out >&2
	exit 1
}
