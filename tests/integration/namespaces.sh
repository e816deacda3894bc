#!/bin/bash
# linux.namespaces as petrel sets them up, seen from the host and from
# inside: each kind new (its /proc/self/ns inode differs from the host's) or
# joined by path (the inode is the one at the path), kinds not listed are
# inherited, user namespace mappings, cgroup namespace roots, time offsets,
# and the errors: a joined mount namespace, duplicate types, bad paths, an
# unknown type, hostname or domainname without a uts namespace. The joined
# namespaces come from a holder process made with unshare(1) and, for the
# user namespace, from another petrel container. Needs root; prints TAP.
# PETREL names the binary (default: $top_builddir/petrel).

. "$(dirname "$0")/../lib/integration.sh" namespaces_integration

# The holder: the unshare process and its child, the member of the namespaces.
holder_unshare=
holder=

# alive PID: the process exists and is not a zombie.
alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat%% *} != [ZX] ]]
}

stop_holder() {
	local pid
	for pid in $holder $holder_unshare; do
		kill -KILL "$pid" 2>/dev/null
		for _ in $(seq 1 200); do
			alive "$pid" || break
			sleep 0.05
		done
	done
	holder_unshare=
}
trap 'stop_holder; cleanup_all' EXIT

# The root of a user namespace (host uid 100000) walks to the rootfs.
umask 022
chmod 0711 "$TEST_TMP"

# What a container reports about itself, one "key value" a line.
PROBE='for f in pid net ipc uts mnt user cgroup time; do
	echo "ns $f $(readlink /proc/self/ns/$f)"
done
echo "uptime $(cut -d " " -f 1 /proc/uptime)"
echo "hostname $(hostname)"
awk "{print \"uid_map\", \$1, \$2, \$3}" /proc/self/uid_map
awk "{print \"gid_map\", \$1, \$2, \$3}" /proc/self/gid_map
sed "s/^/cgroup /" /proc/self/cgroup'

# ctr NAME PYTHON [ARG...]: a bundle $TEST_TMP/NAME with config edit PYTHON
# (c is the config) and process.args ARG... (default: the probe).
ctr() {
	local dir=$TEST_TMP/$1 code=$2
	shift 2
	make_bundle "$dir"
	if [ $# -gt 0 ]; then
		set_args "$dir" "$@"
	else
		set_args "$dir" sh -c "$PROBE"
	fi
	edit_config "$dir" "$code"
}

# run_ctr NAME: petrel run of bundle NAME, its stdio into files; status in
# $rc, output in $out and $err.
run_ctr() {
	pt run --bundle "$TEST_TMP/$1" "$1" >"$TEST_TMP/$1.out" 2>"$TEST_TMP/$1.err" </dev/null
	rc=$?
	out=$(cat "$TEST_TMP/$1.out")
	err=$(cat "$TEST_TMP/$1.err")
}

# got KEY [TEXT]: the values of KEY in a probe's output (default: $out).
got() {
	printf '%s\n' "${2-$out}" | sed -n "s/^$1 //p"
}

# inside NAME TYPE_FILE: the namespace link the probe of NAME reported.
inside() {
	got "ns $2" "$(cat "$TEST_TMP/$1.out")"
}

host_ns() {
	readlink "/proc/$$/ns/$1"
}

# create_fails NAME PATTERN...: create must fail, its error must match every
# (grep -E) pattern, and it must leave no container behind.
create_fails() {
	local name=$1 pattern missing=()
	shift
	pt create --bundle "$TEST_TMP/$name" "$name" \
		>"$TEST_TMP/$name.out" 2>"$TEST_TMP/$name.err" </dev/null
	rc=$?
	err=$(cat "$TEST_TMP/$name.err")
	[ "$rc" -ne 0 ] || pt delete --force "$name" >/dev/null 2>&1
	for pattern in "$@"; do
		printf '%s\n' "$err" | grep -Eq -- "$pattern" || missing+=("$pattern")
	done
	if [ "$rc" -ne 0 ] && [ ${#missing[@]} -eq 0 ] && [ -z "$(leftovers)" ]; then
		ok "$name"
		printf '%s\n' "$err" | sed 's/^/#   /'
	else
		fail "$name" "exit status $rc, stderr: $err" "patterns not matched: ${missing[*]}" \
			"left behind: $(leftovers)"
		rm -rf "${TEST_ROOT:?}"/*
	fi
}

# ns_differs NAME TYPE_FILE: a result on whether container NAME had a
# namespace of its own.
ns_differs() {
	local in host
	in=$(inside "$1" "$2")
	host=$(host_ns "$2")
	if [ "$rc_of_probe" -eq 0 ] && [[ $in == "$2:["* ]] && [ "$in" != "$host" ]; then
		ok "new_$3_namespace_differs_from_the_host"
	else
		fail "new_$3_namespace_differs_from_the_host" "petrel exit status $rc_of_probe" \
			"inside: $in" "host:   $host" "stderr: $(cat "$TEST_TMP/$1.err")"
	fi
}

# ns_is NAME TYPE_FILE PATH TEST: a result on whether container NAME was in
# the namespace at PATH.
ns_is() {
	local in want
	in=$(inside "$1" "$2")
	want=$(readlink "$3")
	if [ "$rc_of_probe" -eq 0 ] && [ -n "$want" ] && [ "$in" = "$want" ]; then
		ok "$4"
	else
		fail "$4" "petrel exit status $rc_of_probe" "inside: $in" "at $3: $want" \
			"stderr: $(cat "$TEST_TMP/$1.err")"
	fi
}

# ------------------------------------------------------------ new namespaces

# The default config's pid, network, ipc, uts and mount namespaces, and a
# cgroup namespace.
ctr new 'c["linux"]["namespaces"].append({"type": "cgroup"})'
run_ctr new
rc_of_probe=$rc
ns_differs new pid pid
ns_differs new net network
ns_differs new ipc ipc
ns_differs new uts uts
ns_differs new mnt mount
ns_differs new cgroup cgroup

# In its own cgroup namespace the container is at the root of every
# hierarchy: "0::/" on cgroup v2 (when the host has it), "/" on each v1 line.
cgroups=$(got cgroup)
not_root=$(printf '%s\n' "$cgroups" | grep -v ':/$')
v2_line='0::/'
grep -q '^0::' /proc/$$/cgroup || v2_line=
if [ "$rc" -eq 0 ] && printf '%s\n' "$cgroups" | grep -qx "${v2_line:-.*}" && [ -z "$not_root" ]
then
	ok new_cgroup_namespace_shows_the_container_at_the_root
else
	fail new_cgroup_namespace_shows_the_container_at_the_root "/proc/self/cgroup inside:" \
		"$cgroups" "on the host:" "$(cat /proc/$$/cgroup)"
fi

# Kinds that are not listed are petrel's own: here only a mount namespace.
ctr inherited 'c["linux"]["namespaces"] = [{"type": "mount"}]
c.pop("hostname", None)'
run_ctr inherited
inherited=$(got ns)
expected=$(for f in pid net ipc uts mnt user cgroup time; do echo "$f $(host_ns $f)"; done |
	grep -v '^mnt ')
is namespaces_not_listed_are_inherited "$rc
$(printf '%s\n' "$inherited" | grep -v '^mnt ')" "0
$expected"
# Without a cgroup namespace the container sees the host's paths: its own
# cgroup, named after it under petrel's (here the test's) in each hierarchy.
is cgroup_paths_are_the_hosts_without_cgroup_namespace "$(got cgroup)" \
	"$(sed 's|:/$|:|; s|$|/inherited|' /proc/$$/cgroup)"

# A user namespace with mappings (uids and gids to different host ranges).
ctr user 'l = c["linux"]
l["namespaces"].append({"type": "user"})
l["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
l["gidMappings"] = [{"containerID": 0, "hostID": 300000, "size": 65536}]'
run_ctr user
rc_of_probe=$rc
ns_differs user user user
is new_user_namespace_has_the_configured_mappings \
	"$rc|$(got uid_map)|$(got gid_map)" "0|0 100000 65536|0 300000 65536"

# A time namespace: its offsets shift the clocks inside. /proc/uptime is the
# boot time clock, so inside it reads the host's plus the boottime offset.
ctr time 'l = c["linux"]
l["namespaces"].append({"type": "time"})
l["timeOffsets"] = {"boottime": {"secs": 1000000, "nanosecs": 0},
                    "monotonic": {"secs": 2000000, "nanosecs": 0}}'
up_before=$(cut -d ' ' -f 1 /proc/uptime)
run_ctr time
up_after=$(cut -d ' ' -f 1 /proc/uptime)
rc_of_probe=$rc
ns_differs time time time
up_inside=$(got uptime)
if [ "$rc" -eq 0 ] && [ -n "$up_inside" ] &&
	awk -v b="$up_before" -v a="$up_after" -v i="$up_inside" \
		'BEGIN { exit !(i >= b + 1000000 - 0.005 && i <= a + 1000000 + 0.015) }'; then
	ok boottime_offset_shifts_uptime_inside
else
	fail boottime_offset_shifts_uptime_inside "uptime inside: $up_inside" \
		"host before and after: $up_before $up_after" "stderr: $err"
fi

# ------------------------------------------------------ joined namespaces

# The holder: a sleeping process in namespaces of every kind but user, with
# a hostname and time offsets of its own.
unshare --kill-child --pid --net --ipc --uts --cgroup --mount --propagation private \
	--time --boottime 3000000 sh -c 'hostname petrel-holder && exec sleep 1000' \
	>/dev/null 2>&1 </dev/null &
holder_unshare=$!
disown # no job report when it is killed
for _ in $(seq 1 200); do
	holder=$(pgrep -P "$holder_unshare" sleep) && break
	sleep 0.05
done
if [ -z "$holder" ] || [ "$(readlink /proc/"$holder"/ns/net)" = "$(host_ns net)" ]; then
	fail holder_namespaces_are_made "no sleeping child of unshare ($holder_unshare) in new namespaces"
else
	ok holder_namespaces_are_made
fi

# join NAME TYPE_FILE JSON_TYPE [PYTHON]: a container joining the holder's
# namespace of one kind by path, the other kinds as in the default config.
join() {
	local path=/proc/$holder/ns/$2
	ctr "$1" 'ns = [n for n in c["linux"]["namespaces"] if n["type"] == "'"$3"'"]
if not ns:
    ns = [{"type": "'"$3"'"}]
    c["linux"]["namespaces"].append(ns[0])
ns[0]["path"] = "'"$path"'"
'"${4:-}"
	run_ctr "$1"
	rc_of_probe=$rc
	ns_is "$1" "$2" "$path" "joined_$3_namespace_is_the_one_at_its_path"
}

join join-pid pid pid
join join-net net network
join join-ipc ipc ipc
# No hostname in the config: the container sees the holder's.
join join-uts uts uts 'c.pop("hostname", None)'
is joined_uts_namespace_has_the_holders_hostname "$(got hostname)" petrel-holder
join join-cgroup cgroup cgroup
join join-time time time
up_inside=$(got uptime)
up_host=$(cut -d ' ' -f 1 /proc/uptime)
if [ "$rc" -eq 0 ] && [ -n "$up_inside" ] &&
	awk -v h="$up_host" -v i="$up_inside" \
		'BEGIN { exit !(i >= 3000000 && i <= h + 3000000 + 0.015) }'; then
	ok joined_time_namespace_has_the_holders_offsets
else
	fail joined_time_namespace_has_the_holders_offsets "uptime inside: $up_inside, host: $up_host"
fi

# A mount namespace joined by path is the container's: its rootfs is
# mounted and pivoted there.
join join-mnt mnt mount

# The user namespace of another petrel container, created and not started.
ctr user-holder 'l = c["linux"]
l["namespaces"].append({"type": "user"})
l["uidMappings"] = [{"containerID": 0, "hostID": 200000, "size": 65536}]
l["gidMappings"] = [{"containerID": 0, "hostID": 200000, "size": 65536}]' sleep 1000
pt create --bundle "$TEST_TMP/user-holder" user-holder \
	>"$TEST_TMP/user-holder.out" 2>"$TEST_TMP/user-holder.err" </dev/null
user_holder_pid=$(state_field user-holder pid)
if [ -z "$user_holder_pid" ] || [ "$user_holder_pid" = 0 ]; then
	fail joined_user_namespace_is_another_containers \
		"the holder container was not created: $(cat "$TEST_TMP/user-holder.err")"
else
	ctr join-user 'c["linux"]["namespaces"].append({"type": "user",
                                    "path": "/proc/'"$user_holder_pid"'/ns/user"})'
	run_ctr join-user
	rc_of_probe=$rc
	ns_is join-user user "/proc/$user_holder_pid/ns/user" \
		joined_user_namespace_is_another_containers
	is joined_user_namespace_has_the_other_containers_mappings \
		"$(got uid_map)|$(got gid_map)" "0 200000 65536|0 200000 65536"
fi
pt delete --force user-holder >/dev/null 2>&1

# ----------------------------------------------------------------- errors

ctr duplicate_namespace_type_is_an_error \
	'c["linux"]["namespaces"].append({"type": "network"})' true
create_fails duplicate_namespace_type_is_an_error 'network' '[Dd]uplicate|more than once|twice'

ctr duplicate_namespace_type_with_a_path_is_an_error \
	'c["linux"]["namespaces"].append({"type": "ipc", "path": "/proc/'"$holder"'/ns/ipc"})' true
create_fails duplicate_namespace_type_with_a_path_is_an_error 'ipc' \
	'[Dd]uplicate|more than once|twice'

# set_path TYPE PATH: the config edit that joins namespace TYPE at PATH.
set_path() {
	echo '[n for n in c["linux"]["namespaces"] if n["type"] == "'"$1"'"][0]["path"] = "'"$2"'"'
}

ctr missing_namespace_path_is_an_error_naming_it "$(set_path network /no/such/netns)" true
create_fails missing_namespace_path_is_an_error_naming_it '/no/such/netns' 'network' \
	'No such file or directory'

# A path to a namespace of another type, and a path that is no namespace.
ctr namespace_path_of_another_type_is_an_error_naming_it \
	"$(set_path network "/proc/$holder/ns/ipc")" true
create_fails namespace_path_of_another_type_is_an_error_naming_it "/proc/$holder/ns/ipc" \
	'network'

echo not a namespace >"$TEST_TMP/not-a-namespace"
ctr namespace_path_that_is_no_namespace_is_an_error_naming_it \
	"$(set_path uts "$TEST_TMP/not-a-namespace")" true
create_fails namespace_path_that_is_no_namespace_is_an_error_naming_it \
	"$TEST_TMP/not-a-namespace" 'uts'

ctr unknown_namespace_type_is_an_error \
	'c["linux"]["namespaces"].append({"type": "bogus"})' true
create_fails unknown_namespace_type_is_an_error '"?bogus"?' 'namespace'

ctr hostname_without_uts_namespace_is_an_error \
	'c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "uts"]
c["hostname"] = "box"' true
create_fails hostname_without_uts_namespace_is_an_error 'hostname' '[Uu][Tt][Ss]'

ctr domainname_without_uts_namespace_is_an_error \
	'c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "uts"]
c.pop("hostname", None)
c["domainname"] = "example.org"' true
create_fails domainname_without_uts_namespace_is_an_error 'domainname' '[Uu][Tt][Ss]'

ctr mappings_without_user_namespace_are_an_error \
	'c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 1}]
c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 1}]' true
create_fails mappings_without_user_namespace_are_an_error 'uidMappings|mappings' \
	'user namespace'

ctr time_offsets_without_time_namespace_are_an_error \
	'c["linux"]["timeOffsets"] = {"boottime": {"secs": 1, "nanosecs": 0}}' true
create_fails time_offsets_without_time_namespace_are_an_error 'timeOffsets' 'time namespace'

stop_holder
is namespace_tests_leave_nothing_behind \
	"$(leftovers; pt list -q 2>&1; alive "$holder" && echo "holder $holder")" ""
tap_done
