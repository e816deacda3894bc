/* Unit tests of the path helpers every rootfs mount and device goes through
 * (petrel_open_or_create_in_root in src/libpetrel/mounts.c): paths resolve and
 * are created inside the root, whatever symlinks and ".." the rootfs holds.
 * Works in a temporary directory; needs no privileges. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libpetrel/mounts.h"
#include "tap.h"

static char top[PATH_MAX], root[PATH_MAX + 8], outside[PATH_MAX + 16];
static int root_fd = -1;

static int create(const char *path, enum petrel_path_kind kind, struct stat *st)
{
	int fd = -1;
	struct petrel_error *err = NULL;
	if (petrel_open_or_create_in_root(root_fd, path, kind, &fd, &err) < 0) {
		printf("# %s\n", petrel_error_message(err));
		petrel_error_free(err);
		return -1;
	}
	int r = fstat(fd, st);
	close(fd);
	return r;
}

/* True when root/rel exists with the type of mode. */
static bool exists_in_root(const char *rel, mode_t type)
{
	char path[PATH_MAX * 2];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == type;
}

static bool outside_is_empty(void)
{
	DIR *d = opendir(outside);
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d)) != NULL;)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	if (d)
		closedir(d);
	return d != NULL && n == 0;
}

int main(void)
{
	char tmpl[] = "/tmp/petrel-paths.XXXXXX";
	if (mkdtemp(tmpl) == NULL)
		return 1;
	snprintf(top, sizeof(top), "%s", tmpl);
	snprintf(root, sizeof(root), "%s/root", top);
	snprintf(outside, sizeof(outside), "%s/outside", top);
	mkdir(root, 0755);
	mkdir(outside, 0755);
	root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);

	/* A rootfs an attacker made: absolute and relative symlinks out. */
	char link[PATH_MAX * 2];
	snprintf(link, sizeof(link), "%s/abs", root);
	symlink(outside, link); /* host path: must resolve inside the root */
	snprintf(link, sizeof(link), "%s/rel", root);
	symlink("../../../../../../outside", link);
	snprintf(link, sizeof(link), "%s/dangling", root);
	symlink("/made/by/link", link);
	snprintf(link, sizeof(link), "%s/loop", root);
	symlink("/loop", link);

	struct stat st;
	tap_ok(create("/a/b/c", PETREL_PATH_DIR, &st) == 0 && S_ISDIR(st.st_mode),
	       "missing_directories_are_created");
	tap_ok(exists_in_root("a/b/c", S_IFDIR), "the_directories_are_inside_the_root");

	tap_ok(create("/f/file", PETREL_PATH_FILE, &st) == 0 && S_ISREG(st.st_mode),
	       "a_missing_last_component_can_be_a_file");
	tap_ok(exists_in_root("f", S_IFDIR) && exists_in_root("f/file", S_IFREG),
	       "the_file_is_created_in_a_new_directory");

	tap_ok(create("/abs/sub", PETREL_PATH_DIR, &st) == 0, "an_absolute_symlink_is_followed");
	char inside[PATH_MAX * 2];
	snprintf(inside, sizeof(inside), "%s/sub", outside + 1);
	tap_ok(exists_in_root(inside, S_IFDIR), "an_absolute_symlink_resolves_inside_the_root");
	tap_ok(outside_is_empty(), "an_absolute_symlink_never_reaches_the_host");

	tap_ok(create("/rel/sub2", PETREL_PATH_DIR, &st) == 0 &&
		       exists_in_root("outside/sub2", S_IFDIR),
	       "dotdot_in_a_symlink_stops_at_the_root");
	tap_ok(outside_is_empty(), "a_relative_symlink_never_reaches_the_host");

	tap_ok(create("/../../../outside2", PETREL_PATH_DIR, &st) == 0 &&
		       exists_in_root("outside2", S_IFDIR),
	       "dotdot_in_the_path_stops_at_the_root");

	tap_ok(create("/dangling", PETREL_PATH_FILE, &st) == 0 && S_ISREG(st.st_mode) &&
		       exists_in_root("made/by/link", S_IFREG),
	       "a_dangling_symlink_is_followed_inside_the_root");
	tap_ok(exists_in_root("dangling", S_IFLNK), "the_dangling_symlink_stays_a_symlink");

	tap_ok(create("/loop/x", PETREL_PATH_DIR, &st) < 0, "a_symlink_loop_is_an_error");

	tap_ok(create("/a/b/c", PETREL_PATH_DIR, &st) == 0 && S_ISDIR(st.st_mode),
	       "an_existing_path_is_opened");

	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", top);
	return tap_done();
}
