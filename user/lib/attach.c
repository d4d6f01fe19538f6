// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
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
static int reuse_pinned_devmap(struct xlb_bpf *skel)
{
	char path[PATH_MAX];
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", xlb_pin_dir(), XLB_MAP_TX_PORTS);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	err = bpf_map__reuse_fd(skel->maps.xlb_tx_ports, fd);
	close(fd);
	return err;
}

static void prog_pin_path(int ifindex, char *path, size_t len)
{
	snprintf(path, len, "%s/prog_%d", xlb_pin_dir(), ifindex);
}

/* The attached program is pinned beside the maps (prog_IFINDEX), so that everything xlb
 * leaves in the kernel can be found, and inspected with bpftool, in one directory. */
static int pin_attached_prog(struct xdp_program *prog, int ifindex)
{
	char path[PATH_MAX];
	int err;

	prog_pin_path(ifindex, path, sizeof(path));
	unlink(path); /* left from an attachment that was removed by other means */
	err = bpf_obj_pin(xdp_program__fd(prog), path) ? -errno : 0;
	if (err)
		xdp_program__detach(prog, ifindex, XDP_MODE_UNSPEC, 0);
	return err;
}

int xlb_attach(int ifindex, enum xdp_attach_mode mode, __u32 flows)
{
	DECLARE_LIBBPF_OPTS(bpf_object_open_opts, open_opts, .pin_root_path = xlb_pin_dir());
	struct xdp_program *prog = NULL;
	struct xlb_bpf *skel = NULL;
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

	skel = xlb_bpf__open_opts(&open_opts);
	if (!skel) {
		err = -errno;
		if (!pinned)
			rmdir(xlb_pin_dir());
		return err;
	}
	err = bpf_map__set_max_entries(skel->maps.xlb_flow4, flows);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.xlb_flow6, flows);
	if (err)
		goto out;

	err = reuse_pinned_devmap(skel);
	if (err)
		goto out;

	prog = xdp_program__create(&(struct xdp_program_opts){
		.sz = sizeof(struct xdp_program_opts),
		.obj = skel->obj,
		.prog_name = XLB_PROG_NAME,
	});
	err = libxdp_get_error(prog);
	if (err) {
		prog = NULL;
		goto out;
	}
	err = xdp_program__attach(prog, ifindex, mode, 0);
	if (!err)
		err = pin_attached_prog(prog, ifindex);
out:
	/* A first attach that failed leaves nothing behind: maps pinned without a program
	 * would make every later command believe xlb is attached. */
	if (err && !pinned) {
		bpf_object__unpin_maps(skel->obj, NULL);
		rmdir(xlb_pin_dir());
	}
	xdp_program__close(prog);
	xlb_bpf__destroy(skel);
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
