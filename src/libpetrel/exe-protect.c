/* Running from a sealed memfd copy of petrel. The copy holds only what the
 * kernel maps (the file up to the end of its last loadable segment, not the
 * debug sections after it), and its seals make it read-only for good: a
 * container that opens /proc/<pid>/exe gets this copy, which it cannot
 * write, and the binary on the host is out of its reach. A binary that is
 * immutable or on a read-only mount is safe as it is and is not copied. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/fs.h>

#include "cleanup.h"
#include "exe-protect.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define REQUIRED_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* The length of the file that execve() needs: through the end of the last
 * PT_LOAD segment. 0 when the headers cannot be read (copy it all). */
static off_t loaded_length(int fd)
{
	Elf64_Ehdr eh;
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    eh.e_phnum == 0 || eh.e_phnum > 64)
		return 0;
	Elf64_Phdr ph[64];
	size_t size = (size_t)eh.e_phnum * sizeof(Elf64_Phdr);
	if (pread(fd, ph, size, (off_t)eh.e_phoff) != (ssize_t)size)
		return 0;
	off_t end = (off_t)(eh.e_phoff + size);
	for (int i = 0; i < eh.e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && (off_t)(ph[i].p_offset + ph[i].p_filesz) > end)
			end = (off_t)(ph[i].p_offset + ph[i].p_filesz);
	return end;
}

int petrel_run_from_sealed_copy(char **argv, char **envp, struct petrel_error **err)
{
	cleanup_close int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (exe < 0)
		return petrel_error_errno(err, "open /proc/self/exe");
	int seals = fcntl(exe, F_GET_SEALS);
	if (seals >= 0 && (seals & REQUIRED_SEALS) == REQUIRED_SEALS)
		return 0;
	/* A binary nobody can write needs no copy: one on a read-only mount,
	 * or made immutable (`chattr +i`), which is what an installation that
	 * wants to save the copy's cost per container does. */
	struct statvfs vfs;
	int attrs = 0;
	if ((fstatvfs(exe, &vfs) == 0 && (vfs.f_flag & ST_RDONLY)) ||
	    (ioctl(exe, FS_IOC_GETFLAGS, &attrs) == 0 && (attrs & FS_IMMUTABLE_FL)))
		return 0;

	struct stat st;
	if (fstat(exe, &st) < 0)
		return petrel_error_errno(err, "stat /proc/self/exe");
	off_t length = loaded_length(exe);
	if (length <= 0 || length > st.st_size)
		length = st.st_size;
	cleanup_close int copy = memfd_create("petrel", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (copy < 0 && errno == EINVAL)
		copy = memfd_create("petrel", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (copy < 0 && errno == EACCES)
		/* vm.memfd_noexec=2 forbids executable memfds. */
		return petrel_error_errno(err,
					  "memfd_create for a sealed copy of petrel (make the "
					  "petrel binary immutable with `chattr +i`, or put it on "
					  "a read-only mount, to run without the copy)");
	if (copy < 0)
		return petrel_error_errno(err, "memfd_create");
	/* Sized first, so that the copy does not grow page by page. */
	if (ftruncate(copy, length) < 0)
		return petrel_error_errno(err, "size the sealed copy of petrel");
	off_t offset = 0;
	while (offset < length) {
		ssize_t n = sendfile(copy, exe, &offset, (size_t)(length - offset));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return petrel_error_errno(err, "copy petrel into a sealed memfd");
	}
	if (fcntl(copy, F_ADD_SEALS, REQUIRED_SEALS) < 0)
		return petrel_error_errno(err, "seal the copy of petrel");
	syscall(SYS_execveat, copy, "", argv, envp, AT_EMPTY_PATH);
	return petrel_error_errno(err, "execute the sealed copy of petrel");
}
