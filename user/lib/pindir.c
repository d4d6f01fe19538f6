// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE /* O_PATH */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <xlb/abi.h>

#include "pindir.h"

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512], *after_comm;
	pid_t ppid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	/* "pid (comm) state ppid ...": comm may hold spaces and parentheses */
	if (fgets(buf, sizeof(buf), f) && (after_comm = strrchr(buf, ')')))
		sscanf(after_comm + 1, " %*c %d", &ppid);
	fclose(f);
	return ppid;
}

static bool same_mount_ns(pid_t pid, const struct stat *mine)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", pid);
	return stat(path, &st) == 0 && st.st_ino == mine->st_ino && st.st_dev == mine->st_dev;
}

/*
 * The bpffs of the nearest ancestor in another mount namespace, as a path through a directory
 * fd this process keeps open (/proc/self/fd/N): unlike /proc/PID/root it stays valid when
 * that ancestor exits, as the shell that started a daemon may.
 */
static bool find_outer_bpffs(char *root, size_t len)
{
	char path[64];
	struct stat mine;
	int fd;

	if (stat("/proc/self/ns/mnt", &mine) < 0)
		return false;
	for (pid_t pid = getppid(); pid > 1; pid = parent_of(pid)) {
		if (same_mount_ns(pid, &mine))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/root%s", pid, XLB_PIN_ROOT);
		if (!is_bpffs(path))
			return false;
		fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return false;
		snprintf(root, len, "/proc/self/fd/%d", fd);
		return true;
	}
	return false;
}

/* Whether path lies under /sys/fs/bpf. */
static bool under_pin_root(const char *path)
{
	size_t n = strlen(XLB_PIN_ROOT);

	return !strncmp(path, XLB_PIN_ROOT, n) && path[n] == '/';
}

const char *xlb_pin_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("XLB_PIN_DIR");
	const char *want = env && *env ? env : XLB_PIN_DIR_DEFAULT;
	char root[256];

	if (*dir)
		return dir;
	if (under_pin_root(want) && !is_bpffs(XLB_PIN_ROOT) && find_outer_bpffs(root, sizeof(root)))
		snprintf(dir, sizeof(dir), "%s%s", root, want + strlen(XLB_PIN_ROOT));
	else
		snprintf(dir, sizeof(dir), "%s", want);
	return dir;
}

int xlb_bpffs_ensure(void)
{
	if (!under_pin_root(xlb_pin_dir()) || is_bpffs(XLB_PIN_ROOT))
		return 0;
	if (mount("bpf", XLB_PIN_ROOT, "bpf", 0, "mode=0700") < 0)
		return -errno;
	return 0;
}
