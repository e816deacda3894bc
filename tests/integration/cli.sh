#!/bin/bash
# petrel's command line as a user meets it: --version and --help, every
# command's help and flags, `spec` and `features`, and how bad input (a broken
# config.json, unknown flags, bad signals and container ids) is reported.
# Prints TAP; needs no privileges. PETREL names the binary (default:
# $top_builddir/petrel).

PETREL=${PETREL:-${top_builddir:-.}/petrel}
[[ $PETREL == /* ]] || PETREL=$PWD/$PETREL

. "$(dirname "$0")/../lib/tap.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/petrel-cli.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# run CMD...: runs a command, keeping its exit status in $rc and its output in
# $out and $err.
run() {
	"$@" >"$tmp/stdout" 2>"$tmp/stderr"
	rc=$?
	out=$(cat "$tmp/stdout")
	err=$(cat "$tmp/stderr")
}

# petrel ARGS...: runs petrel with a private state directory.
petrel() {
	run "$PETREL" --root "$tmp/state" "$@"
}

# check NAME COMMAND...: one test, passing when COMMAND succeeds; on failure
# the last run's status and output are shown (this replaces tap.sh's check).
check() {
	local name=$1
	shift
	if "$@"; then
		ok "$name"
	else
		fail "$name" "check: $*" "exit status: $rc" "stdout: $out" "stderr: $err"
	fi
}

contains() {
	[[ $1 == *"$2"* ]]
}

# failed_with STATUS NEEDLE: the last run exited with STATUS (or any non-zero
# status for "nonzero") and its stderr contains NEEDLE.
failed_with() {
	if [ "$1" = nonzero ]; then
		[ "$rc" -ne 0 ] || return 1
	else
		[ "$rc" -eq "$1" ] || return 1
	fi
	contains "$err" "$2"
}

# json_true FILE JQ_FILTER PYTHON_EXPR: evaluates a condition on a JSON file
# with jq if installed, else python3 (the document is `d`). Status 0: true,
# 1: false, 2: neither tool is installed, 3: the file is not JSON or the
# expression failed.
json_true() {
	local status
	if command -v jq >/dev/null; then
		jq -e "$2" "$1" >/dev/null 2>&1
		status=$?
	elif command -v python3 >/dev/null; then
		python3 -c '
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    result = eval(sys.argv[2])
except Exception:
    sys.exit(3)
sys.exit(0 if result else 1)' "$1" "$3" 2>/dev/null
		status=$?
	else
		return 2
	fi
	[ "$status" -le 1 ] && return "$status"
	return 3
}

# new_bundle NAME JSON: a bundle directory whose config.json holds JSON.
new_bundle() {
	mkdir -p "$tmp/$1/rootfs"
	printf '%s\n' "$2" >"$tmp/$1/config.json"
	echo "$tmp/$1"
}

if [ ! -x "$PETREL" ]; then
	echo "not ok 1 - petrel_binary_exists"
	echo "#   $PETREL is not an executable file"
	echo "1..1"
	exit 1
fi

# ---------------------------------------------------------------- --version
run "$PETREL" --version
check version_exits_zero [ "$rc" -eq 0 ]
check version_names_petrel_version grep -q '^petrel version [0-9]' "$tmp/stdout"
check version_names_commit grep -q '^commit: .' "$tmp/stdout"
check version_names_spec_version grep -qE '^spec: 1\.[0-9]+\.[0-9]+' "$tmp/stdout"
check version_lists_seccomp_feature contains "$out" "+SECCOMP"
run "$PETREL" -v
check short_v_prints_version contains "$out" "petrel version "

# ------------------------------------------------------------------- --help
commands="checkpoint create delete events exec features kill list pause ps restore resume run
	spec start state update"
run "$PETREL" --help
check help_exits_zero [ "$rc" -eq 0 ]
missing=""
for cmd in $commands; do
	grep -qE "^ +$cmd +[a-z]" "$tmp/stdout" || missing="$missing $cmd"
done
check help_lists_all_17_commands eval '[ -z "$missing" ] || { out="missing:$missing"; false; }'
check help_lists_global_flags eval 'contains "$out" "--root" && contains "$out" "--log-format"'
run "$PETREL"
check no_command_prints_usage_and_fails eval '[ "$rc" -ne 0 ] && contains "$err" "COMMANDS:"'

# Each command's flags, as runc has them.
declare -A flags=(
	[checkpoint]="--image-path --work-path --parent-path --leave-running --tcp-established
		--ext-unix-sk --shell-job --lazy-pages --status-fd --page-server --file-locks
		--pre-dump --manage-cgroups-mode --empty-ns --auto-dedup"
	[create]="--bundle,_-b --console-socket --pid-file --no-pivot --no-new-keyring
		--preserve-fds --no-subreaper --pidfd-socket"
	[delete]="--force,_-f"
	[events]="--interval --stats"
	[exec]="--console-socket --pid-file --process,_-p --cwd --env,_-e --tty,_-t --user,_-u
		--additional-gids,_-g --cap,_-c --no-new-privs --apparmor --process-label
		--detach,_-d --preserve-fds --cgroup --ignore-paused --pidfd-socket"
	[features]=""
	[kill]="--all,_-a"
	[list]="--format,_-f --quiet,_-q"
	[pause]=""
	[ps]="--format,_-f"
	[restore]="--console-socket --image-path --work-path --tcp-established --ext-unix-sk
		--shell-job --file-locks --manage-cgroups-mode --bundle,_-b --detach,_-d --pid-file
		--no-subreaper --no-pivot --empty-ns --auto-dedup --lazy-pages --lsm-profile
		--lsm-mount-context"
	[resume]=""
	[run]="--bundle,_-b --console-socket --detach,_-d --keep --pid-file --no-subreaper
		--no-pivot --no-new-keyring --preserve-fds --pidfd-socket"
	[spec]="--bundle,_-b --rootless"
	[start]=""
	[state]=""
	[update]="--resources,_-r --blkio-weight --cpu-period --cpu-quota --cpu-burst --cpu-share
		--cpu-rt-period --cpu-rt-runtime --cpuset-cpus --cpuset-mems --memory
		--memory-reservation --memory-swap --pids-limit --l3-cache-schema --mem-bw-schema"
)
for cmd in $commands; do
	petrel "$cmd" --help
	missing=""
	for flag in ${flags[$cmd]} --help,_-h; do
		# "--name, -n" is written with "_" for the space in the table.
		grep -qE "^ +${flag/_/ }( |$)" "$tmp/stdout" || missing="$missing ${flag/_/ }"
	done
	check "${cmd}_help_shows_usage_and_all_its_flags" eval \
		'[ "$rc" -eq 0 ] && contains "$out" "petrel $cmd - " &&
		 contains "$out" "DESCRIPTION:" && [ -z "$missing" ] ||
		 { err="$err${missing:+ missing flags:$missing}"; false; }'
done
petrel kill -h
check short_h_shows_command_help eval '[ "$rc" -eq 0 ] && contains "$out" "petrel kill - "'

# ------------------------------------------------ unknown commands and flags
petrel frobnicate
check unknown_command_fails_naming_it failed_with nonzero 'no such command "frobnicate"'
petrel state --frobnicate c1
check unknown_command_flag_fails_naming_it \
	failed_with nonzero "state: flag provided but not defined: -frobnicate"
run "$PETREL" --frobnicate state c1
check unknown_global_flag_fails_naming_it \
	failed_with nonzero "flag provided but not defined: -frobnicate"
petrel start
check missing_argument_fails_saying_how_many failed_with 1 '"start" requires exactly 1 argument'
petrel state c1 c2
check extra_argument_fails failed_with 1 '"state" requires exactly 1 argument'
petrel create --preserve-fds many c1
check int_flag_rejects_non_number failed_with nonzero 'invalid value "many" for flag --preserve-fds'
petrel exec c1 sh -c 'echo x' --frobnicate
check exec_leaves_flags_after_container_id_to_the_command \
	eval '! contains "$err" "flag provided but not defined"'
petrel ps c1 -ef
check ps_passes_arguments_after_container_id_to_ps \
	eval '! contains "$err" "flag provided but not defined"'
petrel exec c1
check exec_without_command_or_process_fails failed_with 255 "no command to run"

# --------------------------------------------------------------------- spec
mkdir -p "$tmp/spec"
petrel spec --bundle "$tmp/spec"
check spec_writes_config_json eval '[ "$rc" -eq 0 ] && [ -s "$tmp/spec/config.json" ]'
json_true "$tmp/spec/config.json" '.ociVersion and .process.args and .root.path' \
	'd["ociVersion"] and d["process"]["args"] and d["root"]["path"]'
case $? in
0) ok spec_config_json_is_a_valid_spec ;;
2) skip spec_config_json_is_a_valid_spec "neither jq nor python3 is installed" ;;
*) fail spec_config_json_is_a_valid_spec "$(cat "$tmp/spec/config.json")" ;;
esac
echo '{"edited": true}' >"$tmp/spec/config.json"
cp "$tmp/spec/config.json" "$tmp/spec-before.json"
petrel spec -b "$tmp/spec"
check spec_refuses_to_overwrite_config eval '[ "$rc" -ne 0 ] && contains "$err" "config.json"'
check spec_leaves_existing_config_unchanged cmp -s "$tmp/spec/config.json" "$tmp/spec-before.json"

mkdir -p "$tmp/spec-default" "$tmp/spec-rootless"
petrel spec -b "$tmp/spec-default"
petrel spec --rootless -b "$tmp/spec-rootless"
check spec_rootless_succeeds [ "$rc" -eq 0 ]
check spec_rootless_differs_from_default \
	eval '! cmp -s "$tmp/spec-default/config.json" "$tmp/spec-rootless/config.json"'
user_ns_jq='any(.linux.namespaces[]; .type == "user")'
user_ns_py='any(ns["type"] == "user" for ns in d["linux"]["namespaces"])'
json_true "$tmp/spec-rootless/config.json" "$user_ns_jq" "$user_ns_py"
case $? in
0) ok spec_rootless_has_user_namespace ;;
2) skip spec_rootless_has_user_namespace "neither jq nor python3 is installed" ;;
*) fail spec_rootless_has_user_namespace "no user namespace in .linux.namespaces" ;;
esac
json_true "$tmp/spec-default/config.json" "$user_ns_jq" "$user_ns_py"
case $? in
1) ok spec_default_has_no_user_namespace ;;
2) skip spec_default_has_no_user_namespace "neither jq nor python3 is installed" ;;
*) fail spec_default_has_no_user_namespace "the default spec has a user namespace" ;;
esac
(cd "$tmp/spec-default" && rm config.json && "$PETREL" spec) >/dev/null 2>&1
check spec_without_bundle_writes_current_directory [ -s "$tmp/spec-default/config.json" ]

# ----------------------------------------------------------------- features
petrel features
printf '%s\n' "$out" >"$tmp/features.json"
check features_exits_zero [ "$rc" -eq 0 ]
json_true "$tmp/features.json" '(.ociVersionMin | type == "string") and (.ociVersionMax | type == "string")' \
	'isinstance(d["ociVersionMin"], str) and isinstance(d["ociVersionMax"], str)'
case $? in
0) ok features_prints_json_with_oci_version_range ;;
2) skip features_prints_json_with_oci_version_range "neither jq nor python3 is installed" ;;
*) fail features_prints_json_with_oci_version_range "$out" ;;
esac

# ------------------------------------------------- config.json errors (create)
spec_with() { # a minimal valid spec with $1 inserted at the top level
	printf '{"ociVersion": "1.0.2", "root": {"path": "rootfs"},
	  "process": {"cwd": "/", "args": ["sh"]}%s}' "$1"
}
b=$(new_bundle bad-type "$(spec_with ', "linux": {"resources": {"memory": {"limit": "x"}}}')")
petrel create --bundle "$b" c1
check create_reports_json_path_of_wrong_type failed_with 1 \
	"config.json: .linux.resources.memory.limit: expected integer, got string"
check create_error_names_the_command contains "$err" "create: "

b=$(new_bundle bad-json '{"ociVersion": "1.0.2", "root": }')
petrel create -b "$b" c1
check create_reports_malformed_json_with_offset failed_with 1 "invalid JSON at byte"

b=$(new_bundle bad-version '{"ociVersion": "2.0.0", "root": {"path": "rootfs"},
  "process": {"cwd": "/", "args": ["sh"]}}')
petrel create -b "$b" c1
check create_rejects_oci_version_2 failed_with 1 '"2.0.0"'

mkdir -p "$tmp/empty-bundle"
petrel create -b "$tmp/empty-bundle" c1
check create_reports_missing_config_json eval \
	'failed_with 1 "config.json" && contains "$err" "No such file or directory"'
petrel run -b "$tmp/empty-bundle" c1
check run_reports_missing_config_json failed_with 1 "run: "

# -------------------------------------------------------------- --log FILE
echo '{"level":"info","msg":"an earlier line","time":"2020-01-01T00:00:00Z"}' >"$tmp/log.json"
petrel --log "$tmp/log.json" --log-format json create -b "$tmp/empty-bundle" c1
check log_json_failing_command_exits_1 [ "$rc" -eq 1 ]
check log_json_appends_one_line eval '[ "$(wc -l <"$tmp/log.json")" -eq 2 ] &&
	[ "$(head -n1 "$tmp/log.json")" = "{\"level\":\"info\",\"msg\":\"an earlier line\",\"time\":\"2020-01-01T00:00:00Z\"}" ]'
if command -v python3 >/dev/null; then
	tail -n1 "$tmp/log.json" >"$tmp/log-line"
	run python3 -c '
import datetime, json, re, sys
entry = json.load(open(sys.argv[1]))
assert entry["level"] == "error", entry
assert "create: " in entry["msg"] and "config.json" in entry["msg"], entry
m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)", entry["time"])
assert m, entry["time"]
frac = (m.group(2) or ".0")[:7]
zone = "+00:00" if m.group(3) == "Z" else m.group(3)
datetime.datetime.fromisoformat(m.group(1) + frac + zone)
' "$tmp/log-line"
	check log_json_line_has_error_level_msg_and_rfc3339_time [ "$rc" -eq 0 ]
else
	skip log_json_line_has_error_level_msg_and_rfc3339_time "python3 is not installed"
fi
petrel --log "$tmp/log.txt" create -b "$tmp/empty-bundle" c1
check log_text_writes_logfmt_line eval \
	'grep -q "level=error msg=\"create: .*config.json" "$tmp/log.txt" 2>/dev/null'
petrel --log-format bogus state c1
check log_format_bogus_fails failed_with nonzero '"bogus"'

# ------------------------------------------------ argument and flag checks
petrel kill c1 NOTASIGNAL
check kill_rejects_unknown_signal_name failed_with 1 'unknown signal "NOTASIGNAL"'
petrel kill c1 999
check kill_rejects_out_of_range_signal_number failed_with 1 "out of range"
petrel kill c1 sigkill
check kill_accepts_lowercase_signal_name eval '! contains "$err" "signal"'
b=$(new_bundle good "$(spec_with '')")
petrel create -b "$b" ../x
check create_rejects_invalid_container_id failed_with 1 'invalid container id "../x"'
for cmd in start state delete pause resume kill; do
	petrel "$cmd" ../x
	check "${cmd}_rejects_invalid_container_id" failed_with 1 'invalid container id'
done
petrel state ""
check state_rejects_empty_container_id failed_with 1 "container id cannot be empty"
petrel ps --format xml c1
check ps_rejects_unknown_format failed_with 1 'invalid value "xml" for flag --format'
petrel list -f yaml
check list_rejects_unknown_format failed_with 1 'invalid value "yaml" for flag --format'
petrel checkpoint --manage-cgroups-mode bogus c1
check checkpoint_rejects_unknown_cgroups_mode failed_with 1 '--manage-cgroups-mode'
petrel restore --manage-cgroups-mode bogus c1
check restore_rejects_unknown_cgroups_mode failed_with 1 '--manage-cgroups-mode'
petrel events --interval 0s c1
check events_rejects_zero_interval failed_with 1 "--interval"
petrel events --interval 5 c1
check events_rejects_interval_without_unit failed_with 1 'invalid value "5" for flag --interval'
petrel update --memory lots c1
check update_rejects_bad_memory_size failed_with 1 'invalid value "lots" for flag --memory'
petrel update --cpu-period -5 c1
check update_rejects_negative_cpu_period failed_with 1 'invalid value "-5" for flag --cpu-period'
petrel exec --user root c1 sh
check exec_rejects_non_numeric_user failed_with 255 'invalid value "root" for flag --user'
petrel exec --user 1:staff c1 sh
check exec_rejects_non_numeric_group_of_user failed_with 255 'invalid value "1:staff" for flag --user'
petrel exec -g abc c1 sh
check exec_rejects_non_integer_additional_gid_as_a_flag_error failed_with 1 \
	'invalid value "abc" for flag --additional-gids: not an integer'
petrel exec -g -1 c1 sh
check exec_rejects_negative_additional_gid failed_with 255 'invalid value "-1" for flag --additional-gids'

tap_done
