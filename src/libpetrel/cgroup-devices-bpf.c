/* cgroup v2 device control: the container's device rules compiled into a
 * BPF_PROG_TYPE_CGROUP_DEVICE program and attached to its cgroup in place
 * of the program attached there before. Assembled by hand (no libbpf). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "cleanup.h"
#include "log.h"

/* The registers the prologue fills from struct bpf_cgroup_dev_ctx. R1 holds
 * the context on entry and serves as scratch afterwards. */
#define R_CTX BPF_REG_1
#define R_TMP BPF_REG_1
#define R_TYPE BPF_REG_2
#define R_ACCESS BPF_REG_3
#define R_MAJOR BPF_REG_4
#define R_MINOR BPF_REG_5

#define ACCESS_ALL (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)

/* The longest rule: type, access (3), major (2), minor (2), verdict (2). */
#define RULE_MAX_INSNS 10
#define PROLOGUE_INSNS 6
#define EPILOGUE_INSNS 2

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	return (struct bpf_insn){
		.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}

static struct bpf_insn load_u32(uint8_t dst, int16_t off)
{
	return insn(BPF_LDX | BPF_W | BPF_MEM, dst, R_CTX, off, 0);
}

static struct bpf_insn alu32_imm(uint8_t op, uint8_t dst, int32_t imm)
{
	return insn(BPF_ALU | op | BPF_K, dst, 0, 0, imm);
}

static struct bpf_insn mov32_reg(uint8_t dst, uint8_t src)
{
	return insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0);
}

static struct bpf_insn jump_imm(uint8_t op, uint8_t dst, int32_t imm)
{
	return insn(BPF_JMP | op | BPF_K, dst, 0, 0, imm);
}

static struct bpf_insn jump_reg(uint8_t op, uint8_t dst, uint8_t src)
{
	return insn(BPF_JMP | op | BPF_X, dst, src, 0, 0);
}

static struct bpf_insn verdict(bool allow)
{
	return insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, allow ? 1 : 0);
}

static struct bpf_insn exit_insn(void)
{
	return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

static int access_bits(const char *access)
{
	int bits = 0;
	for (const char *p = access; *p; p++)
		bits |= *p == 'r'   ? BPF_DEVCG_ACC_READ
			: *p == 'w' ? BPF_DEVCG_ACC_WRITE
			: *p == 'm' ? BPF_DEVCG_ACC_MKNOD
				    : 0;
	return bits;
}

/* "if (reg != number) goto next rule". The immediate is sign-extended to
 * 64 bits and the registers hold zero-extended u32s, so numbers above
 * INT32_MAX go through a register. */
static size_t unless_equal(struct bpf_insn *block, size_t n, uint8_t reg, int64_t number)
{
	if (number <= INT32_MAX) {
		block[n++] = jump_imm(BPF_JNE, reg, (int32_t)number);
	} else {
		block[n++] = alu32_imm(BPF_MOV, R_TMP, (int32_t)(uint32_t)number);
		block[n++] = jump_reg(BPF_JNE, reg, R_TMP);
	}
	return n;
}

/* One rule as a block that returns its verdict when the request matches
 * and falls through to the next block otherwise. An allow rule matches a
 * request whose access it covers whole, a deny rule one it shares any access
 * with: "deny c 1:3 w" after "allow c 1:3 rw" leaves only reads, as the v1
 * devices controller would. Returns the block's length; *unconditional: it
 * matches every request (no later block can run). */
static size_t compile_rule(const struct petrel_device_rule *rule,
			   struct bpf_insn block[RULE_MAX_INSNS], bool *unconditional)
{
	int bits = access_bits(rule->access);
	size_t n = 0;

	if (rule->type == 'b' || rule->type == 'c')
		block[n++] = jump_imm(BPF_JNE, R_TYPE,
				      rule->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
	if (bits != ACCESS_ALL) {
		block[n++] = mov32_reg(R_TMP, R_ACCESS);
		if (rule->allow) {
			block[n++] = alu32_imm(BPF_AND, R_TMP, ACCESS_ALL & ~bits);
			block[n++] = jump_imm(BPF_JNE, R_TMP, 0);
		} else {
			block[n++] = alu32_imm(BPF_AND, R_TMP, bits);
			block[n++] = jump_imm(BPF_JEQ, R_TMP, 0);
		}
	}
	if (rule->major >= 0)
		n = unless_equal(block, n, R_MAJOR, rule->major);
	if (rule->minor >= 0)
		n = unless_equal(block, n, R_MINOR, rule->minor);
	*unconditional = n == 0;

	/* Every jump so far goes to the end of the block. */
	size_t len = n + 2;
	for (size_t i = 0; i < n; i++)
		if (BPF_CLASS(block[i].code) == BPF_JMP)
			block[i].off = (int16_t)(len - (i + 1));
	block[n++] = verdict(rule->allow);
	block[n++] = exit_insn();
	return n;
}

/* The last matching rule decides, so the rules are tested last to first
 * and the first match returns. No match denies. */
static int compile_rules(const struct petrel_device_rule *rules, size_t n_rules,
			 struct bpf_insn **out, size_t *out_len, struct petrel_error **err)
{
	cleanup_free struct bpf_insn *prog =
		calloc(PROLOGUE_INSNS + n_rules * RULE_MAX_INSNS + EPILOGUE_INSNS, sizeof(*prog));
	size_t len = 0;
	bool unconditional = false;

	if (prog == NULL)
		return petrel_error_errno(err, "devices: build eBPF program");

	for (size_t i = 0; i < n_rules; i++)
		if ((rules[i].type != 'a' && rules[i].type != 'b' && rules[i].type != 'c') ||
		    rules[i].major < -1 || rules[i].major > UINT32_MAX || rules[i].minor < -1 ||
		    rules[i].minor > UINT32_MAX)
			return petrel_error_set(err, EINVAL,
						"devices: rule %zu: invalid device rule", i);

	/* access_type is (access << 16) | type */
	prog[len++] = load_u32(R_TYPE, offsetof(struct bpf_cgroup_dev_ctx, access_type));
	prog[len++] = alu32_imm(BPF_AND, R_TYPE, 0xffff);
	prog[len++] = load_u32(R_ACCESS, offsetof(struct bpf_cgroup_dev_ctx, access_type));
	prog[len++] = alu32_imm(BPF_RSH, R_ACCESS, 16);
	prog[len++] = load_u32(R_MAJOR, offsetof(struct bpf_cgroup_dev_ctx, major));
	prog[len++] = load_u32(R_MINOR, offsetof(struct bpf_cgroup_dev_ctx, minor));

	/* Blocks after an unconditional one could never run, and the
	 * verifier refuses unreachable instructions. */
	for (size_t i = n_rules; i-- > 0 && !unconditional;)
		len += compile_rule(&rules[i], &prog[len], &unconditional);
	if (!unconditional) {
		prog[len++] = verdict(false);
		prog[len++] = exit_insn();
	}

	*out = steal_ptr(&prog);
	*out_len = len;
	return 0;
}

/* ---------------------------------------------------------------- syscalls */

static int bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static uint64_t ptr_u64(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static int prog_load(const struct bpf_insn *insns, size_t n, char *log, size_t log_size)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = ptr_u64(insns);
	attr.insn_cnt = (uint32_t)n;
	/* The program calls no helper, so the license does not matter to
	 * the kernel; this one allows any. */
	attr.license = ptr_u64("GPL");
	if (log) {
		attr.log_buf = ptr_u64(log);
		attr.log_size = (uint32_t)log_size;
		attr.log_level = 1;
	}
	snprintf(attr.prog_name, sizeof(attr.prog_name), "petrel_devices");
	return bpf(BPF_PROG_LOAD, &attr);
}

static int load_program(const struct bpf_insn *insns, size_t n, struct petrel_error **err)
{
	int fd = prog_load(insns, n, NULL, 0);

	/* Kernels before 5.11 charge programs to RLIMIT_MEMLOCK; lift it
	 * for the load only, so that the container does not inherit it. */
	if (fd < 0 && errno == EPERM) {
		struct rlimit old, unlimited = {RLIM_INFINITY, RLIM_INFINITY};
		if (getrlimit(RLIMIT_MEMLOCK, &old) == 0 &&
		    setrlimit(RLIMIT_MEMLOCK, &unlimited) == 0) {
			fd = prog_load(insns, n, NULL, 0);
			int saved = errno;
			setrlimit(RLIMIT_MEMLOCK, &old);
			errno = saved;
		}
		if (fd < 0)
			errno = EPERM;
	}
	if (fd >= 0)
		return fd;

	/* A program the verifier refused: load again for its log. */
	int saved = errno;
	if (saved == EINVAL || saved == EACCES) {
		cleanup_free char *log = calloc(1, 65536);
		if (log && prog_load(insns, n, log, 65536) < 0 && log[0]) {
			size_t len = strlen(log);
			while (len > 0 && log[len - 1] == '\n')
				log[--len] = '\0';
			const char *last = strrchr(log, '\n');
			return petrel_error_set(err, saved, "devices: load eBPF program (%s)",
						last ? last + 1 : log);
		}
	}
	return petrel_error_set(err, saved, "devices: load eBPF program");
}

/* The ids of the device programs attached to the cgroup itself (not those
 * inherited from its parents). */
static int attached_programs(int cgroup_fd, uint32_t **ids, uint32_t *n, struct petrel_error **err)
{
	uint32_t cap = 64;

	for (;;) {
		cleanup_free uint32_t *buf = calloc(cap, sizeof(*buf));
		union bpf_attr attr;

		if (buf == NULL)
			return petrel_error_errno(err, "devices: query attached eBPF programs");
		memset(&attr, 0, sizeof(attr));
		attr.query.target_fd = (uint32_t)cgroup_fd;
		attr.query.attach_type = BPF_CGROUP_DEVICE;
		attr.query.prog_ids = ptr_u64(buf);
		attr.query.prog_cnt = cap;
		if (bpf(BPF_PROG_QUERY, &attr) == 0) {
			*ids = steal_ptr(&buf);
			*n = attr.query.prog_cnt;
			return 0;
		}
		if (errno != ENOSPC || cap >= 65536)
			return petrel_error_errno(err, "devices: query attached eBPF programs");
		cap = attr.query.prog_cnt > cap ? attr.query.prog_cnt : cap * 2;
	}
}

/* An fd for an attached program, or -1 when it is gone or hidden from us
 * (an LSM policy on a program someone else attached): runc skips those
 * too, as another device program can only deny more. */
static int open_program(uint32_t id, struct petrel_error **err)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_id = id;
	int fd = bpf(BPF_PROG_GET_FD_BY_ID, &attr);
	if (fd >= 0)
		return fd;
	if (errno == ENOENT || errno == EPERM || errno == EACCES) {
		petrel_debug("devices: eBPF program %u attached to the cgroup: %s; left alone", id,
			     strerror(errno));
		return -1;
	}
	petrel_error_errno(err, "devices: open attached eBPF program %u", id);
	return -2;
}

static int prog_attach(int cgroup_fd, int prog_fd, int replace_fd)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cgroup_fd;
	attr.attach_bpf_fd = (uint32_t)prog_fd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	if (replace_fd >= 0) {
		attr.attach_flags |= BPF_F_REPLACE;
		attr.replace_bpf_fd = (uint32_t)replace_fd;
	}
	return bpf(BPF_PROG_ATTACH, &attr);
}

static int prog_detach(int cgroup_fd, int prog_fd)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cgroup_fd;
	attr.attach_bpf_fd = (uint32_t)prog_fd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	return bpf(BPF_PROG_DETACH, &attr);
}

static void close_all(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* Attaches the new program so that the cgroup is never without one: in
 * place of the single old one (BPF_F_REPLACE, kernel 5.6), else next to the
 * old ones, which are detached afterwards (both deny in between, which is
 * the safe side). */
static int replace_programs(int cgroup_fd, int prog_fd, int *old, size_t n_old,
			    struct petrel_error **err)
{
	if (n_old == 1) {
		if (prog_attach(cgroup_fd, prog_fd, old[0]) == 0)
			return 0;
		if (errno != EINVAL)
			return petrel_error_errno(err, "devices: replace eBPF program");
	}
	if (prog_attach(cgroup_fd, prog_fd, -1) < 0)
		return petrel_error_errno(err, "devices: attach eBPF program");
	for (size_t i = 0; i < n_old; i++)
		if (prog_detach(cgroup_fd, old[i]) < 0 && errno != ENOENT)
			return petrel_error_errno(err, "devices: detach the previous eBPF program");
	return 0;
}

int petrel_cgroup_devices_bpf_apply(int cgroup_fd, const struct petrel_device_rule *rules, size_t n,
				    struct petrel_error **err)
{
	cleanup_free struct bpf_insn *insns = NULL;
	cleanup_free uint32_t *ids = NULL;
	cleanup_free int *old = NULL;
	size_t n_insns = 0, n_old = 0;
	uint32_t n_ids = 0;

	if (compile_rules(rules, n, &insns, &n_insns, err) < 0)
		return -1;
	cleanup_close int prog_fd = load_program(insns, n_insns, err);
	if (prog_fd < 0)
		return -1;

	if (attached_programs(cgroup_fd, &ids, &n_ids, err) < 0)
		return -1;
	old = calloc(n_ids ? n_ids : 1, sizeof(*old));
	if (old == NULL)
		return petrel_error_errno(err, "devices: attached eBPF programs");
	for (uint32_t i = 0; i < n_ids; i++) {
		int fd = open_program(ids[i], err);
		if (fd == -2) {
			close_all(old, n_old);
			return -1;
		}
		if (fd >= 0)
			old[n_old++] = fd;
	}

	int r = replace_programs(cgroup_fd, prog_fd, old, n_old, err);
	close_all(old, n_old);
	return r;
}
