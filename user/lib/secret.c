// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "secret.h"

int xlb_secret_read_fd(int fd, char *buf, size_t len)
{
	char chunk[256];
	/* n: the bytes of the line seen so far, of which the first len are kept in buf */
	size_t n = 0;
	bool eol = false, cr = false;
	int err = 0;

	explicit_bzero(buf, len);
	/* a line that is len + 1 bytes without its CR is too long whatever follows: stop there */
	while (!eol && n <= len + 1) {
		ssize_t r = read(fd, chunk, sizeof(chunk));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			break;
		}
		if (r == 0)
			break;
		for (ssize_t i = 0; i < r; i++) {
			if (chunk[i] == '\n') {
				eol = true;
				break;
			}
			if (n < len)
				buf[n] = chunk[i];
			cr = chunk[i] == '\r';
			n++;
		}
	}
	explicit_bzero(chunk, sizeof(chunk));
	if (cr)
		n--;
	if (!err && n >= len)
		err = -EOVERFLOW;
	if (err)
		explicit_bzero(buf, len);
	else
		buf[n] = '\0';
	return err;
}

int xlb_secret_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0) {
		err = -errno;
		explicit_bzero(buf, len);
		return err;
	}
	err = xlb_secret_read_fd(fd, buf, len);
	close(fd);
	return err;
}

int xlb_secret_mode_check(int fd, struct stat *st)
{
	if (fstat(fd, st) < 0)
		return -errno;
	return st->st_mode & S_IRWXO ? -EPERM : 0;
}
