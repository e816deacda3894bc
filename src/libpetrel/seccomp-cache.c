/* Compiled seccomp programs, kept so that a profile is compiled once: the
 * cache under <root>/.seccomp-cache (one file per profile and versions,
 * least recently used evicted) and the program in a container's state
 * directory, for `exec`. Both use one file format, written atomically. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <linux/filter.h>

#include <seccomp.h>

#include "build-info.h"
#include "cleanup.h"
#include "log.h"
#include "seccomp-internal.h"

/* The first line of every file; a change of the format or of the code that
 * compiles changes it (or petrel's version, also part of the key). */
#define ENTRY_MAGIC "petrel-seccomp-bpf 1\n"
/* Leads the key: the way petrel compiles (the ENOSYS prefix) is part of it. */
#define KEY_FORMAT "compiled by petrel-seccomp 1"
/* Far above any real key and header: a bigger file is not an entry. */
#define ENTRY_MAX_SIZE (16U << 20)
/* A temporary file this old was left by a petrel that died. */
#define STALE_TEMP_SECONDS 3600

char *petrel_seccomp_cache_key(const struct oci_seccomp *seccomp, struct petrel_error **err)
{
	struct oci_seccomp program_only = *seccomp;
	program_only.listener_path = NULL;
	program_only.listener_metadata = NULL;
	cleanup_free char *json = NULL;
	char *why = NULL;
	if (ocispec_generate(&oci_type_seccomp, &program_only, false, &json, NULL, &why) < 0) {
		petrel_error_take(err, 0, why);
		petrel_error_prefix(err, "seccomp: cache key");
		return NULL;
	}
	struct utsname u;
	if (uname(&u) < 0) {
		petrel_error_errno(err, "uname");
		return NULL;
	}
	const struct scmp_version *v = seccomp_version();
	char *key = NULL;
	if (asprintf(&key, "%s; petrel %s; libseccomp %u.%u.%u; kernel %s; machine %s; profile %s",
		     KEY_FORMAT, PACKAGE_VERSION, v ? v->major : 0, v ? v->minor : 0,
		     v ? v->micro : 0, u.release, u.machine, json) < 0) {
		petrel_error_set(err, ENOMEM, "seccomp: cache key");
		return NULL;
	}
	return key;
}

uint64_t petrel_seccomp_hash(const char *data, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)data[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

void petrel_seccomp_cache_name(const char *key, char name[32])
{
	snprintf(name, 32, "%016" PRIx64 ".bpf", petrel_seccomp_hash(key, strlen(key)));
}

static bool is_entry_name(const char *name)
{
	if (strlen(name) != 20 || strcmp(name + 16, ".bpf") != 0)
		return false;
	return strspn(name, "0123456789abcdef") == 16;
}

/* ------------------------------------------------------------ file format */

static int write_all(int fd, const void *buf, size_t len)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = write(fd, (const char *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

int petrel_seccomp_write_entry(int dir_fd, const char *name, const char *key,
			       const struct petrel_seccomp *s, struct petrel_error **err)
{
	if (key == NULL)
		key = "";
	cleanup_free char *header = NULL;
	int hlen = asprintf(&header, "%skey %zu\n%s\nflags %u notify %d insns %zu\n", ENTRY_MAGIC,
			    strlen(key), key, s->flags, s->notify ? 1 : 0, s->bpf_len);
	if (hlen < 0) {
		header = NULL;
		return petrel_error_set(err, ENOMEM, "seccomp: write %s", name);
	}
	char tmp[96];
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(tmp, sizeof(tmp), ".%.40s.tmp.%d.%ld", name, (int)getpid(), ts.tv_nsec);
	cleanup_close int fd =
		openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return petrel_error_errno(err, "seccomp: create %s", tmp);
	if (write_all(fd, header, (size_t)hlen) < 0 ||
	    write_all(fd, s->bpf, s->bpf_len * sizeof(struct sock_filter)) < 0 ||
	    renameat(dir_fd, tmp, dir_fd, name) < 0) {
		int saved = errno;
		unlinkat(dir_fd, tmp, 0);
		return petrel_error_set(err, saved, "seccomp: write %s", name);
	}
	return 0;
}

/* Reads "<word> <number>" up to the end of the line at *p; moves *p past it. */
static bool parse_field(const char **p, const char *end, const char *word, unsigned long long max,
			unsigned long long *out)
{
	size_t wlen = strlen(word);
	if ((size_t)(end - *p) < wlen + 2 || memcmp(*p, word, wlen) != 0 || (*p)[wlen] != ' ')
		return false;
	const char *q = *p + wlen + 1;
	unsigned long long v = 0;
	const char *digits = q;
	while (q < end && *q >= '0' && *q <= '9') {
		v = v * 10 + (unsigned long long)(*q - '0');
		if (v > max)
			return false;
		q++;
	}
	if (q == digits || q == end || (*q != ' ' && *q != '\n'))
		return false;
	*out = v;
	*p = q + 1;
	return true;
}

static bool parse_entry(const char *buf, size_t size, const char *key, struct petrel_seccomp *s)
{
	const char *p = buf, *end = buf + size;
	unsigned long long key_len, flags, notify, insns;
	size_t magic_len = strlen(ENTRY_MAGIC);
	if (size < magic_len || memcmp(p, ENTRY_MAGIC, magic_len) != 0)
		return false;
	p += magic_len;
	if (!parse_field(&p, end, "key", size, &key_len) || p[-1] != '\n' ||
	    (size_t)(end - p) < key_len + 1 || p[key_len] != '\n')
		return false;
	if (key && (strlen(key) != key_len || memcmp(p, key, key_len) != 0))
		return false;
	p += key_len + 1;
	if (!parse_field(&p, end, "flags", UINT32_MAX, &flags) || p[-1] != ' ' ||
	    !parse_field(&p, end, "notify", 1, &notify) || p[-1] != ' ' ||
	    !parse_field(&p, end, "insns", BPF_MAXINSNS, &insns) || p[-1] != '\n' || insns == 0 ||
	    (size_t)(end - p) != insns * sizeof(struct sock_filter))
		return false;
	void *bpf = malloc((size_t)(end - p));
	if (bpf == NULL)
		return false;
	memcpy(bpf, p, (size_t)(end - p));
	free(s->bpf);
	s->bpf = bpf;
	s->bpf_len = (size_t)insns;
	s->flags = (unsigned int)flags;
	s->notify = notify != 0;
	return true;
}

int petrel_seccomp_read_entry(int dir_fd, const char *name, const char *key,
			      struct petrel_seccomp *s, struct petrel_error **err)
{
	cleanup_close int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return petrel_error_errno(err, "seccomp: open %s", name);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return petrel_error_errno(err, "seccomp: %s", name);
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 || (size_t)st.st_size > ENTRY_MAX_SIZE)
		return petrel_error_set(err, 0, "seccomp: %s is not a compiled program", name);
	size_t size = (size_t)st.st_size;
	cleanup_free char *buf = malloc(size);
	if (buf == NULL)
		return petrel_error_set(err, ENOMEM, "seccomp: %s", name);
	for (size_t done = 0; done < size;) {
		ssize_t n = read(fd, buf + done, size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return petrel_error_errno(err, "seccomp: read %s", name);
		if (n == 0)
			return petrel_error_set(err, 0, "seccomp: %s: truncated", name);
		done += (size_t)n;
	}
	if (!parse_entry(buf, size, key, s))
		return petrel_error_set(err, 0, "seccomp: %s is not a compiled program%s", name,
					key ? " for this profile" : "");
	/* Used: the eviction keeps the most recently used entries. */
	futimens(fd, NULL);
	return 0;
}

int petrel_seccomp_save(const struct petrel_seccomp *s, int dir_fd, const char *name,
			struct petrel_error **err)
{
	return petrel_seccomp_write_entry(dir_fd, name, NULL, s, err);
}

int petrel_seccomp_load(int dir_fd, const char *name, struct petrel_seccomp **out,
			struct petrel_error **err)
{
	struct petrel_seccomp *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return petrel_error_set(err, ENOMEM, "seccomp");
	if (petrel_seccomp_read_entry(dir_fd, name, NULL, s, err) < 0) {
		petrel_seccomp_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

/* ------------------------------------------------------------------ cache */

/* The cache directory, made when missing. Only a directory of petrel's own
 * user that nobody else may write is trusted: its programs are installed
 * as they are. */
static int open_cache_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT && mkdir(dir, 0700) == 0)
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		petrel_debug("seccomp cache %s: %s", dir, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 022)) {
		petrel_debug("seccomp cache %s: not used: not private to this user", dir);
		close(fd);
		return -1;
	}
	return fd;
}

bool petrel_seccomp_cache_lookup(const char *dir, const char *key, struct petrel_seccomp *s)
{
	cleanup_close int dir_fd = open_cache_dir(dir);
	if (dir_fd < 0)
		return false;
	char name[32];
	petrel_seccomp_cache_name(key, name);
	/* The profile's flags and notify bit come from checking it; the entry
	 * only lends its program. */
	struct petrel_seccomp entry = {0};
	struct petrel_error *e = NULL;
	if (petrel_seccomp_read_entry(dir_fd, name, key, &entry, &e) < 0) {
		if (e->errnum != ENOENT)
			petrel_debug("seccomp cache: %s", petrel_error_message(e));
		petrel_error_free(e);
		return false;
	}
	free(s->bpf);
	s->bpf = entry.bpf;
	s->bpf_len = entry.bpf_len;
	return true;
}

void petrel_seccomp_cache_store(const char *dir, const char *key, const struct petrel_seccomp *s,
				size_t max_entries)
{
	cleanup_close int dir_fd = open_cache_dir(dir);
	if (dir_fd < 0)
		return;
	char name[32];
	petrel_seccomp_cache_name(key, name);
	struct petrel_error *e = NULL;
	if (petrel_seccomp_write_entry(dir_fd, name, key, s, &e) < 0) {
		petrel_debug("seccomp cache: %s", petrel_error_message(e));
		petrel_error_free(e);
		return;
	}
	petrel_seccomp_cache_evict(dir_fd, max_entries);
}

struct cache_entry {
	struct timespec mtime;
	char name[NAME_MAX + 1];
};

static int older_first(const void *a, const void *b)
{
	const struct cache_entry *x = a, *y = b;
	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

void petrel_seccomp_cache_evict(int dir_fd, size_t max_entries)
{
	int fd = dup(dir_fd);
	if (fd < 0)
		return;
	cleanup_closedir DIR *d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return;
	}
	struct cache_entry *entries = NULL;
	size_t n = 0, cap = 0;
	time_t now = time(NULL);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		bool entry = is_entry_name(de->d_name);
		bool temp = de->d_name[0] == '.' && strstr(de->d_name, ".tmp.") != NULL;
		if ((!entry && !temp) || fstatat(dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (temp) {
			if (now - st.st_mtime > STALE_TEMP_SECONDS)
				unlinkat(dir_fd, de->d_name, 0);
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 128;
			struct cache_entry *more = realloc(entries, cap * sizeof(*entries));
			if (more == NULL)
				break;
			entries = more;
		}
		entries[n].mtime = st.st_mtim;
		snprintf(entries[n].name, sizeof(entries[n].name), "%s", de->d_name);
		n++;
	}
	if (n > max_entries) {
		qsort(entries, n, sizeof(*entries), older_first);
		for (size_t i = 0; i < n - max_entries; i++) {
			if (unlinkat(dir_fd, entries[i].name, 0) < 0 && errno != ENOENT)
				petrel_debug("seccomp cache: remove %s: %s", entries[i].name,
					     strerror(errno));
		}
	}
	free(entries);
}
