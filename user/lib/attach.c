// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xlb/abi.h>

#include "attach.h"
#include "maps.h"
#include "pindir.h"
#include "xlb.skel.h"

/* The program's name in the object, and so in `xdp-loader status` and bpftool. */
#define XLB_PROG_NAME "xlb"

__u32 xlb_pinned_flows(void)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", xlb_pin_dir(), XLB_MAP_FLOW4);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.max_entries = 0;
	close(fd);
	return info.max_entries;
}

/* xlb's program among those libxdp sees on ifindex, or NULL. */
static struct xdp_program *find_xlb(struct xdp_multiprog *mp)
{
	struct xdp_program *p;

	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		return p && !strcmp(xdp_program__name(p), XLB_PROG_NAME) ? p : NULL;
	}
	for (p = xdp_multiprog__next_prog(NULL, mp); p; p = xdp_multiprog__next_prog(p, mp))
		if (!strcmp(xdp_program__name(p), XLB_PROG_NAME))
			return p;
	return NULL;
}

enum xdp_attach_mode xlb_attached_mode(int ifindex, __u32 *prog_id)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	enum xdp_attach_mode mode = XDP_MODE_UNSPEC;
	struct xdp_program *p;

	if (libxdp_get_error(mp))
		return XDP_MODE_UNSPEC;
	p = find_xlb(mp);
	if (p) {
		mode = xdp_multiprog__attach_mode(mp);
		if (prog_id)
			*prog_id = xdp_program__id(p);
	}
	xdp_multiprog__close(mp);
	return mode;
}

/*
 * The kernel flags every devmap BPF_F_RDONLY_PROG itself but refuses the flag at creation,
 * so libbpf 1.1 finds the pinned devmap "incompatible" with its definition and fails the
 * load. Hand libbpf the pinned map explicitly; it skips the comparison for reused fds.
 */
static int reuse_pinned_devmap(struct bpf_object *obj)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, XLB_MAP_TX_PORTS);
	char path[PATH_MAX];
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", xlb_pin_dir(), XLB_MAP_TX_PORTS);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	err = map ? bpf_map__reuse_fd(map, fd) : -ENOENT;
	close(fd);
	return err;
}

/*
 * xlb's object, opened (not loaded) with its maps to be pinned in, or taken from, the pin
 * dir: the one built into this binary, or obj_path. flows: the flow tables' size.
 */
static struct bpf_object *open_object(const char *obj_path, __u32 flows, int *err)
{
	DECLARE_LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = xlb_pin_dir());
	struct bpf_object *obj;
	const void *elf;
	size_t size;

	if (obj_path) {
		obj = bpf_object__open_file(obj_path, &opts);
	} else {
		elf = xlb_bpf__elf_bytes(&size);
		obj = bpf_object__open_mem(elf, size, &opts);
	}
	*err = libbpf_get_error(obj);
	if (*err)
		return NULL;
	for (const char *const *name = (const char *const[]){ XLB_MAP_FLOW4, XLB_MAP_FLOW6, NULL };
	     *name && !*err; name++) {
		struct bpf_map *map = bpf_object__find_map_by_name(obj, *name);

		*err = map ? bpf_map__set_max_entries(map, flows) : -ENOENT;
	}
	if (!*err)
		*err = reuse_pinned_devmap(obj);
	if (*err) {
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

static void prog_pin_path(int ifindex, char *path, size_t len)
{
	snprintf(path, len, "%s/prog_%d", xlb_pin_dir(), ifindex);
}

/* The attached program is pinned beside the maps (prog_IFINDEX), so that everything xlb
 * leaves in the kernel can be found, and inspected with bpftool, in one directory. */
static int pin_attached_prog(int prog_fd, int ifindex)
{
	char path[PATH_MAX];

	prog_pin_path(ifindex, path, sizeof(path));
	unlink(path); /* left from an attachment that was removed, or replaced */
	return bpf_obj_pin(prog_fd, path) ? -errno : 0;
}

int xlb_attach(int ifindex, enum xdp_attach_mode mode, __u32 flows, const char *obj_path)
{
	struct xdp_program *prog = NULL;
	struct bpf_object *obj;
	__u32 pinned;
	int err;

	err = xlb_bpffs_ensure();
	if (err)
		return err;
	if (xlb_attached_mode(ifindex, NULL) != XDP_MODE_UNSPEC)
		return -EEXIST;
	if (mkdir(xlb_pin_dir(), 0700) < 0 && errno != EEXIST)
		return -errno;

	/* libbpf reuses a pinned map only if its definition matches: size the flow tables
	 * as the pinned ones are, so a second interface shares the first one's state. */
	pinned = xlb_pinned_flows();
	if (pinned && flows && flows != pinned)
		return -EBUSY;
	if (!flows)
		flows = pinned ? pinned : XLB_DEFAULT_FLOWS;

	obj = open_object(obj_path, flows, &err);
	if (!obj) {
		if (!pinned)
			rmdir(xlb_pin_dir());
		return err;
	}
	prog = xdp_program__create(&(struct xdp_program_opts){
		.sz = sizeof(struct xdp_program_opts),
		.obj = obj,
		.prog_name = XLB_PROG_NAME,
	});
	err = libxdp_get_error(prog);
	if (err) {
		prog = NULL;
		goto out;
	}
	err = xdp_program__attach(prog, ifindex, mode, 0);
	if (!err) {
		err = pin_attached_prog(xdp_program__fd(prog), ifindex);
		if (err)
			xdp_program__detach(prog, ifindex, XDP_MODE_UNSPEC, 0);
	}
out:
	/* A first attach that failed leaves nothing behind: maps pinned without a program
	 * would make every later command believe xlb is attached. */
	if (err && !pinned) {
		bpf_object__unpin_maps(obj, NULL);
		rmdir(xlb_pin_dir());
	}
	xdp_program__close(prog);
	bpf_object__close(obj);
	return err;
}

static int prog_tag(int fd, __u8 tag[BPF_TAG_SIZE])
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	memcpy(tag, info.tag, BPF_TAG_SIZE);
	return 0;
}

int xlb_upgrade(int ifindex, const char *obj_path, bool *replaced)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	__u8 old_tag[BPF_TAG_SIZE], new_tag[BPF_TAG_SIZE];
	struct bpf_object *obj = NULL;
	struct xdp_program *old;
	enum xdp_attach_mode mode;
	int err, new_fd;

	*replaced = false;
	err = libxdp_get_error(mp);
	if (err)
		return err;
	old = find_xlb(mp);
	if (!old) {
		err = -ENOENT;
		goto out;
	}
	obj = open_object(obj_path, xlb_pinned_flows() ?: XLB_DEFAULT_FLOWS, &err);
	if (!obj)
		goto out;
	err = bpf_object__load(obj);
	if (err)
		goto out;
	new_fd = bpf_program__fd(bpf_object__find_program_by_name(obj, XLB_PROG_NAME));
	err = new_fd < 0 ? -ENOENT : prog_tag(new_fd, new_tag);
	if (!err)
		err = prog_tag(xdp_program__fd(old), old_tag);
	if (err || !memcmp(old_tag, new_tag, BPF_TAG_SIZE))
		goto out;
	/* Under libxdp's dispatcher the program is one of several behind it: replacing it
	 * alone, atomically, is not something libxdp 1.3 offers. */
	if (!xdp_multiprog__is_legacy(mp)) {
		err = -EOPNOTSUPP;
		goto out;
	}
	mode = xdp_multiprog__attach_mode(mp);
	/* One netlink request that swaps the programs if, and only if, the old one is still
	 * there: no packet ever meets an interface without xlb. The maps are the pinned ones,
	 * so the flows carry over. */
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = xdp_program__fd(old));
	err = bpf_xdp_attach(ifindex, new_fd,
			     XDP_FLAGS_REPLACE | (mode == XDP_MODE_SKB ? XDP_FLAGS_SKB_MODE
								       : XDP_FLAGS_DRV_MODE),
			     &opts);
	if (!err) {
		*replaced = true;
		pin_attached_prog(new_fd, ifindex);
	}
out:
	bpf_object__close(obj);
	xdp_multiprog__close(mp);
	return err;
}

int xlb_detach(int ifindex)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *p;
	int err;

	err = libxdp_get_error(mp);
	if (err)
		return err == -ENOENT ? -ENOENT : err;
	p = find_xlb(mp);
	if (!p)
		err = -ENOENT;
	else if (xdp_multiprog__is_legacy(mp))
		err = xdp_multiprog__detach(mp);
	else
		err = xdp_program__detach(p, ifindex, xdp_multiprog__attach_mode(mp), 0);
	xdp_multiprog__close(mp);
	if (!err) {
		char path[PATH_MAX];

		prog_pin_path(ifindex, path, sizeof(path));
		unlink(path);
	}
	return err;
}

const char *xlb_mode_name(enum xdp_attach_mode mode)
{
	switch (mode) {
	case XDP_MODE_NATIVE:
		return "native";
	case XDP_MODE_SKB:
		return "skb";
	case XDP_MODE_HW:
		return "hw";
	default:
		return "none";
	}
}
