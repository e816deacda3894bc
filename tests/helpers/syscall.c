/* syscall: makes one raw system call and says what came back, for the
 * seccomp tests. Linked statically: it runs inside the busybox rootfs.
 *
 *   syscall [--thread] [--trap] [--i386] NAME|NUMBER [ARG...]
 *
 * Up to six arguments: integers, decimal (optionally negative) or 0x hex,
 * with the full 64 bits, or absolute paths (passed as pointers to the
 * string). Prints `ret=<r> errno=<e>` (errno 0 unless ret is -1) and
 * exits 0. --thread makes the call in a second thread and then prints
 * `thread killed` when that thread died in the call, and `process alive` from
 * the main thread. --trap first installs a SIGSYS handler, which prints
 * `sigsys syscall=<nr> data=<SECCOMP_RET_DATA>` when the filter traps.
 * --i386 (x86_64 only) makes the call through int 0x80, as a 32-bit x86
 * program would (NUMBER is then an i386 one; five arguments, 32 bits each).
 * A filter that kills the process leaves nothing printed after the call. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* clang-format off */
#define SC(name) {#name, SYS_##name}
/* clang-format on */

/* The system calls the tests name; anything else is given by number. */
static const struct {
	const char *name;
	long nr;
} syscalls[] = {
	SC(read),        SC(write),       SC(close),        SC(getpid),       SC(getppid),
	SC(getuid),      SC(getgid),      SC(gettid),       SC(getpgid),      SC(getpriority),
	SC(setpriority), SC(getcwd),      SC(chdir),        SC(mkdirat),      SC(unlinkat),
	SC(uname),       SC(sethostname), SC(personality),  SC(prctl),        SC(kill),
	SC(tgkill),      SC(clone),       SC(clone3),       SC(unshare),      SC(setns),
	SC(mount),       SC(umount2),     SC(pivot_root),   SC(chroot),       SC(keyctl),
	SC(add_key),     SC(request_key), SC(ptrace),       SC(bpf),          SC(reboot),
	SC(socket),      SC(dup),         SC(getrandom),    SC(memfd_create), SC(openat2),
	SC(close_range), SC(faccessat2),  SC(epoll_pwait2),
#ifdef SYS_mkdir
	SC(mkdir),
#endif
#ifdef SYS_rmdir
	SC(rmdir),
#endif
#ifdef SYS_getpgrp
	SC(getpgrp),
#endif
#ifdef SYS_futex_waitv
	SC(futex_waitv),
#endif
};

struct call {
	bool i386;
	long nr;
	unsigned long long args[6];
	long ret;
	int err;
	volatile bool done;
};

static volatile sig_atomic_t sigsys_nr = -1;
static volatile sig_atomic_t sigsys_data;

static int usage(void)
{
	fprintf(stderr,
		"usage: syscall [--thread] [--trap] [--i386] NAME|NUMBER [ARG...] (up to 6)\n");
	return 2;
}

/* Decimal (a leading '-' wraps around, as the kernel sees it) or 0x hex;
 * all 64 bits. */
static bool parse_number(const char *s, unsigned long long *out)
{
	bool negative = *s == '-';
	const char *p = negative ? s + 1 : s;
	int base = 10;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (*p == '\0' || *p == '-' || *p == '+')
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(p, &end, base);
	if (errno != 0 || *end != '\0')
		return false;
	*out = negative ? -v : v;
	return true;
}

static bool lookup(const char *s, long *nr)
{
	for (size_t i = 0; i < sizeof(syscalls) / sizeof(syscalls[0]); i++) {
		if (strcmp(syscalls[i].name, s) == 0) {
			*nr = syscalls[i].nr;
			return true;
		}
	}
	unsigned long long v;
	if (!parse_number(s, &v) || v > 0x7fffffffULL)
		return false;
	*nr = (long)v;
	return true;
}

#ifdef __x86_64__
/* The 32-bit entry point from a 64-bit process: the kernel (and the seccomp
 * filter) sees AUDIT_ARCH_I386 and the i386 numbers. */
static long call_i386(long nr, const unsigned long long *a)
{
	unsigned int ret = (unsigned int)nr;
	__asm__ volatile("int $0x80"
			 : "+a"(ret)
			 : "b"((unsigned int)a[0]), "c"((unsigned int)a[1]),
			   "d"((unsigned int)a[2]), "S"((unsigned int)a[3]), "D"((unsigned int)a[4])
			 : "memory", "r8", "r9", "r10", "r11");
	return (int)ret;
}
#endif

static void make_call(struct call *c)
{
	errno = 0;
	if (c->i386) {
#ifdef __x86_64__
		c->ret = call_i386(c->nr, c->args);
		if (c->ret < 0 && c->ret >= -4095) {
			errno = (int)-c->ret;
			c->ret = -1;
		}
#endif
	} else {
		c->ret = syscall(c->nr, c->args[0], c->args[1], c->args[2], c->args[3], c->args[4],
				 c->args[5]);
	}
	c->err = c->ret == -1 ? errno : 0;
	c->done = true;
}

static void *thread_main(void *arg)
{
	make_call(arg);
	return NULL;
}

static void on_sigsys(int sig, siginfo_t *info, void *ucontext)
{
	sigsys_nr = info->si_syscall;
	sigsys_data = info->si_errno;
}

int main(int argc, char **argv)
{
	bool in_thread = false, trap = false, i386 = false;
	int i = 1;
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--thread") == 0)
			in_thread = true;
		else if (strcmp(argv[i], "--trap") == 0)
			trap = true;
		else if (strcmp(argv[i], "--i386") == 0)
			i386 = true;
		else
			return usage();
	}
	if (i >= argc || argc - i - 1 > 6)
		return usage();

#ifndef __x86_64__
	if (i386) {
		fprintf(stderr, "syscall: --i386 needs an x86_64 build\n");
		return 2;
	}
#endif
	struct call c = {.i386 = i386};
	if (!lookup(argv[i], &c.nr)) {
		fprintf(stderr, "syscall: unknown system call \"%s\"\n", argv[i]);
		return 2;
	}
	for (int a = 0; i + 1 + a < argc; a++) {
		const char *arg = argv[i + 1 + a];
		if (arg[0] == '/') {
			c.args[a] = (unsigned long long)(uintptr_t)arg;
		} else if (!parse_number(arg, &c.args[a])) {
			fprintf(stderr, "syscall: bad argument \"%s\"\n", arg);
			return 2;
		}
	}
	if (trap) {
		struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGSYS, &sa, NULL) < 0) {
			perror("syscall: sigaction");
			return 1;
		}
	}
	/* Whatever happens in the call, each line is out once it is complete. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (in_thread) {
		pthread_t t;
		int e = pthread_create(&t, NULL, thread_main, &c);
		if (e != 0) {
			fprintf(stderr, "syscall: pthread_create: %s\n", strerror(e));
			return 1;
		}
		/* A thread killed by seccomp still clears its tid, so this returns. */
		e = pthread_join(t, NULL);
		if (e != 0) {
			fprintf(stderr, "syscall: pthread_join: %s\n", strerror(e));
			return 1;
		}
	} else {
		make_call(&c);
	}

	if (sigsys_nr != -1)
		printf("sigsys syscall=%d data=%d\n", (int)sigsys_nr, (int)sigsys_data);
	if (c.done)
		printf("ret=%ld errno=%d\n", c.ret, c.err);
	else
		printf("thread killed\n");
	if (in_thread)
		printf("process alive\n");
	return 0;
}
