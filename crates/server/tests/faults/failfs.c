/*
 * failfs: a storage fault injector for the server's fault tests, loaded
 * into the real server binary with LD_PRELOAD.
 *
 * The OS can make a filesystem full for real (a small tmpfs), but it cannot
 * make a disk fail or a mounted filesystem turn read-only under a process
 * on demand. This library stands between the process and libc for the
 * calls that touch files, and for files under FAILFS_PREFIX only:
 *
 *   FAILFS_CONTROL/eio    exists: reads, writes and syncs fail with EIO,
 *                         as on a dying disk;
 *   FAILFS_CONTROL/erofs  exists: writes, syncs, truncation and opening
 *                         for writing fail with EROFS, as on a filesystem
 *                         the kernel remounted read-only after an error.
 *
 * Neither file: every call goes straight through. Sockets, pipes and files
 * elsewhere are never touched.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

enum fault { NONE = 0, FAIL_EIO = EIO, FAIL_EROFS = EROFS };

static const char *prefix;
static size_t prefix_len;
static char eio_path[PATH_MAX];
static char erofs_path[PATH_MAX];

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_pread)(int, void *, size_t, off_t);
static ssize_t (*real_pread64)(int, void *, size_t, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_ftruncate)(int, off_t);
static int (*real_ftruncate64)(int, off_t);
static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_openat64)(int, const char *, int, ...);

__attribute__((constructor)) static void failfs_init(void) {
    real_write = dlsym(RTLD_NEXT, "write");
    real_pwrite = dlsym(RTLD_NEXT, "pwrite");
    real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
    real_writev = dlsym(RTLD_NEXT, "writev");
    real_read = dlsym(RTLD_NEXT, "read");
    real_pread = dlsym(RTLD_NEXT, "pread");
    real_pread64 = dlsym(RTLD_NEXT, "pread64");
    real_fsync = dlsym(RTLD_NEXT, "fsync");
    real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
    real_ftruncate = dlsym(RTLD_NEXT, "ftruncate");
    real_ftruncate64 = dlsym(RTLD_NEXT, "ftruncate64");
    real_open = dlsym(RTLD_NEXT, "open");
    real_open64 = dlsym(RTLD_NEXT, "open64");
    real_openat = dlsym(RTLD_NEXT, "openat");
    real_openat64 = dlsym(RTLD_NEXT, "openat64");
    prefix = getenv("FAILFS_PREFIX");
    const char *control = getenv("FAILFS_CONTROL");
    if (prefix && control) {
        prefix_len = strlen(prefix);
        snprintf(eio_path, sizeof eio_path, "%s/eio", control);
        snprintf(erofs_path, sizeof erofs_path, "%s/erofs", control);
    } else {
        prefix = NULL;
    }
}

/* The fault in force now (checked on every call, so a test switches it
 * on and off while the server runs). */
static enum fault current(void) {
    if (access(eio_path, F_OK) == 0) return FAIL_EIO;
    if (access(erofs_path, F_OK) == 0) return FAIL_EROFS;
    return NONE;
}

static int under_prefix(const char *path) {
    return path && strncmp(path, prefix, prefix_len) == 0;
}

/* The fault for a call on fd: only regular files under the prefix. */
static enum fault fd_fault(int fd) {
    if (!prefix) return NONE;
    enum fault f = current();
    if (f == NONE) return NONE;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return NONE;
    char link[64], target[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0) return NONE;
    target[n] = 0;
    return under_prefix(target) ? f : NONE;
}

#define FAIL_WRITE(fd)                    \
    do {                                  \
        enum fault f_ = fd_fault(fd);     \
        if (f_ != NONE) {                 \
            errno = (int)f_;              \
            return -1;                    \
        }                                 \
    } while (0)

#define FAIL_READ(fd)                     \
    do {                                  \
        if (fd_fault(fd) == FAIL_EIO) {   \
            errno = EIO;                  \
            return -1;                    \
        }                                 \
    } while (0)

ssize_t write(int fd, const void *buf, size_t n) { FAIL_WRITE(fd); return real_write(fd, buf, n); }
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) { FAIL_WRITE(fd); return real_pwrite(fd, buf, n, off); }
ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) { FAIL_WRITE(fd); return real_pwrite64(fd, buf, n, off); }
ssize_t writev(int fd, const struct iovec *iov, int cnt) { FAIL_WRITE(fd); return real_writev(fd, iov, cnt); }
ssize_t read(int fd, void *buf, size_t n) { FAIL_READ(fd); return real_read(fd, buf, n); }
ssize_t pread(int fd, void *buf, size_t n, off_t off) { FAIL_READ(fd); return real_pread(fd, buf, n, off); }
ssize_t pread64(int fd, void *buf, size_t n, off_t off) { FAIL_READ(fd); return real_pread64(fd, buf, n, off); }
int fsync(int fd) { FAIL_WRITE(fd); return real_fsync(fd); }
int fdatasync(int fd) { FAIL_WRITE(fd); return real_fdatasync(fd); }
int ftruncate(int fd, off_t len) { FAIL_WRITE(fd); return real_ftruncate(fd, len); }
int ftruncate64(int fd, off_t len) { FAIL_WRITE(fd); return real_ftruncate64(fd, len); }

/* Opening for writing on a read-only filesystem fails. */
static int open_refused(const char *path, int flags) {
    if (!prefix || !(flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC))) return 0;
    if (!under_prefix(path) || current() != FAIL_EROFS) return 0;
    errno = EROFS;
    return 1;
}

#define MODE_ARG(flags, mode)                         \
    mode_t mode = 0;                                  \
    if ((flags) & (O_CREAT | O_TMPFILE)) {            \
        va_list ap;                                   \
        va_start(ap, flags);                          \
        mode = (mode_t)va_arg(ap, int);               \
        va_end(ap);                                   \
    }

int open(const char *path, int flags, ...) {
    MODE_ARG(flags, mode);
    if (open_refused(path, flags)) return -1;
    return real_open(path, flags, mode);
}
int open64(const char *path, int flags, ...) {
    MODE_ARG(flags, mode);
    if (open_refused(path, flags)) return -1;
    return real_open64(path, flags, mode);
}
int openat(int dir, const char *path, int flags, ...) {
    MODE_ARG(flags, mode);
    if (open_refused(path, flags)) return -1;
    return real_openat(dir, path, flags, mode);
}
int openat64(int dir, const char *path, int flags, ...) {
    MODE_ARG(flags, mode);
    if (open_refused(path, flags)) return -1;
    return real_openat64(dir, path, flags, mode);
}
