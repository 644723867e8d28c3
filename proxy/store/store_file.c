/* store_file.c: the SQLite state file made ready by the caller before the
 * store opens it (store_file_prepare, store.h), and the server's lock on it
 * (store_file_lock). The file and the -wal and -shm SQLite keeps beside it
 * hold the bridge's private keys, so they are mode 0600 whatever the umask.
 * This is the only place in the store that creates or chmods a file: the
 * SQLite code (store_sqlite.c) only opens. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

#define STATE_MODE 0600

static void
seterr(char *err, size_t errlen, const char *what, const char *why)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: %s", what, why);
}

/* Create path when missing; an existing one is tightened to STATE_MODE
 * (a file of an older install or copied in with a looser mode). */
static int
prepare_main(const char *path, char *err, size_t errlen)
{
	struct stat sb;
	int fd, rc = -1;

	fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC | O_NOCTTY, STATE_MODE);
	if (fd == -1) {
		seterr(err, errlen, path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1)
		seterr(err, errlen, path, strerror(errno));
	else if (!S_ISREG(sb.st_mode))
		seterr(err, errlen, path, "not a regular file");
	/* fchmod on what was opened: the mode the umask let open() give
	 * is not trusted */
	else if ((sb.st_mode & 0777) != STATE_MODE &&
	    fchmod(fd, STATE_MODE) == -1)
		seterr(err, errlen, path, strerror(errno));
	else
		rc = 0;
	close(fd);
	return rc;
}

/* The -wal and -shm of an earlier run. SQLite names them after the file
 * the path resolves to (a symbolic link's target), and gives those it
 * creates the database file's mode. */
static int
prepare_beside(const char *path, char *err, size_t errlen)
{
	static const char *const sfx[] = { "-wal", "-shm" };
	char real[PATH_MAX], buf[PATH_MAX + 8];
	size_t i;
	int n;

	if (realpath(path, real) == NULL) {
		seterr(err, errlen, path, strerror(errno));
		return -1;
	}
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		n = snprintf(buf, sizeof(buf), "%s%s", real, sfx[i]);
		if (n < 0 || (size_t)n >= sizeof(buf)) {
			seterr(err, errlen, path, "path too long");
			return -1;
		}
		if (chmod(buf, STATE_MODE) == -1 && errno != ENOENT) {
			seterr(err, errlen, buf, strerror(errno));
			return -1;
		}
	}
	return 0;
}

int
store_file_prepare(const char *path, char *err, size_t errlen)
{
	if (path == NULL) {
		seterr(err, errlen, "state file", "no path");
		return -1;
	}
	/* SQLite's names for a database without a file */
	if (path[0] == '\0' || strcmp(path, ":memory:") == 0)
		return 0;
	if (prepare_main(path, err, errlen) == -1)
		return -1;
	return prepare_beside(path, err, errlen);
}

/* --- the server's lock (issue 8 item 8) ----------------------------------
 * A sibling file PATH.lock, not the database: SQLite holds POSIX locks on
 * the database itself, and a process drops every POSIX lock it has on a
 * file when it closes any descriptor of it. PATH is resolved first, so two
 * spellings of one file (a symbolic link, a relative path) share a lock. */

/* The pid of the lock's holder: the kernel's answer (F_GETLK), else the one
 * the holder wrote into the file (another pid namespace sees 0); 0 when
 * neither is known. */
static long
lock_holder(int fd)
{
	struct flock fl;
	char buf[32];
	ssize_t n;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK &&
	    fl.l_pid > 0)
		return (long)fl.l_pid;
	if ((n = pread(fd, buf, sizeof(buf) - 1, 0)) <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

/* Take the lock on fd (open on lock) and write our pid into it. */
static int
lock_take(int fd, const char *path, const char *lock, char *err, size_t errlen)
{
	struct flock fl;
	char pid[32];
	int n, written;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLK, &fl) == -1) {
		if (errno == EACCES || errno == EAGAIN)
			snprintf(err, errlen,
			    "state file %s is in use by another acme-bridge "
			    "(pid %ld; lock file %s): one server per state "
			    "file",
			    path, lock_holder(fd), lock);
		else
			seterr(err, errlen, lock, strerror(errno));
		return -1;
	}
	/* the pid is for the message above only (a failed write leaves
	 * F_GETLK to tell it): the lock is what counts */
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	written = ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)n, 0) == n;
	(void)written;
	return 0;
}

int
store_file_lock(const char *path, int *fd, char *err, size_t errlen)
{
	char real[PATH_MAX], lock[PATH_MAX + 8];
	int n;

	*fd = -1;
	if (path == NULL || path[0] == '\0' || strcmp(path, ":memory:") == 0)
		return 0;
	if (realpath(path, real) == NULL) {
		seterr(err, errlen, path, strerror(errno));
		return -1;
	}
	n = snprintf(lock, sizeof(lock), "%s.lock", real);
	if (n < 0 || (size_t)n >= sizeof(lock)) {
		seterr(err, errlen, path, "path too long");
		return -1;
	}
	/* close-on-exec: a dns-01 hook must not keep the file open */
	*fd = open(lock, O_CREAT | O_RDWR | O_CLOEXEC | O_NOCTTY, STATE_MODE);
	if (*fd == -1) {
		seterr(err, errlen, lock, strerror(errno));
		return -1;
	}
	if (lock_take(*fd, path, lock, err, errlen) == -1) {
		close(*fd);
		*fd = -1;
		return -1;
	}
	return 0;
}

void
store_file_unlock(int fd)
{
	/* the file stays: removing it would let a third process lock a new
	 * file while a second still waits on the old one */
	if (fd >= 0)
		close(fd);
}
