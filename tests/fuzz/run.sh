#!/bin/sh
# Builds the libFuzzer target for libocispec (tests/fuzz/fuzz-config.c) with
# clang's fuzzer, address and undefined-behaviour sanitizers straight from the
# sources, runs it for $FUZZ_SECONDS (default 30) on a copy of the seed corpus
# and reports TAP. Usage: tests/fuzz/run.sh [BUILD_DIR]   (default: a temp dir)
# Needs clang, libclang-rt-*-dev and libyajl-dev; installs nothing.
set -u

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/../.." && pwd)
seconds=${FUZZ_SECONDS:-30}
cc=${CLANG:-clang}

if [ $# -ge 1 ] && [ -n "$1" ]; then
	builddir=$1
	made_builddir=no
	mkdir -p "$builddir" || exit 1
else
	builddir=$(mktemp -d "${TMPDIR:-/tmp}/petrel-fuzz.XXXXXX") || exit 1
	made_builddir=yes
fi
builddir=$(cd "$builddir" && pwd)
failed=0

# Prints the last lines of a log as TAP diagnostics.
diag_tail() {
	tail -n "${2:-40}" "$1" | sed 's/^/# /'
}

echo "# build dir: $builddir"
target=$builddir/fuzz-config
if "$cc" -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -I"$srcdir/libocispec" \
	"$here/fuzz-config.c" "$srcdir/libocispec/json.c" "$srcdir/libocispec/types.c" \
	"$srcdir/libocispec/version.c" -lyajl -o "$target" >"$builddir/build.log" 2>&1; then
	echo "ok 1 - fuzz_config_builds"
else
	echo "not ok 1 - fuzz_config_builds"
	diag_tail "$builddir/build.log"
	echo "not ok 2 - fuzz_config_runs_without_findings # the target did not build"
	echo "1..2"
	exit 1
fi

# The fuzzer adds what it finds to its corpus: work on a copy, never the seeds.
rm -rf "$builddir/corpus" "$builddir/artifacts"
mkdir -p "$builddir/corpus" "$builddir/artifacts"
cp "$here"/corpus/* "$builddir/corpus/"

# Every JSON name the model knows, as a dictionary, so mutations find the fields.
dict=$builddir/ocispec.dict
grep -o 'F(T, [A-Z0-9_]*, [a-z0-9_]*, "[A-Za-z0-9]*"' "$srcdir/libocispec/spec-fields.h" |
	sed 's/.*"\([A-Za-z0-9]*\)"$/"\\"\1\\":"/' |
	sort -u >"$dict"

log=$builddir/fuzz.log
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1${ASAN_OPTIONS:+:$ASAN_OPTIONS} \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS} \
	"$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	-detect_leaks=1 -print_final_stats=1 -dict="$dict" -artifact_prefix="$builddir/artifacts/" \
	"$builddir/corpus" >"$log" 2>&1
status=$?

findings=$(ls "$builddir/artifacts" | wc -l)
if [ "$status" -eq 0 ] && [ "$findings" -eq 0 ]; then
	echo "ok 2 - fuzz_config_runs_without_findings"
	grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$log" | sed 's/^/# /'
	grep -E 'Done [0-9]+ runs' "$log" | tail -n 1 | sed 's/^/# /'
else
	echo "not ok 2 - fuzz_config_runs_without_findings"
	echo "# exit status $status; findings in $builddir/artifacts:"
	ls "$builddir/artifacts" | sed 's/^/#   /'
	diag_tail "$log" 60
	failed=1
fi
echo "1..2"

# A temp dir is removed after a clean run and kept when there is something to look at.
if [ "$failed" -eq 0 ] && [ "$made_builddir" = yes ]; then
	rm -rf "$builddir"
fi
exit "$failed"
