/* SPDX-License-Identifier: GPL-2.0-only */
/* Where xlb's pins live, and making sure bpffs is there. */
#ifndef XLB_PINDIR_H
#define XLB_PINDIR_H

/*
 * The pin dir: $XLB_PIN_DIR if set, else /sys/fs/bpf/xlb. Under `ip netns exec`, which
 * mounts a fresh sysfs on /sys in a mount namespace of its own, /sys/fs/bpf is no bpffs and
 * the pins made from the host are out of sight; a pin dir under /sys/fs/bpf is then reached
 * through the root of the nearest ancestor process in another mount namespace, held open as
 * /proc/self/fd/N, so both ways of entering a network namespace, nsenter and ip netns exec,
 * see the same state. The first call decides; a daemon calls it before it forks.
 */
const char *xlb_pin_dir(void);

/* Mounts bpffs on /sys/fs/bpf when the pin dir is under it and nothing is mounted there.
 * 0 or -errno. */
int xlb_bpffs_ensure(void);

#endif
