#!/bin/bash
# CVE-2019-5736: a container must not be able to overwrite the petrel binary
# through /proc/<pid>/exe of the petrel process that enters it. The init
# runs from a sealed memfd copy (or from a binary nobody can write), so the
# container's own view of its init's exe is not writable.
. "$(dirname "$0")/../lib/integration.sh" exe_protect_tests
trap 'chattr -i "$TEST_TMP/petrel" 2>/dev/null; cleanup_all' EXIT

# A copy of petrel the test may check and change the attributes of.
bin=$TEST_TMP/petrel
cp "$PETREL" "$bin"
before=$(sha256sum "$bin" | cut -d' ' -f1)

# A startContainer hook runs inside the container while its init (pid 1
# there) is still petrel: it looks at /proc/1/exe and tries to write it.
b=$TEST_TMP/b
make_bundle "$b"
set_args "$b" true
mkdir -p "$TEST_TMP/out"
chmod 777 "$TEST_TMP/out"
edit_config "$b" 'c["hooks"] = {"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c",
    "readlink /proc/1/exe > /out/exe; if echo evil >> /proc/1/exe; then echo written; else echo refused; fi > /out/write"]}]}
c["mounts"].append({"destination": "/out", "type": "bind", "source": "'"$TEST_TMP"'/out", "options": ["rbind"]})'

"$bin" --root "$TEST_ROOT" run --bundle "$b" exe1 >"$TEST_TMP/run.out" 2>&1
rc=$?
is "container_with_exe_probe_runs" "$rc" 0
like "init_exe_is_a_sealed_memfd_copy" "$(cat "$TEST_TMP/out/exe" 2>/dev/null)" '^/memfd:petrel'
is "container_cannot_write_the_init_exe" "$(cat "$TEST_TMP/out/write" 2>/dev/null)" refused
is "petrel_binary_is_unchanged_after_the_attempt" "$(sha256sum "$bin" | cut -d' ' -f1)" "$before"

# An immutable binary is safe as it is: no copy, and still not writable.
if chattr +i "$bin" 2>/dev/null; then
	rm -f "$TEST_TMP/out/exe" "$TEST_TMP/out/write"
	"$bin" --root "$TEST_ROOT" run --bundle "$b" exe2 >"$TEST_TMP/run.out" 2>&1
	is "immutable_binary_runs_without_a_copy" "$(cat "$TEST_TMP/out/exe" 2>/dev/null)" "$bin"
	is "container_cannot_write_an_immutable_init_exe" \
		"$(cat "$TEST_TMP/out/write" 2>/dev/null)" refused
	chattr -i "$bin"
	is "immutable_petrel_binary_is_unchanged" "$(sha256sum "$bin" | cut -d' ' -f1)" "$before"
else
	skip immutable_binary_runs_without_a_copy "this filesystem has no immutable attribute"
fi

is "exe_protect_leaves_nothing_behind" "$(leftovers)" ""
tap_done
