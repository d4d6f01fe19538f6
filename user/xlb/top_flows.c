// SPDX-License-Identifier: GPL-2.0-only
/* Counting the live flows of each backend slot for xlb top (top_flows.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>

#include "top_flows.h"

/* Entries per batch syscall: 1024 * (40 + 16) bytes for IPv6, and few syscalls per table. */
#define BATCH 1024
/* A walk may take at most 1/WALK_SHARE of the time: after a walk that took d, the next one
 * waits (WALK_SHARE - 1) * d. Small tables are walked at every refresh; a full table of a
 * million flows per family (a few tenths of a second here: a batch walk visits every bucket,
 * used or not) every few seconds, and the header then says how old the counts are. Sampling
 * would be cheaper, but an LRU hash has no random access: a sample would be the first
 * entries of the walk order, biased by bucket. */
#define WALK_SHARE 10

__u64 top_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void count_flow(const struct xlb_top_snap *s, const struct xlb_flow *f, __u32 *counts)
{
	if (f->backend < XLB_MAX_BACKENDS && xlb_top_flow_live(&s->be[f->backend], f))
		counts[f->backend]++;
}

/* The table by batches: one syscall per BATCH entries instead of two per entry. */
static int walk_batch(int fd, size_t key_size, const struct xlb_top_snap *s, __u32 *counts)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct xlb_flow *vals = calloc(BATCH, sizeof(*vals));
	void *keys = calloc(BATCH, key_size);
	__u32 in = 0, out = 0, n;
	bool first = true;
	int err;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	do {
		n = BATCH;
		/* Hash maps take a 4-byte bucket cursor as in/out batch, whatever the key. */
		err = bpf_map_lookup_batch(fd, first ? NULL : &in, &out, keys, vals, &n, &opts);
		if (err && err != -ENOENT)
			goto out;
		for (__u32 i = 0; i < n; i++)
			count_flow(s, &vals[i], counts);
		in = out;
		first = false;
	} while (!err);
	err = 0; /* -ENOENT: the end of the table */
out:
	free(keys);
	free(vals);
	return err;
}

/* Key by key, for kernels that refuse batches on this map or a bucket longer than BATCH. */
static int walk_keys(int fd, size_t key_size, const struct xlb_top_snap *s, __u32 *counts)
{
	__u8 key[64], next[64];
	struct xlb_flow f;
	void *prev = NULL;

	if (key_size > sizeof(key))
		return -EINVAL;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, key_size);
		prev = key;
		/* -ENOENT: evicted since get_next_key returned it */
		if (!bpf_map_lookup_elem(fd, key, &f))
			count_flow(s, &f, counts);
	}
	return 0;
}

static int walk_table(int fd, size_t key_size, const struct xlb_top_snap *s, __u32 *counts)
{
	static __u32 part[XLB_MAX_BACKENDS];
	int err;

	memset(part, 0, sizeof(part));
	err = walk_batch(fd, key_size, s, part);
	if (err && err != -ENOMEM) {
		memset(part, 0, sizeof(part));
		err = walk_keys(fd, key_size, s, part);
	}
	if (err)
		return err;
	for (__u32 i = 0; i < XLB_MAX_BACKENDS; i++)
		counts[i] += part[i];
	return 0;
}

int top_flows_update(struct top_flows *t, struct xlb_maps *m, struct xlb_top_snap *now,
		     const struct xlb_top_snap *prev)
{
	__u64 start = top_mono_ns(), end;
	int err;

	if (prev && prev->flows_ns && start < t->next_ns) {
		xlb_top_carry_flows(now, prev);
		return 0;
	}
	memset(now->be_flows, 0, sizeof(now->be_flows));
	err = walk_table(m->flow4, sizeof(struct xlb_flow4_key), now, now->be_flows);
	if (!err)
		err = walk_table(m->flow6, sizeof(struct xlb_flow6_key), now, now->be_flows);
	if (err)
		return err;
	end = top_mono_ns();
	now->flows_ns = end;
	now->flows_fresh = true;
	t->next_ns = end + (WALK_SHARE - 1) * (end - start);
	return 0;
}
