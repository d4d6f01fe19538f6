// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of secret.h: the first line of a file as a secret (line ends, the longest line
 * that fits, refusals) and the check that others may not read the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secret.h"
#include "../lib/tap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* the buffer the tests read into: a secret of at most 7 bytes */
#define LEN 8

static bool write_file(const char *path, const char *content, size_t size, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	bool ok = fd >= 0 && write(fd, content, size) == (ssize_t)size;

	if (fd >= 0)
		close(fd);
	return ok && !chmod(path, mode);
}

static bool all_zero(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i])
			return false;
	return true;
}

static void test_read(const char *dir)
{
	static const struct {
		const char *name, *content;
		int ret;
		const char *want;
	} cases[] = {
		{ "the first line", "s3cr;t\nsecond\n", 0, "s3cr;t" },
		{ "CR LF", "pw\r\nsecond\n", 0, "pw" },
		{ "no line end", "pw", 0, "pw" },
		{ "a CR at the end of the file", "pw\r", 0, "pw" },
		{ "a CR inside the line is kept", "p\rw\n", 0, "p\rw" },
		{ "an empty file", "", 0, "" },
		{ "an empty first line", "\nsecond\n", 0, "" },
		{ "the longest that fits", "1234567\n", 0, "1234567" },
		{ "... with CR LF", "1234567\r\n", 0, "1234567" },
		{ "... at the end of the file", "1234567", 0, "1234567" },
		{ "one byte too long", "12345678\n", -EOVERFLOW, "" },
		{ "... at the end of the file", "12345678", -EOVERFLOW, "" },
		{ "... with CR LF", "12345678\r\n", -EOVERFLOW, "" },
		{ "much too long", "12345678901234567890123456789012345678901234567890\n",
		  -EOVERFLOW, "" },
	};
	char path[64], buf[LEN];

	snprintf(path, sizeof(path), "%s/secret", dir);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		if (!ASSERT_TRUE(write_file(path, cases[i].content, strlen(cases[i].content), 0600),
				 "read: write the file"))
			return;
		memset(buf, 'x', sizeof(buf));
		ASSERT_EQ(xlb_secret_read(path, buf, sizeof(buf)), cases[i].ret,
			  tname("read: %s: result", cases[i].name));
		if (cases[i].ret)
			ASSERT_TRUE(all_zero(buf, sizeof(buf)),
				    tname("read: %s: nothing left in the buffer", cases[i].name));
		else
			ASSERT_TRUE(!strcmp(buf, cases[i].want),
				    tname("read: %s: value", cases[i].name));
	}
	unlink(path);
	ASSERT_EQ(xlb_secret_read(path, buf, sizeof(buf)), -ENOENT, "read: a missing file");
	ASSERT_EQ(xlb_secret_read(dir, buf, sizeof(buf)), -EISDIR, "read: a directory");
}

static void test_mode(const char *dir)
{
	static const struct {
		mode_t mode;
		int ret;
	} cases[] = {
		{ 0600, 0 },	  { 0640, 0 },	    { 0660, 0 },      { 0604, -EPERM },
		{ 0602, -EPERM }, { 0601, -EPERM }, { 0644, -EPERM },
	};
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "%s/mode", dir);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int fd;

		if (!ASSERT_TRUE(write_file(path, "x\n", 2, cases[i].mode), "mode: write the file"))
			return;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (!ASSERT_TRUE(fd >= 0, "mode: open the file"))
			return;
		ASSERT_EQ(xlb_secret_mode_check(fd, &st), cases[i].ret,
			  tname("mode %04o: result", (unsigned int)cases[i].mode));
		ASSERT_EQ(st.st_mode & 07777, cases[i].mode,
			  tname("mode %04o: the mode to name", (unsigned int)cases[i].mode));
		close(fd);
	}
	unlink(path);
	ASSERT_TRUE(xlb_secret_mode_check(-1, &st) == -EBADF, "mode: a failed fstat is -errno");
}

int main(void)
{
	char dir[] = "/tmp/xlb-test-secret-XXXXXX";

	if (!ASSERT_TRUE(mkdtemp(dir), "a directory for the files"))
		return tap_done();
	test_read(dir);
	test_mode(dir);
	rmdir(dir);
	return tap_done();
}
