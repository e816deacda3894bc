/* Unit tests of libocispec: every fixture under fixtures/good parses and
 * round-trips to a stable serialization that keeps its known fields, every
 * fixture under fixtures/bad is refused with the message in its .err file, and
 * the helpers (string maps, dup, version checks, file reading) behave. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libocispec/ocispec-internal.h"
#include "libocispec/ocispec.h"
#include "tap.h"

/* Names the document the CHECK macros below talk about. */
static const char *subject;

#define CHECK(cond) tap_ok((cond), "%s: %s", subject, #cond)
#define CHECK_STR(got, want) tap_is_str((got), (want), "%s: %s is \"%s\"", subject, #got, (want))

static char *fixtures;

/* ------------------------------------------------------------ helpers */

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		perror("vasprintf");
		abort();
	}
	va_end(ap);
	return s;
}

/* The fixtures live next to this file; `make check` says where the sources are. */
static char *find_fixtures(void)
{
	const char *top = getenv("top_srcdir");
	if (top && *top)
		return xasprintf("%s/tests/unit/fixtures", top);
	const char *slash = strrchr(__FILE__, '/');
	if (slash == NULL)
		return xasprintf("fixtures");
	return xasprintf("%.*s/fixtures", (int)(slash - __FILE__), __FILE__);
}

/* The whole file, NUL-terminated; NULL if it cannot be read. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			char *bigger = realloc(buf, cap);
			if (bigger == NULL)
				abort();
			buf = bigger;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	bool failed = ferror(f);
	fclose(f);
	if (failed) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* JSON without the whitespace between tokens: the compact form the
 * serializer writes for a document whose fields are in model order. */
static char *minify(const char *json)
{
	char *out = malloc(strlen(json) + 1), *o = out;
	bool in_string = false;
	if (out == NULL)
		abort();
	for (const char *p = json; *p; p++) {
		if (in_string) {
			*o++ = *p;
			if (*p == '\\' && p[1])
				*o++ = *++p;
			else if (*p == '"')
				in_string = false;
		} else if (*p == '"') {
			in_string = true;
			*o++ = *p;
		} else if (strchr(" \t\r\n", *p) == NULL) {
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int is_json(const struct dirent *d)
{
	return has_suffix(d->d_name, ".json");
}

/* ------------------------------------------------------- document kinds */

/* The documents under test, chosen by a fixture's file-name prefix; anything
 * else is a config.json. The typed parsers are wrapped so one table serves all. */
struct doc_kind {
	const char *prefix;
	const char *doc_name;
	const struct ocispec_type *type;
	int (*parse_data)(const char *data, size_t len, const char *doc_name, void **out,
			  char **err);
	int (*parse_file)(const char *path, const char *doc_name, void **out, char **err);
};

#define DEFINE_PARSERS(T)                                                                          \
	static int parse_data_##T(const char *data, size_t len, const char *doc_name, void **out,  \
				  char **err)                                                      \
	{                                                                                          \
		struct oci_##T *doc = NULL;                                                        \
		int r = oci_##T##_parse_data(data, len, doc_name, &doc, err);                      \
		*out = doc;                                                                        \
		return r;                                                                          \
	}                                                                                          \
	static int parse_file_##T(const char *path, const char *doc_name, void **out, char **err)  \
	{                                                                                          \
		struct oci_##T *doc = NULL;                                                        \
		int r = oci_##T##_parse_file(path, doc_name, &doc, err);                           \
		*out = doc;                                                                        \
		return r;                                                                          \
	}
DEFINE_PARSERS(spec)
DEFINE_PARSERS(process)
DEFINE_PARSERS(state)
DEFINE_PARSERS(features)
DEFINE_PARSERS(container_process_state)
DEFINE_PARSERS(log_entry)
DEFINE_PARSERS(event)

#define KIND(prefix, doc_name, T)                                                                  \
	{                                                                                          \
		prefix, doc_name, &oci_type_##T, parse_data_##T, parse_file_##T                    \
	}
static const struct doc_kind kinds[] = {
	KIND("process", "process.json", process),
	KIND("state", "state.json", state),
	KIND("features", "features.json", features),
	KIND("container-process-state", "container-process-state.json", container_process_state),
	KIND("log-entry", "log.json", log_entry),
	KIND("event", "event", event),
	KIND("", "config.json", spec),
};

static const struct doc_kind *kind_for(const char *file)
{
	size_t i = 0;
	while (strncmp(file, kinds[i].prefix, strlen(kinds[i].prefix)) != 0)
		i++;
	return &kinds[i];
}

static const struct doc_kind *spec_kind = &kinds[sizeof(kinds) / sizeof(kinds[0]) - 1];

/* Serializes, printing the error as a diagnostic; NULL on failure. */
static char *serialize(const struct doc_kind *kind, const void *doc, bool pretty)
{
	char *out = NULL, *err = NULL;
	size_t len = 0;
	if (ocispec_generate(kind->type, doc, pretty, &out, &len, &err) < 0) {
		printf("#   generate: %s\n", err ? err : "(no message)");
		free(err);
		return NULL;
	}
	if (strlen(out) != len) {
		printf("#   generate: length %zu does not match the string\n", len);
		free(out);
		return NULL;
	}
	return out;
}

/* Parses `json` and serializes it again (compact); NULL on failure. */
static char *reserialize(const struct doc_kind *kind, const char *json)
{
	void *doc = NULL;
	char *err = NULL;
	if (kind->parse_data(json, strlen(json), kind->doc_name, &doc, &err) < 0) {
		printf("#   re-parse: %s\n", err ? err : "(no message)");
		free(err);
		return NULL;
	}
	char *out = serialize(kind, doc, false);
	ocispec_free(kind->type, doc);
	return out;
}

/* ---------------------------------------------- checks of parsed fixtures */

static void check_minimal(const void *doc)
{
	const struct oci_spec *s = doc;
	CHECK_STR(s->oci_version, "1.2.1");
	if (!CHECK(s->process && s->root))
		return;
	CHECK(s->process->args_len == 1);
	CHECK_STR(s->process->args[0], "/bin/sh");
	CHECK(!s->process->has_terminal && !s->process->terminal);
	CHECK(s->process->user == NULL);
	CHECK(s->process->env == NULL && s->process->env_len == 0);
	CHECK(!s->process->has_oom_score_adj);
	CHECK(!s->root->has_readonly);
	CHECK(s->hostname == NULL);
	CHECK(s->mounts == NULL && s->mounts_len == 0);
	CHECK(s->hooks == NULL);
	CHECK(s->annotations == NULL);
	CHECK(s->linux == NULL);
}

static void check_full_process(const struct oci_process *p)
{
	if (!CHECK(p && p->console_size && p->user && p->capabilities && p->scheduler &&
		   p->io_priority && p->exec_cpu_affinity))
		return;
	CHECK(p->has_terminal && p->terminal);
	CHECK(p->console_size->height == 40 && p->console_size->width == 132);
	CHECK(p->user->has_uid && p->user->uid == 1000);
	CHECK(p->user->has_gid && p->user->gid == 1001);
	CHECK(p->user->has_umask && p->user->umask == 022);
	CHECK(p->user->additional_gids_len == 3);
	CHECK(p->user->additional_gids_len == 3 && p->user->additional_gids[2] == UINT32_MAX);
	CHECK_STR(p->user->username, "builder");
	CHECK(p->args_len == 4);
	CHECK(p->args_len == 4 && p->args[4] == NULL && p->env[p->env_len] == NULL);
	CHECK_STR(p->args_len == 4 ? p->args[3] : NULL, "all");
	CHECK_STR(p->command_line, "make -C /src all");
	CHECK_STR(p->env_len == 3 ? p->env[2] : NULL, "EMPTY=");
	CHECK_STR(p->cwd, "/src");
	CHECK(p->capabilities->bounding_len == 5);
	CHECK(p->capabilities->inheritable != NULL && p->capabilities->inheritable_len == 0);
	CHECK(p->capabilities->inheritable != NULL && p->capabilities->inheritable[0] == NULL);
	CHECK_STR(p->capabilities->ambient_len == 1 ? p->capabilities->ambient[0] : NULL,
		  "CAP_NET_BIND_SERVICE");
	if (CHECK(p->rlimits_len == 2)) {
		CHECK_STR(p->rlimits[0].type, "RLIMIT_NOFILE");
		CHECK(p->rlimits[0].hard == 1048576 && p->rlimits[0].soft == 4096);
		CHECK(p->rlimits[1].hard == UINT64_MAX);
		CHECK(p->rlimits[1].has_soft && p->rlimits[1].soft == 0);
	}
	CHECK(p->has_no_new_privileges && p->no_new_privileges);
	CHECK_STR(p->apparmor_profile, "petrel-full");
	CHECK(p->has_oom_score_adj && p->oom_score_adj == -999);
	CHECK_STR(p->scheduler->policy, "SCHED_DEADLINE");
	CHECK(p->scheduler->has_nice && p->scheduler->nice == -7);
	CHECK(p->scheduler->has_priority && p->scheduler->priority == 0);
	CHECK(p->scheduler->flags_len == 2);
	CHECK(p->scheduler->runtime == 2000000 && p->scheduler->deadline == 8000000 &&
	      p->scheduler->period == 10000000);
	CHECK_STR(p->selinux_label, "system_u:system_r:container_t:s0:c7,c11");
	CHECK_STR(p->io_priority->class, "IOPRIO_CLASS_BE");
	CHECK(p->io_priority->has_priority && p->io_priority->priority == 6);
	CHECK_STR(p->exec_cpu_affinity->initial, "5");
	CHECK_STR(p->exec_cpu_affinity->final, "0-3,5");
}

static void check_full_mounts_and_hooks(const struct oci_spec *s)
{
	if (CHECK(s->mounts_len == 3)) {
		const struct oci_mount *m = s->mounts;
		CHECK_STR(m[0].destination, "/proc");
		CHECK(m[0].options == NULL && m[0].uid_mappings == NULL);
		CHECK(m[1].options_len == 4);
		CHECK_STR(m[1].options_len == 4 ? m[1].options[3] : NULL, "idmap");
		CHECK(m[1].uid_mappings_len == 2 && m[1].gid_mappings_len == 2);
		CHECK(m[1].uid_mappings_len == 2 && m[1].uid_mappings[0].host_id == 300000 &&
		      m[1].uid_mappings[1].host_id == 4294901760u &&
		      m[1].uid_mappings[1].size == 1);
		CHECK(m[1].gid_mappings_len == 2 && m[1].gid_mappings[0].host_id == 400000 &&
		      m[1].gid_mappings[0].container_id == 0 &&
		      m[1].gid_mappings[0].has_container_id);
		CHECK(m[2].options != NULL && m[2].options_len == 0);
	}
	const struct oci_hooks *h = s->hooks;
	if (!CHECK(h != NULL))
		return;
	CHECK(h->prestart_len == 1 && h->create_runtime_len == 2 && h->create_container_len == 1 &&
	      h->start_container_len == 1 && h->poststart_len == 1 && h->poststop_len == 1);
	CHECK(h->prestart_len == 1 && h->prestart[0].has_timeout && h->prestart[0].timeout == 5);
	CHECK_STR(h->prestart_len == 1 && h->prestart[0].env_len == 1 ? h->prestart[0].env[0]
								      : NULL,
		  "HOOK_STAGE=prestart");
	CHECK(h->create_runtime_len == 2 && h->create_runtime[1].has_timeout &&
	      h->create_runtime[1].timeout == 0 && h->create_runtime[1].args == NULL);
	CHECK(h->create_container_len == 1 && h->create_container[0].env != NULL &&
	      h->create_container[0].env_len == 0);
	CHECK_STR(h->start_container_len == 1 ? h->start_container[0].path : NULL, "/bin/true");
	CHECK(h->start_container_len == 1 && !h->start_container[0].has_timeout);
	CHECK(h->poststart_len == 1 && h->poststart[0].timeout == 30);
	CHECK_STR(h->poststop_len == 1 && h->poststop[0].args_len == 2 ? h->poststop[0].args[1]
								       : NULL,
		  "down");
	CHECK(s->annotations && s->annotations->len == 3);
	CHECK_STR(oci_string_map_get(s->annotations, "org.petrel.test.owner"), "unit \"tests\"");
	CHECK_STR(oci_string_map_get(s->annotations, "org.petrel.test.utf8"), "grüße ✓");
	CHECK_STR(oci_string_map_get(s->annotations, "org.petrel.test.empty"), "");
}

static void check_full_resources(const struct oci_resources *r)
{
	if (!CHECK(r && r->memory && r->cpu && r->pids && r->block_io && r->network && r->unified))
		return;
	if (CHECK(r->devices_len == 3)) {
		CHECK(r->devices[0].has_allow && !r->devices[0].allow);
		CHECK(r->devices[0].type == NULL && !r->devices[0].has_major);
		CHECK(r->devices[2].has_major && r->devices[2].major == -1 &&
		      r->devices[2].minor == -1);
	}
	const struct oci_memory *m = r->memory;
	CHECK(m->has_limit && m->limit == 1073741824);
	CHECK(m->reservation == 536870912);
	CHECK(m->has_swap && m->swap == -1);
	CHECK(m->has_kernel && m->kernel == -1);
	CHECK(m->has_kernel_tcp && m->kernel_tcp == 0);
	CHECK(m->has_swappiness && m->swappiness == 0);
	CHECK(m->has_disable_oom_killer && !m->disable_oom_killer);
	CHECK(m->use_hierarchy && m->check_before_update);
	const struct oci_cpu *c = r->cpu;
	CHECK(c->shares == 512 && c->quota == 150000 && c->burst == 20000 && c->period == 100000);
	CHECK(c->realtime_runtime == 950000 && c->realtime_period == 1000000);
	CHECK_STR(c->cpus, "0-3,6");
	CHECK_STR(c->mems, "0-1");
	CHECK(c->has_idle && c->idle == 1);
	CHECK(r->pids->has_limit && r->pids->limit == 4096);
	const struct oci_block_io *b = r->block_io;
	CHECK(b->has_weight && b->weight == 65535 && b->leaf_weight == 10);
	if (CHECK(b->weight_device_len == 2)) {
		CHECK(b->weight_device[0].weight == 600 && b->weight_device[0].has_leaf_weight &&
		      b->weight_device[0].leaf_weight == 0);
		CHECK(b->weight_device[1].major == 259 && !b->weight_device[1].has_weight);
	}
	CHECK(b->throttle_read_bps_device_len == 1 &&
	      b->throttle_read_bps_device[0].rate == 52428800);
	CHECK(b->throttle_write_bps_device_len == 1 &&
	      b->throttle_write_bps_device[0].rate == UINT64_MAX);
	CHECK(b->throttle_read_iops_device_len == 1 && b->throttle_read_iops_device[0].minor == 1);
	CHECK(b->throttle_write_iops_device_len == 1 && b->throttle_write_iops_device[0].has_rate &&
	      b->throttle_write_iops_device[0].rate == 0);
	if (CHECK(r->hugepage_limits_len == 2)) {
		CHECK_STR(r->hugepage_limits[1].page_size, "1GB");
		CHECK(r->hugepage_limits[1].has_limit && r->hugepage_limits[1].limit == 0);
	}
	CHECK(r->network->class_id == 1048577);
	CHECK(r->network->priorities_len == 2 && r->network->priorities[1].has_priority &&
	      r->network->priorities[1].priority == 0);
	if (CHECK(r->rdma_len == 2)) {
		CHECK_STR(r->rdma_keys[0], "mlx5_1");
		CHECK(r->rdma[0].hca_handles == 3 && r->rdma[0].hca_objects == 10000);
		CHECK_STR(r->rdma_keys[1], "mlx4_0");
		CHECK(!r->rdma[1].has_hca_handles && !r->rdma[1].has_hca_objects);
	}
	CHECK(r->unified->len == 2);
	CHECK_STR(oci_string_map_get(r->unified, "memory.high"), "max");
}

static void check_full_seccomp(const struct oci_seccomp *sc)
{
	if (!CHECK(sc != NULL))
		return;
	CHECK_STR(sc->default_action, "SCMP_ACT_ERRNO");
	CHECK(sc->has_default_errno_ret && sc->default_errno_ret == 38);
	CHECK(sc->architectures_len == 3 && sc->flags_len == 2);
	CHECK_STR(sc->listener_path, "/run/petrel-test/seccomp.sock");
	CHECK_STR(sc->listener_metadata, "full fixture");
	if (!CHECK(sc->syscalls_len == 4))
		return;
	const struct oci_syscall *sys = sc->syscalls;
	CHECK(sys[0].names_len == 3 && sys[0].args == NULL && !sys[0].has_errno_ret);
	CHECK(sys[1].args_len == 1 && sys[1].args[0].value == UINT64_MAX &&
	      !sys[1].args[0].has_value_two);
	CHECK_STR(sys[1].args_len == 1 ? sys[1].args[0].op : NULL, "SCMP_CMP_EQ");
	CHECK(sys[2].has_errno_ret && sys[2].errno_ret == 1);
	if (CHECK(sys[2].args_len == 2)) {
		CHECK(sys[2].args[0].value == 2114060288 && sys[2].args[0].has_value_two &&
		      sys[2].args[0].value_two == 0);
		CHECK(sys[2].args[1].index == 5 && sys[2].args[1].value == 0 &&
		      sys[2].args[1].value_two == UINT64_MAX);
	}
	CHECK_STR(sys[3].action, "SCMP_ACT_NOTIFY");
}

static void check_full(const void *doc)
{
	const struct oci_spec *s = doc;
	CHECK_STR(s->oci_version, "1.2.1");
	check_full_process(s->process);
	if (CHECK(s->root != NULL)) {
		CHECK_STR(s->root->path, "/var/lib/petrel/full/rootfs");
		CHECK(s->root->has_readonly && !s->root->readonly);
	}
	CHECK_STR(s->hostname, "full-host");
	CHECK_STR(s->domainname, "petrel.test");
	check_full_mounts_and_hooks(s);

	const struct oci_linux *l = s->linux;
	if (!CHECK(l && l->sysctl && l->intel_rdt && l->memory_policy && l->personality))
		return;
	CHECK(l->uid_mappings_len == 2 && l->uid_mappings[0].host_id == 100000);
	CHECK(l->gid_mappings_len == 2 && l->gid_mappings[0].host_id == 200000);
	CHECK_STR(oci_string_map_get(l->sysctl, "net.ipv4.ip_forward"), "1");
	check_full_resources(l->resources);
	CHECK_STR(l->cgroups_path, "/petrel.slice/full");
	CHECK(l->namespaces_len == 8);
	CHECK_STR(l->namespaces_len == 8 ? l->namespaces[1].path : NULL, "/run/netns/full");
	CHECK_STR(l->namespaces_len == 8 ? l->namespaces[7].type : NULL, "time");
	if (CHECK(l->devices_len == 2)) {
		CHECK(l->devices[0].has_file_mode && l->devices[0].file_mode == 0666);
		CHECK(l->devices[0].has_uid && l->devices[0].uid == 0);
		CHECK(!l->devices[1].has_major && !l->devices[1].has_file_mode);
	}
	if (CHECK(l->net_devices_len == 2)) {
		CHECK_STR(l->net_devices_keys[0], "eth1");
		CHECK_STR(l->net_devices[0].name, "ctr_eth1");
		CHECK_STR(l->net_devices_keys[1], "dummy0");
		CHECK(l->net_devices[1].name == NULL);
	}
	check_full_seccomp(l->seccomp);
	CHECK_STR(l->rootfs_propagation, "rslave");
	CHECK(l->masked_paths_len == 3 && l->readonly_paths_len == 2);
	CHECK_STR(l->mount_label, "system_u:object_r:container_file_t:s0:c7,c11");
	CHECK_STR(l->intel_rdt->clos_id, "petrel-full");
	CHECK(l->intel_rdt->schemata_len == 2);
	CHECK_STR(l->intel_rdt->l3_cache_schema, "L3:0=7f0;1=1f");
	CHECK_STR(l->intel_rdt->mem_bw_schema, "MB:0=20;1=70");
	CHECK(l->intel_rdt->enable_monitoring && l->intel_rdt->has_enable_cmt &&
	      !l->intel_rdt->enable_cmt && l->intel_rdt->enable_mbm);
	CHECK_STR(l->memory_policy->mode, "MPOL_BIND");
	CHECK_STR(l->memory_policy->nodes, "0-1");
	CHECK(l->memory_policy->flags_len == 1);
	CHECK_STR(l->personality->domain, "LINUX32");
	CHECK(l->personality->flags != NULL && l->personality->flags_len == 0);
	if (CHECK(l->time_offsets_len == 2)) {
		CHECK_STR(l->time_offsets_keys[0], "monotonic");
		CHECK(l->time_offsets[0].secs == -86400 &&
		      l->time_offsets[0].nanosecs == 999999999);
		CHECK(l->time_offsets[1].secs == INT64_MAX && l->time_offsets[1].has_nanosecs &&
		      l->time_offsets[1].nanosecs == 0);
	}
}

static void check_runc_default(const void *doc)
{
	const struct oci_spec *s = doc;
	if (!CHECK(s->process && s->process->capabilities && s->root && s->linux &&
		   s->linux->resources))
		return;
	CHECK(s->process->has_terminal && s->process->terminal);
	CHECK(s->process->user && s->process->user->has_uid && s->process->user->uid == 0 &&
	      !s->process->user->has_umask);
	CHECK(s->process->capabilities->bounding_len == 3);
	CHECK(s->process->capabilities->inheritable == NULL &&
	      s->process->capabilities->ambient == NULL);
	CHECK(s->root->has_readonly && s->root->readonly);
	CHECK(s->mounts_len == 7);
	CHECK_STR(s->mounts_len == 7 ? s->mounts[6].destination : NULL, "/sys/fs/cgroup");
	CHECK(s->linux->namespaces_len == 6 && s->linux->namespaces[0].path == NULL);
	CHECK(s->linux->masked_paths_len == 10 && s->linux->readonly_paths_len == 5);
	CHECK(s->linux->resources->devices_len == 1 && !s->linux->resources->devices[0].allow);
	CHECK(s->linux->seccomp == NULL && s->linux->uid_mappings == NULL);
}

static void check_version_1_3_0(const void *doc)
{
	const struct oci_spec *s = doc;
	CHECK_STR(s->oci_version, "1.3.0");
	if (!CHECK(s->linux && s->linux->intel_rdt && s->linux->memory_policy))
		return;
	CHECK(s->linux->intel_rdt->enable_monitoring && s->linux->intel_rdt->clos_id == NULL);
	CHECK(s->linux->memory_policy->nodes == NULL && s->linux->memory_policy->flags == NULL);
	CHECK(s->linux->net_devices_len == 1 && s->linux->net_devices[0].name == NULL);
}

static void check_version_1_0_2_dev(const void *doc)
{
	const struct oci_spec *s = doc;
	CHECK_STR(s->oci_version, "1.0.2-dev");
	CHECK(s->root && s->root->readonly);
}

static void check_unknown_properties(const void *doc)
{
	const struct oci_spec *s = doc;
	if (!CHECK(s->process && s->process->user && s->linux && s->linux->resources &&
		   s->linux->resources->memory))
		return;
	CHECK(s->process->user->uid == 7 && s->process->user->gid == 8);
	CHECK(s->mounts_len == 1 && s->mounts[0].options == NULL);
	CHECK(s->linux->resources->memory->limit == 1048576 &&
	      !s->linux->resources->memory->has_swappiness);
	CHECK(s->linux->net_devices_len == 1);
}

static void check_nulls(const void *doc)
{
	const struct oci_spec *s = doc;
	if (!CHECK(s->process && s->process->capabilities && s->root && s->hooks && s->linux &&
		   s->linux->resources && s->linux->resources->pids))
		return;
	CHECK(!s->process->has_terminal && s->process->user == NULL && s->process->env == NULL);
	CHECK(!s->process->has_oom_score_adj);
	CHECK(s->process->capabilities->bounding == NULL &&
	      s->process->capabilities->effective_len == 1);
	CHECK(!s->root->has_readonly);
	CHECK(s->hostname == NULL && s->mounts == NULL && s->annotations == NULL);
	CHECK(s->hooks->prestart == NULL && s->hooks->poststop_len == 1);
	CHECK(s->hooks->poststop_len == 1 && s->hooks->poststop[0].args == NULL &&
	      !s->hooks->poststop[0].has_timeout);
	CHECK(s->linux->sysctl == NULL && s->linux->seccomp == NULL);
	CHECK(s->linux->resources->memory == NULL && !s->linux->resources->pids->has_limit);
	CHECK(s->linux->time_offsets_len == 1 && !s->linux->time_offsets[0].has_secs &&
	      s->linux->time_offsets[0].nanosecs == 5);
}

static void check_state(const void *doc)
{
	const struct oci_state *st = doc;
	CHECK_STR(st->id, "full-container");
	CHECK(st->has_pid && st->pid == 4242);
	CHECK_STR(st->status, "running");
	CHECK_STR(st->created, "2024-05-01T12:34:56.123456789Z");
	CHECK_STR(st->owner, "");
	CHECK_STR(oci_string_map_get(st->annotations, "org.petrel.test"), "state");
}

static void check_process(const void *doc)
{
	const struct oci_process *p = doc;
	if (!CHECK(p->user && p->capabilities && p->io_priority && p->exec_cpu_affinity))
		return;
	CHECK(p->has_terminal && !p->terminal);
	CHECK(p->user->uid == 33 && p->user->additional_gids != NULL &&
	      p->user->additional_gids_len == 0);
	CHECK_STR(p->cwd, "/var/www");
	CHECK(p->capabilities->effective != NULL && p->capabilities->effective_len == 0 &&
	      p->capabilities->inheritable == NULL);
	CHECK(p->rlimits_len == 1 && p->rlimits[0].soft == 256);
	CHECK(p->oom_score_adj == 100);
	CHECK(!p->io_priority->has_priority);
	CHECK(p->exec_cpu_affinity->final == NULL);
}

static void check_features(const void *doc)
{
	const struct oci_features *f = doc;
	CHECK_STR(f->oci_version_min, "1.0.0");
	CHECK_STR(f->oci_version_max, "1.3.0");
	CHECK(f->hooks_len == 6 && f->mount_options_len == 7);
	const struct oci_features_linux *l = f->linux;
	if (!CHECK(l && l->cgroup && l->seccomp && l->apparmor && l->selinux && l->intel_rdt &&
		   l->memory_policy && l->mount_extensions && l->mount_extensions->idmap &&
		   l->net_devices))
		return;
	CHECK(l->namespaces_len == 8);
	CHECK(l->cgroup->v2 && l->cgroup->has_rdma && !l->cgroup->rdma);
	CHECK(l->seccomp->enabled && l->seccomp->supported_flags != NULL &&
	      l->seccomp->supported_flags_len == 0);
	CHECK(l->selinux->has_enabled && !l->selinux->enabled);
	CHECK(l->intel_rdt->schemata && !l->intel_rdt->monitoring);
	CHECK(l->mount_extensions->idmap->enabled && l->net_devices->enabled);
	CHECK_STR(oci_string_map_get(f->annotations, "run.petrel.version"), "0.1.0");
	CHECK(f->potentially_unsafe_config_annotations_len == 2);
}

static void check_container_process_state(const void *doc)
{
	const struct oci_container_process_state *c = doc;
	CHECK(c->fds_len == 1 && c->pid == 4243);
	CHECK_STR(c->metadata, "full fixture");
	if (CHECK(c->state != NULL)) {
		CHECK_STR(c->state->id, "c1");
		CHECK(!c->state->has_pid);
	}
}

static void check_log_entry(const void *doc)
{
	const struct oci_log_entry *e = doc;
	CHECK_STR(e->level, "warning");
	CHECK_STR(e->msg, "cgroup \"memory\" is read-only");
	CHECK_STR(e->time, "2024-05-01T12:34:56Z");
}

static void check_event_stats(const void *doc)
{
	const struct oci_event *e = doc;
	CHECK_STR(e->type, "stats");
	CHECK_STR(e->id, "web-1");
	const struct oci_event_stats *d = e->data;
	CHECK(d->cpu->usage->percpu_len == 2 && d->cpu->usage->percpu[1] == 2000000);
	CHECK(d->cpu->throttling->throttled_time == UINT64_MAX);
	CHECK(d->cpu->psi->some->avg10 == 1.5 && d->cpu->psi->full->avg300 == 99.99);
	CHECK(d->cpu->psi->some->has_avg300 && d->cpu->psi->some->avg300 == 0);
	CHECK(d->cpuset->cpus_len == 3 && d->cpuset->sched_relax_domain_level == -1);
	CHECK(d->memory->usage->limit == 16777216 && d->memory->usage->failcnt == 3);
	CHECK(!d->memory->kernel_tcp->has_usage && d->memory->kernel_tcp->has_failcnt);
	CHECK(d->memory->raw_len == 3);
	CHECK_STR(d->memory->raw_keys[1], "cache");
	CHECK(d->memory->raw[1] == 4096 && d->memory->raw[2] == 0);
	CHECK(d->blkio->io_service_bytes_recursive_len == 2);
	CHECK_STR(d->blkio->io_service_bytes_recursive[1].op, "Write");
	CHECK(d->hugetlb_len == 2);
	CHECK_STR(d->hugetlb_keys[1], "2MB");
	CHECK(d->hugetlb[1].max == 4194304);
	CHECK_STR(d->network_interfaces[0].name, "eth0");
}

/* ------------------------------------------- coverage of the field tables */

/* Which fields of which types a document sets, found through the descriptor
 * tables, so that a field added to spec-fields.h is noticed when the fixture
 * that should exercise everything does not. */
struct field_set {
	const struct ocispec_field *fields[1024];
	size_t n;
};

static bool field_set_has(const struct field_set *set, const struct ocispec_field *f)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->fields[i] == f)
			return true;
	return false;
}

static void field_set_add(struct field_set *set, const struct ocispec_field *f)
{
	if (!field_set_has(set, f) && set->n < sizeof(set->fields) / sizeof(set->fields[0]))
		set->fields[set->n++] = f;
}

static void collect_set_fields(struct field_set *set, const struct ocispec_type *type,
			       const void *obj)
{
	for (size_t k = 0; k < type->n_fields; k++) {
		const struct ocispec_field *f = &type->fields[k];
		const char *p = (const char *)obj + f->offset;
		const char *aux = (const char *)obj + f->aux_offset;
		switch (f->kind) {
		case OCI_KIND_BOOL:
		case OCI_KIND_INT64:
		case OCI_KIND_UINT64:
		case OCI_KIND_INT32:
		case OCI_KIND_UINT32:
		case OCI_KIND_UINT16:
		case OCI_KIND_DOUBLE:
			if (*(const bool *)aux)
				field_set_add(set, f);
			break;
		case OCI_KIND_OBJECT:
			if (*(void *const *)p) {
				field_set_add(set, f);
				collect_set_fields(set, f->sub, *(void *const *)p);
			}
			break;
		case OCI_KIND_OBJECT_ARRAY:
		case OCI_KIND_OBJECT_MAP:
			if (*(void *const *)p) {
				field_set_add(set, f);
				for (size_t i = 0; i < *(const size_t *)aux; i++)
					collect_set_fields(set, f->sub,
							   *(char *const *)p + i * f->sub->size);
			}
			break;
		default:
			if (*(void *const *)p)
				field_set_add(set, f);
			break;
		}
	}
}

/* Counts (and reports) the fields reachable from `type` that `set` lacks. */
static int count_unset_fields(const struct field_set *set, const struct ocispec_type *type,
			      const struct ocispec_type **visited, size_t *n_visited)
{
	for (size_t i = 0; i < *n_visited; i++)
		if (visited[i] == type)
			return 0;
	visited[(*n_visited)++] = type;
	int missing = 0;
	for (size_t k = 0; k < type->n_fields; k++) {
		const struct ocispec_field *f = &type->fields[k];
		if (!field_set_has(set, f)) {
			printf("#   %s.%s is never set\n", type->name, f->json_name);
			missing++;
		}
		if (f->sub)
			missing += count_unset_fields(set, f->sub, visited, n_visited);
	}
	return missing;
}

static void check_sets_every_field(const char *label, const struct ocispec_type *type,
				   const void *doc)
{
	static struct field_set set;
	const struct ocispec_type *visited[128];
	size_t n_visited = 0;
	set.n = 0;
	collect_set_fields(&set, type, doc);
	int missing = count_unset_fields(&set, type, visited, &n_visited);
	tap_ok(missing == 0 && set.n > 0, "%s: sets every field of the %s model (%zu types)", label,
	       type->name, n_visited);
}

/* ------------------------------------------------------ good fixtures */

struct good_fixture {
	const char *file;
	/* The compact serialization expected; NULL means the input itself without
	 * whitespace (its fields are all known and written in model order). */
	const char *expect;
	void (*check)(const void *doc);
	/* The fixture sets every field its document type has. */
	bool complete;
};

static const struct good_fixture good_fixtures[] = {
	{"minimal.json", NULL, check_minimal},
	{"full.json", NULL, check_full, true},
	{"runc-default.json", NULL, check_runc_default},
	{"version-1.3.0.json", NULL, check_version_1_3_0},
	{"version-1.0.2-dev.json", NULL, check_version_1_0_2_dev},
	{"unknown-properties.json",
	 "{\"ociVersion\":\"1.1.0\",\"process\":{\"user\":{\"uid\":7,\"gid\":8},"
	 "\"args\":[\"sleep\",\"1\"],\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\"},"
	 "\"mounts\":[{\"destination\":\"/tmp\",\"type\":\"tmpfs\"}],"
	 "\"linux\":{\"resources\":{\"memory\":{\"limit\":1048576}},"
	 "\"netDevices\":{\"eth0\":{\"name\":\"c0\"}}}}",
	 check_unknown_properties},
	{"nulls.json",
	 "{\"ociVersion\":\"1.2.0\",\"process\":{\"args\":[\"true\"],\"cwd\":\"/\","
	 "\"capabilities\":{\"effective\":[\"CAP_KILL\"]}},\"root\":{\"path\":\"rootfs\"},"
	 "\"hooks\":{\"poststop\":[{\"path\":\"/bin/true\"}]},"
	 "\"linux\":{\"resources\":{\"pids\":{}},"
	 "\"timeOffsets\":{\"monotonic\":{\"nanosecs\":5}}}}",
	 check_nulls},
	{"state.json", NULL, check_state, true},
	{"process.json", NULL, check_process},
	{"features.json", NULL, check_features, true},
	{"container-process-state.json", NULL, check_container_process_state},
	{"log-entry.json", NULL, check_log_entry},
	{"event-stats.json", NULL, check_event_stats, true},
};
#define N_GOOD (sizeof(good_fixtures) / sizeof(good_fixtures[0]))

static void test_good_fixture(const struct good_fixture *g)
{
	char *label = xasprintf("good/%s", g->file);
	char *path = xasprintf("%s/good/%s", fixtures, g->file);
	const struct doc_kind *kind = kind_for(g->file);
	void *doc = NULL;
	char *err = NULL, *data = NULL, *compact = NULL, *again = NULL, *pretty = NULL;
	char *from_pretty = NULL, *expect = NULL;

	subject = label;
	data = read_file(path, NULL);
	if (!tap_ok(data != NULL, "%s: is readable", label))
		goto out;
	if (!tap_ok(kind->parse_file(path, kind->doc_name, &doc, &err) == 0 && doc != NULL,
		    "%s: parses as %s", label, kind->doc_name)) {
		printf("#   %s\n", err ? err : "(no message)");
		goto out;
	}
	compact = serialize(kind, doc, false);
	if (!tap_ok(compact != NULL, "%s: serializes", label))
		goto out;
	again = reserialize(kind, compact);
	tap_is_str(again, compact, "%s: serialization re-parses to the identical serialization",
		   label);
	pretty = serialize(kind, doc, true);
	from_pretty = pretty ? reserialize(kind, pretty) : NULL;
	tap_is_str(from_pretty, compact, "%s: pretty serialization re-parses to the same document",
		   label);
	tap_ok(pretty && strchr(pretty, '\n') && strstr(pretty, "\n\t\""),
	       "%s: pretty serialization is indented with tabs", label);
	expect = g->expect ? strdup(g->expect) : minify(data);
	tap_is_str(compact, expect, "%s: serialization keeps every known field of the input",
		   label);
	g->check(doc);
	if (g->complete)
		check_sets_every_field(label, kind->type, doc);
out:
	if (doc)
		ocispec_free(kind->type, doc);
	free(err);
	free(data);
	free(compact);
	free(again);
	free(pretty);
	free(from_pretty);
	free(expect);
	free(path);
	free(label);
}

/* Every fixture on disk is exercised: a good one needs a table entry, a bad
 * one its .err file, and no .err file is left without its fixture. */
static void test_fixture_inventory(void)
{
	char *good_dir = xasprintf("%s/good", fixtures), *bad_dir = xasprintf("%s/bad", fixtures);
	struct dirent **names = NULL;
	int n = scandir(good_dir, &names, is_json, alphasort);
	int missing = 0;
	for (int i = 0; i < n; i++) {
		bool found = false;
		for (size_t k = 0; k < N_GOOD; k++)
			found = found || strcmp(names[i]->d_name, good_fixtures[k].file) == 0;
		if (!found) {
			printf("# good/%s has no entry in good_fixtures[]\n", names[i]->d_name);
			missing++;
		}
		free(names[i]);
	}
	free(names);
	tap_ok(n >= (int)N_GOOD && missing == 0, "every good fixture is listed in the test table");

	n = scandir(bad_dir, &names, NULL, alphasort);
	int orphans = 0;
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		if (has_suffix(name, ".err")) {
			char *json =
				xasprintf("%s/%.*s.json", bad_dir, (int)(strlen(name) - 4), name);
			if (access(json, F_OK) != 0) {
				printf("# bad/%s has no .json fixture\n", name);
				orphans++;
			}
			free(json);
		}
		free(names[i]);
	}
	free(names);
	tap_ok(n > 2 && orphans == 0, "every bad/*.err file belongs to a fixture");
	free(good_dir);
	free(bad_dir);
}

/* ------------------------------------------------------- bad fixtures */

static void test_bad_fixture(const char *file)
{
	char *label = xasprintf("bad/%s", file);
	char *path = xasprintf("%s/bad/%s", fixtures, file);
	char *err_path = xasprintf("%s/bad/%.*s.err", fixtures, (int)(strlen(file) - 5), file);
	const struct doc_kind *kind = kind_for(file);
	char *expected = read_file(err_path, NULL);
	char *err = NULL, *data_err = NULL, *data = NULL;
	size_t len = 0;
	void *doc = NULL, *data_doc = NULL;

	if (!tap_ok(expected != NULL && *expected, "%s: has a non-empty .err file", label))
		goto out;
	expected[strcspn(expected, "\n")] = '\0';
	int r = kind->parse_file(path, kind->doc_name, &doc, &err);
	tap_ok(r == -1 && doc == NULL, "%s: is refused as %s", label, kind->doc_name);
	tap_contains(err, expected, "%s: error says what is wrong and where", label);
	/* The same bytes given in memory fail the same way. */
	data = read_file(path, &len);
	if (data)
		r = kind->parse_data(data, len, kind->doc_name, &data_doc, &data_err);
	tap_ok(data && r == -1 && data_doc == NULL && err && data_err && strcmp(err, data_err) == 0,
	       "%s: parsing from memory gives the same error", label);
out:
	if (doc)
		ocispec_free(kind->type, doc);
	if (data_doc)
		ocispec_free(kind->type, data_doc);
	free(data);
	free(data_err);
	free(err);
	free(expected);
	free(err_path);
	free(path);
	free(label);
}

static void test_bad_fixtures(void)
{
	char *dir = xasprintf("%s/bad", fixtures);
	struct dirent **names = NULL;
	int n = scandir(dir, &names, is_json, alphasort);
	tap_ok(n > 0, "bad fixtures are found in %s", dir);
	for (int i = 0; i < n; i++) {
		test_bad_fixture(names[i]->d_name);
		free(names[i]);
	}
	free(names);
	free(dir);
}

/* ------------------------------------------------------- other behaviour */

/* Parses a config.json from a string; NULL with the error printed on failure. */
static struct oci_spec *parse_spec(const char *json, char **err_out)
{
	struct oci_spec *s = NULL;
	char *err = NULL;
	if (oci_spec_parse_data(json, strlen(json), "config.json", &s, &err) < 0) {
		if (err_out)
			*err_out = err;
		else
			free(err);
		return NULL;
	}
	free(err);
	return s;
}

static void test_duplicate_keys(void)
{
	static const char json[] =
		"{\"ociVersion\":\"1.0.0\",\"hostname\":\"first\",\"hostname\":\"last\","
		"\"process\":{\"cwd\":\"/a\",\"args\":[\"x\"],\"args\":[\"y\",\"z\"],\"cwd\":\"/"
		"b\"},"
		"\"root\":{\"path\":\"one\",\"readonly\":true},\"root\":{\"path\":\"two\"},"
		"\"annotations\":{\"k\":\"1\",\"j\":\"2\",\"k\":\"3\"},"
		"\"linux\":{\"netDevices\":{\"eth0\":{\"name\":\"a\"},\"eth1\":{},"
		"\"eth0\":{\"name\":\"b\"}},"
		"\"resources\":{\"memory\":{\"limit\":1,\"limit\":2}}}}";
	subject = "duplicate keys";
	struct oci_spec *s = parse_spec(json, NULL);
	if (!tap_ok(s != NULL, "a document with duplicate keys parses"))
		return;
	CHECK_STR(s->hostname, "last");
	CHECK_STR(s->process->cwd, "/b");
	CHECK(s->process->args_len == 2);
	CHECK_STR(s->process->args[0], "y");
	CHECK_STR(s->root->path, "two");
	CHECK(!s->root->has_readonly);
	CHECK(s->annotations->len == 2);
	CHECK_STR(s->annotations->keys[0], "k");
	CHECK_STR(s->annotations->values[0], "3");
	CHECK(s->linux->net_devices_len == 2);
	CHECK_STR(s->linux->net_devices_keys[0], "eth0");
	CHECK_STR(s->linux->net_devices[0].name, "b");
	CHECK(s->linux->resources->memory->limit == 2);
	char *out = serialize(spec_kind, s, false);
	tap_is_str(out,
		   "{\"ociVersion\":\"1.0.0\",\"process\":{\"args\":[\"y\",\"z\"],\"cwd\":\"/b\"},"
		   "\"root\":{\"path\":\"two\"},\"hostname\":\"last\","
		   "\"annotations\":{\"k\":\"3\",\"j\":\"2\"},"
		   "\"linux\":{\"resources\":{\"memory\":{\"limit\":2}},"
		   "\"netDevices\":{\"eth0\":{\"name\":\"b\"},\"eth1\":{}}}}",
		   "duplicate keys serialize once, with the last value at the first position");
	free(out);
	oci_spec_free(s);

	/* A bad repeated value fails, and frees what the first one built. */
	static const struct {
		const char *json, *error;
	} bad[] = {
		{"{\"ociVersion\":\"1.0.0\",\"annotations\":{\"k\":\"1\",\"k\":5}}",
		 "config.json: .annotations[\"k\"]: expected string, got integer"},
		{"{\"ociVersion\":\"1.0.0\",\"linux\":{\"netDevices\":{\"e\":{\"name\":\"a\"},"
		 "\"e\":{\"name\":1}}}}",
		 "config.json: .linux.netDevices[\"e\"].name: expected string, got integer"},
		{"{\"ociVersion\":\"1.0.0\",\"process\":{\"cwd\":\"/\",\"args\":[\"a\"],"
		 "\"args\":[\"b\",{}]}}",
		 "config.json: .process.args[1]: expected string, got object"},
		{"{\"ociVersion\":\"1.0.0\",\"ociVersion\":\"3.0.0\"}",
		 "config.json: .ociVersion: unsupported major version \"3.0.0\""},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *err = NULL;
		struct oci_spec *r = parse_spec(bad[i].json, &err);
		tap_ok(r == NULL, "duplicate key with a bad last value is refused (case %zu)", i);
		tap_contains(err, bad[i].error, "duplicate key error names the key (case %zu)", i);
		oci_spec_free(r);
		free(err);
	}
}

static void test_string_map(void)
{
	struct oci_string_map *map = NULL;
	tap_ok(oci_string_map_get(NULL, "a") == NULL, "string_map_get on no map returns NULL");
	tap_ok(oci_string_map_set(&map, "b", "1") == 0 && map && map->len == 1,
	       "string_map_set creates the map");
	tap_ok(oci_string_map_set(&map, "a", "2") == 0 && map->len == 2,
	       "string_map_set adds a new key");
	tap_ok(oci_string_map_set(&map, "b", "3") == 0 && map->len == 2,
	       "string_map_set replaces an existing key");
	tap_ok(oci_string_map_set(&map, "", "") == 0 && map->len == 3,
	       "string_map_set accepts an empty key and value");
	tap_is_str(oci_string_map_get(map, "b"), "3", "string_map_get returns the replaced value");
	tap_is_str(oci_string_map_get(map, ""), "", "string_map_get finds the empty key");
	tap_ok(oci_string_map_get(map, "c") == NULL, "string_map_get of a missing key is NULL");
	tap_is_str(map->keys[0], "b", "string_map keeps insertion order");

	/* A map built in code serializes in order and is freed with its document. */
	char version[] = OCI_SPEC_VERSION;
	struct oci_spec *s = calloc(1, sizeof(*s));
	if (s == NULL)
		abort();
	s->oci_version = strdup(version);
	s->annotations = map;
	char *out = serialize(spec_kind, s, false);
	tap_is_str(out,
		   "{\"ociVersion\":\"" OCI_SPEC_VERSION
		   "\",\"annotations\":{\"b\":\"3\",\"a\":\"2\",\"\":\"\"}}",
		   "a string map built with string_map_set serializes in insertion order");
	free(out);
	oci_spec_free(s);
}

static void test_dup(void)
{
	char *path = xasprintf("%s/good/full.json", fixtures), *err = NULL;
	struct oci_spec *s = NULL;
	if (!tap_ok(oci_spec_parse_file(path, "config.json", &s, &err) == 0,
		    "dup: full.json parses")) {
		printf("#   %s\n", err);
		free(err);
		free(path);
		return;
	}
	struct oci_spec *copy = ocispec_dup(&oci_type_spec, s);
	tap_ok(copy && copy != s && copy->process != s->process && copy->linux != s->linux &&
		       copy->linux->seccomp->syscalls != s->linux->seccomp->syscalls,
	       "ocispec_dup makes a deep copy");
	char *a = serialize(spec_kind, s, false),
	     *b = copy ? serialize(spec_kind, copy, false) : NULL;
	tap_ok(a && b && strcmp(a, b) == 0, "ocispec_dup's copy serializes like the original");
	if (copy) {
		free(copy->hostname);
		copy->hostname = strdup("changed");
	}
	tap_is_str(s->hostname, "full-host", "changing the copy leaves the original alone");
	free(a);
	free(b);
	oci_spec_free(copy);

	/* A document that cannot be serialized cannot be copied either. */
	free(s->hostname);
	s->hostname = strdup("\xff\xfe");
	tap_ok(ocispec_dup(&oci_type_spec, s) == NULL, "ocispec_dup of invalid UTF-8 returns NULL");
	char *out = NULL;
	size_t len = 0;
	tap_ok(oci_spec_generate(s, false, &out, &len, &err) == -1 && out == NULL,
	       "generate refuses a string that is not UTF-8");
	tap_contains(err, "cannot serialize", "generate says why it refused");
	free(err);
	oci_spec_free(s);
	free(path);
}

static void test_generate_from_code(void)
{
	char version[] = "1.2.1", rootfs[] = "rootfs";
	struct oci_root root = {.path = rootfs, .readonly = true};
	struct oci_memory memory = {.swap = -1, .has_swap = true, .limit = 5};
	struct oci_resources resources = {.memory = &memory};
	struct oci_linux linux = {.resources = &resources};
	struct oci_spec spec = {.oci_version = version, .root = &root, .linux = &linux};
	char *out = serialize(spec_kind, &spec, false);
	tap_is_str(out,
		   "{\"ociVersion\":\"1.2.1\",\"root\":{\"path\":\"rootfs\"},"
		   "\"linux\":{\"resources\":{\"memory\":{\"swap\":-1}}}}",
		   "generate writes only scalars whose has_ flag is set");
	free(out);
	root.has_readonly = true;
	root.readonly = false;
	out = serialize(spec_kind, &spec, false);
	tap_contains(out, "\"root\":{\"path\":\"rootfs\",\"readonly\":false}",
		     "generate writes a present false");
	free(out);
}

/* Doubles are written as Go's encoding/json writes a float64. */
static void test_double_format(void)
{
	static const struct {
		double value;
		const char *text;
	} cases[] = {
		{0, "0"},
		{-0.0, "-0"},
		{0.1, "0.1"},
		{1.5, "1.5"},
		{100, "100"},
		{99.99, "99.99"},
		{-2.25, "-2.25"},
		{0.1 + 0.2, "0.30000000000000004"},
		{123456789.25, "123456789.25"},
		{1e20, "100000000000000000000"},
		{1e21, "1e+21"},
		{1e-6, "0.000001"},
		{1e-7, "1e-7"},
		{1.25e-10, "1.25e-10"},
		{5e-324, "5e-324"},
		{1.7976931348623157e308, "1.7976931348623157e+308"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct oci_event_psi_data data = {.avg10 = cases[i].value, .has_avg10 = true};
		char *out = NULL, *err = NULL, *want = xasprintf("{\"avg10\":%s}", cases[i].text);
		ocispec_generate(&oci_type_event_psi_data, &data, false, &out, NULL, &err);
		tap_is_str(out, want, "a double is written as Go writes %s", cases[i].text);
		/* ... and reads back as the same value. */
		struct oci_event_psi_data *back = NULL;
		free(err);
		err = NULL;
		tap_ok(out &&
			       ocispec_parse_data(&oci_type_event_psi_data, out, strlen(out), "psi",
						  (void **)&back, &err) == 0 &&
			       back->avg10 == cases[i].value,
		       "%s reads back as the same double", cases[i].text);
		ocispec_free(&oci_type_event_psi_data, back);
		free(err);
		free(out);
		free(want);
	}
	struct oci_event_psi_data nan = {.avg10 = __builtin_nan(""), .has_avg10 = true};
	char *out = NULL, *err = NULL;
	tap_ok(ocispec_generate(&oci_type_event_psi_data, &nan, false, &out, NULL, &err) == -1 &&
		       out == NULL,
	       "generate refuses NaN, which JSON cannot hold");
	free(err);
	err = NULL;
	struct oci_event_psi_data inf = {.avg60 = __builtin_inf(), .has_avg60 = true};
	tap_ok(ocispec_generate(&oci_type_event_psi_data, &inf, false, &out, NULL, &err) == -1,
	       "generate refuses infinity");
	free(err);
}

/* Integer arrays and maps: empty ones are written as [] and {}, a repeated
 * map key keeps its last value at its first place, and they are freed with
 * their document. */
static void test_uint64_arrays_and_maps(void)
{
	static const char json[] =
		"{\"type\":\"stats\",\"id\":\"c\",\"data\":{\"cpu\":{\"usage\":{\"percpu\":[],"
		"\"percpu_user\":[18446744073709551615,0]}},"
		"\"memory\":{\"raw\":{\"b\":1,\"a\":2,\"b\":3}},\"hugetlb\":{}}}";
	struct oci_event *e = NULL;
	char *err = NULL;
	subject = "uint64 arrays and maps";
	if (!tap_ok(oci_event_parse_data(json, strlen(json), "event", &e, &err) == 0,
		    "an event with integer arrays and maps parses")) {
		printf("#   %s\n", err ? err : "");
		free(err);
		return;
	}
	CHECK(e->data->cpu->usage->percpu != NULL && e->data->cpu->usage->percpu_len == 0);
	CHECK(e->data->cpu->usage->percpu_user[0] == UINT64_MAX);
	CHECK(e->data->memory->raw_len == 2 && e->data->memory->raw[0] == 3);
	CHECK(e->data->hugetlb != NULL && e->data->hugetlb_len == 0);
	char *out = NULL;
	oci_event_generate(e, false, &out, NULL, &err);
	tap_is_str(out,
		   "{\"type\":\"stats\",\"id\":\"c\",\"data\":{\"cpu\":{\"usage\":{\"percpu\":[],"
		   "\"percpu_user\":[18446744073709551615,0]}},"
		   "\"memory\":{\"raw\":{\"b\":3,\"a\":2}},\"hugetlb\":{}}}",
		   "integer arrays and maps are written back, empty ones too");
	free(out);
	out = NULL;
	struct oci_event *copy = ocispec_dup(&oci_type_event, e);
	tap_ok(copy && copy->data->memory->raw_len == 2 &&
		       strcmp(copy->data->memory->raw_keys[1], "a") == 0 &&
		       copy->data->memory->raw[1] == 2,
	       "a uint64 map survives a deep copy");
	oci_event_free(copy);
	oci_event_free(e);

	/* An oom event has no data member at all. */
	struct oci_event oom = {.type = (char *)"oom", .id = (char *)"c"};
	oci_event_generate(&oom, false, &out, NULL, &err);
	tap_is_str(out, "{\"type\":\"oom\",\"id\":\"c\"}", "an event without data omits it");
	free(out);
	free(err);
}

static void test_versions(void)
{
	static const struct {
		const char *version, *error;
	} cases[] = {
		{"1.0.0", NULL},
		{"1.0.2-dev", NULL},
		{"1.2.1", NULL},
		{"1.3.0", NULL},
		{"1.2.0+dev", NULL},
		{"1.0.0-rc.1", NULL},
		{"1.99.999", NULL},
		{"2.0.0", "unsupported major version \"2.0.0\" (petrel supports 1.x.y)"},
		{"0.9.0", "unsupported major version \"0.9.0\""},
		{"10.0.0", "unsupported major version \"10.0.0\""},
		{"banana", "invalid version \"banana\" (expected 1.x.y)"},
		{"", "invalid version \"\""},
		{"1.0.0.0", "invalid version \"1.0.0.0\""},
		{"v1.0.0", "invalid version \"v1.0.0\""},
		{"1.0.0 ", "invalid version \"1.0.0 \""},
		{"1..0", "invalid version \"1..0\""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *err = NULL;
		int r = oci_check_version(cases[i].version, &err);
		if (cases[i].error == NULL) {
			tap_ok(r == 0, "oci_check_version accepts \"%s\"", cases[i].version);
			if (err)
				printf("#   %s\n", err);
		} else {
			tap_ok(r == -1, "oci_check_version refuses \"%s\"", cases[i].version);
			tap_contains(err, cases[i].error,
				     "oci_check_version says why \"%s\" is refused",
				     cases[i].version);
		}
		free(err);
	}
	/* Versions without a minor or patch number are not 1.x.y either. */
	static const char *const short_versions[] = {"1", "1.0", "1."};
	for (size_t i = 0; i < sizeof(short_versions) / sizeof(short_versions[0]); i++) {
		char *err = NULL;
		int r = oci_check_version(short_versions[i], &err);
		tap_ok(r == -1 && err && strstr(err, "invalid version"),
		       "oci_check_version refuses \"%s\"", short_versions[i]);
		free(err);
	}
	tap_ok(oci_check_version(OCI_SPEC_VERSION, NULL) == 0 &&
		       oci_check_version(OCI_SPEC_VERSION_MIN, NULL) == 0 &&
		       oci_check_version(OCI_SPEC_VERSION_MAX, NULL) == 0,
	       "the versions petrel writes and advertises pass its own check");
}

/* Integer limits of every scalar kind, in documents whose fields are in model
 * order so that an accepted one must serialize back to itself. */
static void test_integer_limits(void)
{
#define DOC(inner) "{\"ociVersion\":\"1.0.0\"," inner "}"
#define PROC(inner) DOC("\"process\":{\"cwd\":\"/\"," inner "}")
#define MEM(inner) DOC("\"linux\":{\"resources\":{\"memory\":{" inner "}}}")
#define BLKIO(inner) DOC("\"linux\":{\"resources\":{\"blockIO\":{" inner "}}}")
#define RLIMIT(inner) PROC("\"rlimits\":[{\"type\":\"RLIMIT_AS\"," inner "}]")
#define USER(inner) DOC("\"process\":{\"user\":{" inner "},\"cwd\":\"/\"}")
	static const struct {
		const char *json, *error;
		const char *written; /* what an accepted one serializes to, if not itself */
	} cases[] = {
		{PROC("\"oomScoreAdj\":-2147483648"), NULL},
		{PROC("\"oomScoreAdj\":2147483647"), NULL},
		{PROC("\"oomScoreAdj\":-2147483649"), "integer -2147483649 out of range for int32"},
		{USER("\"uid\":4294967295"), NULL},
		{USER("\"uid\":4294967296"), "integer 4294967296 out of range for uint32"},
		{USER("\"additionalGids\":[0,4294967295]"), NULL},
		{MEM("\"limit\":9223372036854775807"), NULL},
		{MEM("\"limit\":-9223372036854775808"), NULL},
		{MEM("\"limit\":9223372036854775808"),
		 ".linux.resources.memory.limit: integer 9223372036854775808 out of range for "
		 "int64"},
		{MEM("\"limit\":0"), NULL},
		{MEM("\"limit\":-0"), NULL, MEM("\"limit\":0")},
		{MEM("\"swappiness\":18446744073709551615"), NULL},
		{MEM("\"swappiness\":-1"), "integer -1 out of range for uint64"},
		{MEM("\"limit\":1.0"), "expected integer, got number"},
		{MEM("\"limit\":1E3"), "expected integer, got number"},
		{MEM("\"limit\":-1e-3"), "expected integer, got number"},
		{MEM("\"limit\":true"), "expected integer, got boolean"},
		{MEM("\"limit\":{}"), "expected integer, got object"},
		{BLKIO("\"weight\":65535"), NULL},
		{BLKIO("\"weight\":0"), NULL},
		{BLKIO("\"weight\":65536"), "integer 65536 out of range for uint16"},
		{RLIMIT("\"hard\":18446744073709551615,\"soft\":18446744073709551615"), NULL},
		{RLIMIT("\"hard\":99999999999999999999999,\"soft\":1"),
		 ".process.rlimits[0].hard: integer 99999999999999999999999 out of range for "
		 "uint64"},
		{RLIMIT("\"hard\":1"), ".process.rlimits[0].soft: required field is missing"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *err = NULL;
		struct oci_spec *s = parse_spec(cases[i].json, &err);
		if (cases[i].error == NULL) {
			const char *want = cases[i].written ? cases[i].written : cases[i].json;
			char *out = s ? serialize(spec_kind, s, false) : NULL;
			if (err)
				printf("#   %s\n", err);
			tap_is_str(out, want, "accepted and written back as expected: %s",
				   cases[i].json);
			free(out);
		} else {
			tap_ok(s == NULL && err && strncmp(err, "config.json: .", 14) == 0,
			       "refused with a path: %s", cases[i].json);
			tap_contains(err, cases[i].error, "error for %s", cases[i].json);
		}
		oci_spec_free(s);
		free(err);
	}
#undef DOC
#undef PROC
#undef MEM
#undef BLKIO
#undef RLIMIT
#undef USER
}

/* A document nested exactly as deep as allowed parses; one level more does not. */
static void test_nesting_limit(void)
{
	for (int levels = 128; levels <= 129; levels++) {
		/* The root object is one level; the rest are arrays in an unknown property. */
		int arrays = levels - 1;
		size_t size = 64 + 2 * (size_t)arrays;
		char *json = malloc(size), *p = json;
		if (json == NULL)
			abort();
		p += sprintf(p, "{\"ociVersion\":\"1.0.0\",\"x\":");
		memset(p, '[', (size_t)arrays);
		p += arrays;
		memset(p, ']', (size_t)arrays);
		p += arrays;
		strcpy(p, "}");
		char *err = NULL;
		struct oci_spec *s = parse_spec(json, &err);
		if (levels == 128) {
			tap_ok(s != NULL, "nesting of 128 levels is accepted");
			if (err)
				printf("#   %s\n", err);
		} else {
			tap_ok(s == NULL, "nesting of 129 levels is refused");
			tap_contains(err, "nesting too deep", "deep nesting error says so");
		}
		oci_spec_free(s);
		free(err);
		free(json);
	}
}

static void test_parse_file_errors(void)
{
	char *err = NULL;
	struct oci_spec *s = NULL;
	char *missing = xasprintf("%s/good/does-not-exist.json", fixtures);
	tap_ok(oci_spec_parse_file(missing, "config.json", &s, &err) == -1 && s == NULL,
	       "parse_file of a missing file fails");
	tap_is_str(err, "config.json: open: No such file or directory",
		   "parse_file of a missing file says so");
	free(err);
	err = NULL;
	tap_ok(oci_spec_parse_file(missing, NULL, &s, &err) == -1,
	       "parse_file without a name fails");
	tap_ok(err && strncmp(err, missing, strlen(missing)) == 0,
	       "parse_file without a name names the path");
	free(err);
	err = NULL;
	free(missing);

	char *dir = xasprintf("%s/good", fixtures);
	tap_ok(oci_spec_parse_file(dir, "config.json", &s, &err) == -1 && s == NULL,
	       "parse_file of a directory fails");
	tap_is_str(err, "config.json: not a regular file", "parse_file of a directory says so");
	free(err);
	err = NULL;
	free(dir);

	char *bad = xasprintf("%s/bad/version-2.0.0.json", fixtures);
	tap_ok(oci_spec_parse_file(bad, NULL, &s, &err) == -1 && err &&
		       strncmp(err, bad, strlen(bad)) == 0 &&
		       strstr(err, ": .ociVersion: unsupported major version"),
	       "a version error without a document name names the path");
	free(err);
	err = NULL;
	free(bad);

	tap_ok(oci_spec_parse_data("[]", 2, NULL, &s, &err) == -1 && err &&
		       strncmp(err, "spec: ", 6) == 0,
	       "parse_data without a name names the document type");
	free(err);
}

int main(void)
{
	fixtures = find_fixtures();
	printf("# fixtures in %s\n", fixtures);
	test_fixture_inventory();
	for (size_t i = 0; i < N_GOOD; i++)
		test_good_fixture(&good_fixtures[i]);
	test_bad_fixtures();
	test_duplicate_keys();
	test_string_map();
	test_dup();
	test_generate_from_code();
	test_double_format();
	test_uint64_arrays_and_maps();
	test_versions();
	test_integer_limits();
	test_nesting_limit();
	test_parse_file_errors();
	free(fixtures);
	return tap_done();
}
