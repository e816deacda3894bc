#!/bin/bash
# Runs in the guest of tests/vm/run-in-guest.sh: each TAP test script given,
# one after the other, as tests/run.sh runs them on the host. For a script
# NAME.sh, OUTDIR (a --rw share) gets NAME.log (its TAP), NAME.log.stderr,
# NAME.status (its exit status) and NAME.time (its wall time in seconds).
#   tests/vm/guest-suites.sh OUTDIR SCRIPT...
out=${1:?usage: $0 OUTDIR SCRIPT...}
shift
status=0
for t in "$@"; do
	name=$(basename "$t" .sh)
	start=$EPOCHREALTIME
	bash "$t" >"$out/$name.log" 2>"$out/$name.log.stderr" </dev/null
	rc=$?
	echo "$rc" >"$out/$name.status"
	awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", b - a }' >"$out/$name.time"
	[ "$rc" -eq 0 ] || status=1
done
exit "$status"
