/* store_file.c: the SQLite state file made ready by the caller before the
 * store opens it (store_file_prepare, store.h). The file and the -wal and
 * -shm SQLite keeps beside it hold the bridge's private keys, so they are
 * mode 0600 whatever the umask. This is the only place in the store that
 * creates or chmods a file: the SQLite code (store_sqlite.c) only opens. */
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
