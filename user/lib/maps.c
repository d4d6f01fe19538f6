// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xlb/abi.h>

#include "maps.h"

#define MAP_FIELDS(X)                                                                         \
	X(vip4, XLB_MAP_VIP4)                                                                 \
	X(vip6, XLB_MAP_VIP6)                                                                 \
	X(vips, XLB_MAP_VIPS) X(rings, XLB_MAP_RINGS) X(cursor, XLB_MAP_CURSOR)               \
		X(backends, XLB_MAP_BACKENDS) X(flow4, XLB_MAP_FLOW4) X(flow6, XLB_MAP_FLOW6) \
			X(tx_ports, XLB_MAP_TX_PORTS) X(vip_stats, XLB_MAP_VIP_STATS)         \
				X(be_stats, XLB_MAP_BE_STATS) X(verdicts, XLB_MAP_VERDICTS)

static void maps_reset(struct xlb_maps *m)
{
#define X(field, name) m->field = -1;
	MAP_FIELDS(X)
#undef X
	m->lock_fd = -1;
}

int xlb_maps_open_pinned(struct xlb_maps *m, const char *pin_dir)
{
	char path[PATH_MAX];
	int err;

	maps_reset(m);
	m->lock_fd = open(pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m->lock_fd < 0)
		return errno == ENOTDIR ? -ENOENT : -errno;
#define X(field, name)                                        \
	snprintf(path, sizeof(path), "%s/%s", pin_dir, name); \
	m->field = bpf_obj_get(path);                         \
	if (m->field < 0) {                                   \
		err = -errno;                                 \
		goto fail;                                    \
	}
	MAP_FIELDS(X)
#undef X
	return 0;
fail:
	xlb_maps_close(m);
	return err;
}

int xlb_maps_from_object(struct xlb_maps *m, struct bpf_object *obj)
{
	struct bpf_map *map;

	maps_reset(m);
#define X(field, name)                                        \
	map = bpf_object__find_map_by_name(obj, name);        \
	if (!map || (m->field = dup(bpf_map__fd(map))) < 0) { \
		xlb_maps_close(m);                            \
		return -ENOENT;                               \
	}
	MAP_FIELDS(X)
#undef X
	return 0;
}

void xlb_maps_close(struct xlb_maps *m)
{
#define X(field, name)           \
	if (m->field >= 0)       \
		close(m->field); \
	m->field = -1;
	MAP_FIELDS(X)
#undef X
	if (m->lock_fd >= 0)
		close(m->lock_fd);
	m->lock_fd = -1;
}

int xlb_maps_lock(struct xlb_maps *m)
{
	if (m->lock_fd >= 0 && flock(m->lock_fd, LOCK_EX) < 0)
		return -errno;
	return 0;
}

void xlb_maps_unlock(struct xlb_maps *m)
{
	if (m->lock_fd >= 0)
		flock(m->lock_fd, LOCK_UN);
}

int xlb_ncpus(void)
{
	static int n;

	if (!n)
		n = libbpf_num_possible_cpus();
	return n;
}
