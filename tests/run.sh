#!/usr/bin/env bash
# Builds petrel and runs every test: unit tests (C), the integration tests,
# the cgroup tests again in a pure cgroup v2 guest VM (tests/vm/), petrel's
# conformance checker, a fuzz smoke run, a sanitizer build, a clang build
# and the format check. Installs missing Debian packages first. Prints
# one line per test and ends with `N passed, N failed[, N skipped]`.
#   tests/run.sh            everything
#   tests/run.sh unit ...   only the named suites (unit integration vm
#                           oci-validation fuzz asan clang format docs)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export LC_ALL=C
# The system's tools first: a pyenv shim in front of python3 costs 0.1 s a
# call, and the tests call python3 often.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(format docs unit integration vm oci-validation asan clang fuzz)
wants() {
	local s
	for s in "${suites[@]}"; do [ "$s" = "$1" ] && return 0; done
	return 1
}

contrib/install-deps.sh test || exit 1

build=$top/build
logs=$build/test-logs
passed=0 failed=0 skipped=0

# Reads TAP on stdin for suite $1 and prints a line per test. A suite whose
# plan does not match what ran, or that exits non-zero without a failing
# test, counts as one more failure.
report_tap() {
	local suite=$1 status=$2 log=$3 line planned=-1 seen=0 bad=0
	while IFS= read -r line; do
		case "$line" in
		"not ok "*)
			seen=$((seen + 1)) bad=$((bad + 1)) failed=$((failed + 1))
			echo "FAIL $suite: ${line#not ok * - }"
			;;
		"ok "*"# SKIP"*)
			seen=$((seen + 1)) skipped=$((skipped + 1))
			echo "SKIP $suite: ${line#ok * - }"
			;;
		"ok "*)
			seen=$((seen + 1)) passed=$((passed + 1))
			echo "PASS $suite: ${line#ok * - }"
			;;
		"#"*) [ "$bad" -gt 0 ] && echo "     $line" ;;
		1..*) planned=${line#1..} ;;
		esac
	done <"$log"
	if [ "$planned" -ne "$seen" ] || { [ "$status" -ne 0 ] && [ "$bad" -eq 0 ]; }; then
		failed=$((failed + 1))
		echo "FAIL $suite: ran $seen of $planned planned tests, exit status $status (log: $log)"
		tail -5 "$log" | sed 's/^/     /'
	fi
}

# run_suite NAME COMMAND...: runs a TAP producer and reports it.
run_suite() {
	local name=$1 log
	shift
	log=$logs/$(echo "$name" | tr '/ ' '__').log
	"$@" >"$log" 2>"$log.stderr" </dev/null
	report_tap "$name" $? "$log"
}

# check NAME COMMAND...: one test from a command's exit status.
check() {
	local name=$1 log
	shift
	log=$logs/$name.log
	if "$@" >"$log" 2>&1 </dev/null; then
		passed=$((passed + 1))
		echo "PASS $name"
	else
		failed=$((failed + 1))
		echo "FAIL $name (log: $log)"
		tail -15 "$log" | sed 's/^/     /'
	fi
}

mkdir -p "$build"
rm -rf "$logs"
mkdir -p "$logs"
# What is untracked in the source tree now: the tests must add nothing.
untracked() { git -C "$top" status --porcelain --untracked-files=all 2>/dev/null | grep '^??'; }
untracked >"$logs/untracked-before"
# The same for the tests' temporary directories.
test_tmps() { ls -d /tmp/petrel-test.* /tmp/petrel-vm.* 2>/dev/null; }
test_tmps >"$logs/tmp-before"

if ! contrib/build.sh "$build" --enable-werror >"$logs/build.log" 2>&1 ||
	! make -C "$build" -j"$(nproc)" check TESTS= >>"$logs/build.log" 2>&1; then
	echo "FAIL build: gcc build with -Werror (log: $logs/build.log)"
	tail -30 "$logs/build.log"
	echo "0 passed, 1 failed"
	exit 1
fi
echo "PASS build: gcc -Wall -Wextra -Werror"
passed=$((passed + 1))
export PETREL=$build/petrel top_srcdir=$top top_builddir=$build

if wants format; then
	check format:clang-format bash -c 'git ls-files "*.c" "*.h" | xargs clang-format --dry-run -Werror'
fi

if wants docs; then
	run_suite docs/check-man bash tests/docs/check-man.sh
fi

if wants unit; then
	for t in "$build"/tests/unit/test-*; do
		[ -x "$t" ] && run_suite "unit/$(basename "$t")" "$t"
	done
fi

if wants integration; then
	for t in tests/integration/*.sh; do
		[ -f "$t" ] && run_suite "integration/$(basename "$t" .sh)" bash "$t"
	done
fi

# guest_suites NAME RUNNER [RUNNER-OPTIONS...] -- SCRIPT...: the TAP test
# scripts in one boot of a QEMU guest (RUNNER: tests/vm/run-in-guest.sh or
# a wrapper of it), each reported as vm/NAME/SCRIPT. The guest runs the
# build above through its read-only view of the host's tree and writes each
# script's TAP to $logs/vm-NAME, shared read-write.
guest_suites() {
	local name=$1 runner=$2 dir=$logs/vm-$1 opts=() t status start
	shift 2
	while [ "$1" != -- ]; do opts+=("$1") && shift; done
	shift
	mkdir -p "$dir"
	start=$SECONDS
	PETREL_VM_VERBOSE=1 "$runner" --rw "$dir" --env PETREL --env top_srcdir --env top_builddir \
		"${opts[@]}" -- bash tests/vm/guest-suites.sh "$dir" "$@" >"$logs/vm-$name.log" 2>&1
	status=$?
	echo "     vm/$name: one boot, $((SECONDS - start)) s"
	for t in "$@"; do
		t=$(basename "$t" .sh)
		if [ -f "$dir/$t.log" ]; then
			report_tap "vm/$name/$t" "$(cat "$dir/$t.status" 2>/dev/null || echo 1)" "$dir/$t.log"
		else
			failed=$((failed + 1))
			echo "FAIL vm/$name/$t: the guest did not run it (log: $logs/vm-$name.log)"
		fi
	done
	if [ $status -ne 0 ] && [ $status -ne 1 ]; then
		failed=$((failed + 1))
		echo "FAIL vm/$name: the guest did not run the tests to their end (status $status, log: $logs/vm-$name.log)"
		tail -15 "$logs/vm-$name.log" | sed 's/^/     /'
	fi
}

# systemd_guest NAME: tests/integration/systemd.sh (the systemd cgroup
# driver, and restore into its units) with $PETREL, under the host's
# systemd as a guest's PID 1, with CRIU's modules; the rootfs is made here
# (making one in the guest takes a minute).
systemd_guest() {
	local rootfs=$build/vm-rootfs
	if ! [ -d "$rootfs/bin" ] &&
		! contrib/make-busybox-rootfs.sh "$rootfs" >"$logs/vm-rootfs.log" 2>&1; then
		failed=$((failed + 1))
		echo "FAIL vm/$1: making its rootfs (log: $logs/vm-rootfs.log)"
		return
	fi
	PETREL_TEST_ROOTFS=$rootfs guest_suites "$1" tests/vm/systemd-guest.sh --criu \
		--env PETREL_TEST_ROOTFS --env ASAN_OPTIONS --env UBSAN_OPTIONS --timeout 900 -- \
		tests/integration/systemd.sh
}

if wants vm; then
	tests/vm/run-in-guest.sh --prepare >"$logs/vm-prepare.log" 2>&1
	case $? in
	0)
		# Pure cgroup v2 (the guest boots with cgroup_no_v1=all): the
		# cgroup tests of the host, and those only v2 has (io.max on the
		# virtio disk).
		guest_suites v2 tests/vm/run-in-guest.sh --disk 64 --timeout 1500 -- \
			tests/integration/cgroups.sh tests/integration/events.sh \
			tests/integration/cgroups-v2.sh
		# checkpoint/restore: CRIU works on the guest's kernel.
		guest_suites criu tests/vm/criu-guest.sh --timeout 900 -- \
			tests/integration/checkpoint.sh
		systemd_guest systemd
		;;
	77)
		skipped=$((skipped + 1))
		echo "SKIP vm: $(tail -1 "$logs/vm-prepare.log")"
		;;
	*)
		failed=$((failed + 1))
		echo "FAIL vm: preparing the guest (log: $logs/vm-prepare.log)"
		tail -15 "$logs/vm-prepare.log" | sed 's/^/     /'
		;;
	esac
fi

if wants oci-validation; then
	OCI_CHECK=$build/tests/oci-validation/oci-check \
		run_suite oci-validation bash tests/oci-validation/run.sh
fi

if wants asan; then
	# The same tests on a build with AddressSanitizer (leaks included) and
	# UndefinedBehaviorSanitizer; any report fails the test that hit it.
	asan=$top/build-asan
	if contrib/build.sh "$asan" --enable-werror --disable-static-binary \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
		>"$logs/asan-build.log" 2>&1 &&
		make -C "$asan" -j"$(nproc)" check TESTS= >>"$logs/asan-build.log" 2>&1; then
		echo "PASS asan: build"
		passed=$((passed + 1))
		export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1
		for t in "$asan"/tests/unit/test-*; do
			[ -x "$t" ] && run_suite "asan/unit/$(basename "$t")" "$t"
		done
		# The runtime itself under the sanitizers, through real containers.
		# The helpers that run inside containers must be static: they come
		# from the main build.
		for t in cli lifecycle hooks terminal seccomp mounts cgroups events exec; do
			PETREL=$asan/petrel top_builddir=$asan \
				SYSCALL_HELPER=$build/tests/helpers/syscall \
				run_suite "asan/integration/$t" bash "tests/integration/$t.sh"
		done
		# The systemd driver and CRIU's restore into its units (the
		# helpers petrel-systemd and petrel-criu too) in a guest.
		if tests/vm/run-in-guest.sh --prepare >"$logs/asan-vm-prepare.log" 2>&1; then
			PETREL=$asan/petrel top_builddir=$asan systemd_guest asan-systemd
		else
			skipped=$((skipped + 1))
			echo "SKIP asan/vm: $(tail -1 "$logs/asan-vm-prepare.log")"
		fi
		unset ASAN_OPTIONS UBSAN_OPTIONS
	else
		failed=$((failed + 1))
		echo "FAIL asan: build (log: $logs/asan-build.log)"
	fi
fi

if wants clang; then
	check clang:build-without-warnings bash -c "contrib/build.sh '$top/build-clang' --enable-werror CC=clang &&
		make -C '$top/build-clang' -j$(nproc) check TESTS="
fi

if wants fuzz; then
	FUZZ_SECONDS=${FUZZ_SECONDS:-60} run_suite fuzz/config bash tests/fuzz/run.sh "$top/build-fuzz"
fi

untracked >"$logs/untracked-after"
check tree:tests-leave-no-files-in-the-source-tree \
	diff "$logs/untracked-before" "$logs/untracked-after"
test_tmps >"$logs/tmp-after"
check tree:tests-leave-no-temporary-directories diff "$logs/tmp-before" "$logs/tmp-after"

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
