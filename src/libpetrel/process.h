/* The container process's attributes that the init applies to itself before
 * execve: user and groups, umask, rlimits, oomScoreAdj, personality,
 * scheduler, ioPriority, CPU affinity, LSM labels, cwd, and the executable's
 * lookup in the container's PATH. Each is one function, called in the order
 * init.c shows. */
#ifndef PETREL_PROCESS_H
#define PETREL_PROCESS_H

#include <sched.h> /* cpu_set_t: the including file defines _GNU_SOURCE */
#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "libocispec/ocispec.h"

/* Every rlimit name of the spec ("RLIMIT_NOFILE", exact case) -> resource
 * number; -1 and *err for unknown names. */
int petrel_rlimit_from_name(const char *name, struct petrel_error **err);
/* RLIMIT_NOFILE -> "RLIMIT_NOFILE"; NULL when unknown. */
const char *petrel_rlimit_name(int resource);
/* Validates every field of process that can be checked without side effects
 * (rlimit names, duplicates and soft <= hard, scheduler policy/flags/nice/
 * priority, ioPriority class and priority, oomScoreAdj range, umask, the
 * personality domain/flags of lx, execCPUAffinity lists); called at create
 * before anything is made. process or lx may be NULL. Messages start with
 * the JSON path (`.process.rlimits[1]: duplicate rlimit type ...`); the caller
 * prefixes the document's name. (args and cwd are checked by bundle.c.) */
int petrel_process_validate(const struct oci_process *process, const struct oci_linux *lx,
			    struct petrel_error **err);

/* `setrlimit RLIMIT_NOFILE (soft 2048, hard 4096): Operation not permitted`.
 * All names are resolved before the first limit is set. */
int petrel_process_set_rlimits(const struct oci_process *process, struct petrel_error **err);
/* Writes /proc/self/oom_score_adj when set. */
int petrel_process_set_oom_score_adj(const struct oci_process *process, struct petrel_error **err);
int petrel_process_set_personality(const struct oci_personality *personality,
				   struct petrel_error **err);
int petrel_process_set_scheduler(const struct oci_process *process, struct petrel_error **err);
int petrel_process_set_io_priority(const struct oci_process *process, struct petrel_error **err);
/* A CPU list like "0-3,7" (the spec's execCPUAffinity.initial or .final) into
 * *set. Pure; errors like `invalid CPU list "3-1": range 3-1 is reversed`.
 * An empty list is an error here; callers treat it as "leave alone". */
int petrel_parse_cpu_list(const char *list, cpu_set_t *set, struct petrel_error **err);
/* sched_setaffinity to the CPUs of the list; NULL or "" changes nothing. */
int petrel_process_set_cpu_affinity(const char *cpus, struct petrel_error **err);
/* Arms the AppArmor profile / SELinux label for the next execve; a clear
 * error when requested and the kernel has no such LSM (both are checked
 * before either is written). Called after pivot_root: the checks read the
 * container's /proc (and /sys when mounted). */
/* Whether the kernel runs SELinux (selinuxfs registered, attr files live)
 * or AppArmor: petrel applies the labels where the LSM runs. */
bool petrel_selinux_enabled(void);
bool petrel_apparmor_enabled(void);
int petrel_process_set_lsm_labels(const struct oci_process *process, struct petrel_error **err);
/* setgroups(additionalGids), setresgid, setresuid. setgroups runs even with
 * no additionalGids, to clear the groups inherited from the runtime. With
 * setgroups_allowed false (a user namespace whose setgroups is "deny"),
 * additionalGids is an error (before anything changes) and setgroups is
 * skipped. user NULL means uid 0, gid 0. */
int petrel_process_set_user(const struct oci_user *user, bool setgroups_allowed,
			    struct petrel_error **err);
/* umask(user.umask), or 0022 when unset (as runc does). */
void petrel_process_set_umask(const struct oci_user *user);
/* chdir(cwd) inside the container, with the spec's error when missing. */
/* Opens cwd (O_PATH) resolved inside the current root without magic links;
 * the fd or -1 with the spec's error when it is missing. */
int petrel_process_open_cwd(const struct oci_process *process, struct petrel_error **err);
int petrel_process_chdir(const struct oci_process *process, struct petrel_error **err);
/* Finds args[0] in the PATH of process.env (its last PATH= entry, or the
 * default PATH) as execvp would, inside the current root; a name with a '/'
 * is used as is (`exec: "/x": stat /x: No such file or directory`). Checks
 * execute permission for the current ids, so call it after set_user. *path
 * is malloc'd. The error for a missing command is runc's:
 * `exec: "foo": executable file not found in $PATH`. */
int petrel_process_find_executable(const struct oci_process *process, char **path,
				   struct petrel_error **err);
/* Marks every fd from `first` on close-on-exec, so that only stdio and the
 * fds passed on (3 .. first-1) survive execve: close_range(), or fd by fd
 * through /proc/self/fd where it is missing or refused. */
int petrel_process_cloexec_from(unsigned first, struct petrel_error **err);
/* NULL-terminated environment for execve from process.env (borrowed strings;
 * free only the array, which also holds an added HOME). When env has no HOME,
 * HOME= is added from process.user.uid's entry in the container's
 * /etc/passwd, or "/" (as runc does). NULL when out of memory. */
char **petrel_process_environ(const struct oci_process *process);
/* The home directory of uid in a passwd(5) file, parsed here rather than
 * through NSS (which would load the image's libraries); malloc'd, NULL when
 * there is no entry, an empty home, or the file is not a regular file. */
char *petrel_passwd_home(const char *passwd, uid_t uid);

/* In a new process (init or exec): an empty signal mask, default
 * dispositions. */
int petrel_process_reset_signals(struct petrel_error **err);
/* Joins a new session keyring named name (the container's id), so the
 * container never shares petrel's; where keyrings are unavailable it goes
 * on, as runc does. */
int petrel_process_join_session_keyring(const char *name, struct petrel_error **err);

#endif
