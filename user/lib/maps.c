// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xlb/abi.h>

#include "maps.h"

/* Every map: its field in struct xlb_maps, its pin name, its key and value sizes. */
#define MAP_FIELDS(X)                                                  \
	X(vip4, XLB_MAP_VIP4, struct xlb_vip4_key, __u32)              \
	X(vip6, XLB_MAP_VIP6, struct xlb_vip6_key, __u32)              \
	X(vips, XLB_MAP_VIPS, __u32, struct xlb_vip)                   \
	X(rings, XLB_MAP_RINGS, __u32, struct xlb_ring)                \
	X(cursor, XLB_MAP_CURSOR, __u32, __u64)                        \
	X(backends, XLB_MAP_BACKENDS, __u32, struct xlb_backend)       \
	X(flow4, XLB_MAP_FLOW4, struct xlb_flow4_key, struct xlb_flow) \
	X(flow6, XLB_MAP_FLOW6, struct xlb_flow6_key, struct xlb_flow) \
	X(tx_ports, XLB_MAP_TX_PORTS, __u32, __u32)                    \
	X(vip_stats, XLB_MAP_VIP_STATS, __u32, struct xlb_stats)       \
	X(be_stats, XLB_MAP_BE_STATS, __u32, struct xlb_stats)         \
	X(verdicts, XLB_MAP_VERDICTS, __u32, __u64)

/* A pinned map is used with this build's struct layouts: one of another layout (pinned by
 * another version of xlb) would be read into buffers of the wrong size. */
static int check_layout(int fd, size_t key_size, size_t value_size)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	return info.key_size == key_size && info.value_size == value_size ? 0 : -EPROTO;
}

/* Array entries are laid out every round_up(value_size, 8) bytes in the mapping. */
#define ARRAY_STRIDE(type) ((sizeof(type) + 7) & ~(size_t)7)
#define VIPS_MEM_SIZE (ARRAY_STRIDE(struct xlb_vip) * XLB_MAX_VIPS)
#define BACKENDS_MEM_SIZE (ARRAY_STRIDE(struct xlb_backend) * XLB_MAX_BACKENDS)

static const void *map_memory(int fd, size_t size)
{
	void *mem = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);

	return mem == MAP_FAILED ? NULL : mem;
}

static void map_arrays(struct xlb_maps *m)
{
	m->vips_mem = map_memory(m->vips, VIPS_MEM_SIZE);
	m->backends_mem = map_memory(m->backends, BACKENDS_MEM_SIZE);
}

const struct xlb_vip *xlb_maps_vip_mem(const struct xlb_maps *m, __u32 id)
{
	if (!m->vips_mem || id >= XLB_MAX_VIPS)
		return NULL;
	return (const void *)((const char *)m->vips_mem + id * ARRAY_STRIDE(struct xlb_vip));
}

const struct xlb_backend *xlb_maps_backend_mem(const struct xlb_maps *m, __u32 slot)
{
	if (!m->backends_mem || slot >= XLB_MAX_BACKENDS)
		return NULL;
	return (const void *)((const char *)m->backends_mem +
			      slot * ARRAY_STRIDE(struct xlb_backend));
}

static void maps_reset(struct xlb_maps *m)
{
#define X(field, name, key, value) m->field = -1;
	MAP_FIELDS(X)
#undef X
	m->lock_fd = -1;
	m->vips_mem = m->backends_mem = NULL;
}

int xlb_maps_open_pinned(struct xlb_maps *m, const char *pin_dir)
{
	char path[PATH_MAX];
	int err;

	maps_reset(m);
	m->lock_fd = open(pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m->lock_fd < 0)
		return errno == ENOTDIR ? -ENOENT : -errno;
#define X(field, name, key, value)                                                        \
	snprintf(path, sizeof(path), "%s/%s", pin_dir, name);                             \
	m->field = bpf_obj_get(path);                                                     \
	err = m->field < 0 ? -errno : check_layout(m->field, sizeof(key), sizeof(value)); \
	if (err)                                                                          \
		goto fail;
	MAP_FIELDS(X)
#undef X
	map_arrays(m);
	return 0;
fail:
	xlb_maps_close(m);
	return err;
}

int xlb_maps_from_object(struct xlb_maps *m, struct bpf_object *obj)
{
	struct bpf_map *map;

	maps_reset(m);
#define X(field, name, key, value)                            \
	map = bpf_object__find_map_by_name(obj, name);        \
	if (!map || (m->field = dup(bpf_map__fd(map))) < 0) { \
		xlb_maps_close(m);                            \
		return -ENOENT;                               \
	}
	MAP_FIELDS(X)
#undef X
	map_arrays(m);
	return 0;
}

void xlb_maps_close(struct xlb_maps *m)
{
#define X(field, name, key, value) \
	if (m->field >= 0)         \
		close(m->field);   \
	m->field = -1;
	MAP_FIELDS(X)
#undef X
	if (m->lock_fd >= 0)
		close(m->lock_fd);
	m->lock_fd = -1;
	if (m->vips_mem)
		munmap((void *)m->vips_mem, VIPS_MEM_SIZE);
	if (m->backends_mem)
		munmap((void *)m->backends_mem, BACKENDS_MEM_SIZE);
	m->vips_mem = m->backends_mem = NULL;
}

static __u32 map_id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) ? info.id : 0;
}

bool xlb_maps_replaced(const struct xlb_maps *m, const char *pin_dir)
{
	char path[PATH_MAX];
	int fd;
	bool replaced;

	snprintf(path, sizeof(path), "%s/%s", pin_dir, XLB_MAP_VIPS);
	fd = bpf_obj_get(path);
	replaced = map_id(fd) != map_id(m->vips);
	if (fd >= 0)
		close(fd);
	return replaced;
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
