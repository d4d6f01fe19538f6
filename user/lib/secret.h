/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Secrets kept in files (passwords of xlbd's MySQL checks, appd's database password,
 * xlb-sqlproxy's config): reading one without leaving copies behind, and refusing a file
 * that others may read.
 */
#ifndef XLB_SECRET_H
#define XLB_SECRET_H

#include <stddef.h>
#include <sys/stat.h>

/*
 * The first line of the file open at fd, without its line end (LF or CR LF), into buf as a
 * string. read(2), not stdio, so no copy stays in a FILE's buffer, and what passed through
 * this function's own buffer is wiped. Returns 0; -EOVERFLOW when the line has len bytes or
 * more (it is refused, not cut); -errno when reading fails (-EISDIR for a directory). On
 * failure buf is all zero. An empty file or first line is an empty string: the caller says
 * whether that will do.
 */
int xlb_secret_read_fd(int fd, char *buf, size_t len);
/* The same for the file at path. */
int xlb_secret_read(const char *path, char *buf, size_t len);

/*
 * fstat(fd) into *st, then -EPERM when others (neither the owner nor the group) have any
 * access to the file: st->st_mode & 07777 shows the mode to name. 0 when they have none,
 * -errno when fstat fails (which it never does with EPERM). The file's type is not looked at: the
 * caller knows which types it takes.
 */
int xlb_secret_mode_check(int fd, struct stat *st);

#endif
