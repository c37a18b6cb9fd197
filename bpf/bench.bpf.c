// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Benchmark producer: fills a ring buffer with realistic flow events as fast as the kernel can,
 * run through BPF_PROG_TEST_RUN, so the readers in src/bench/ringbuf.ts can be timed alone. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "include/flow_event.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024 * 1024);
} bench_events SEC(".maps");

/* set by user space through the .bss map before each run */
volatile __u32 fill_count;
volatile __u32 fill_seq;
volatile __u32 fill_failed;

static long fill_one(__u32 i, void *ctx)
{
	struct flow_event *e = bpf_ringbuf_reserve(&bench_events, sizeof(*e), 0);

	if (!e) {
		fill_failed++;
		return 1;
	}
	__u32 n = fill_seq + i;

	__builtin_memset(e, 0, sizeof(*e));
	e->type = FLOW_EVENT_TYPE;
	e->version = FLOW_EVENT_VERSION;
	e->verdict = (n & 7) ? VERDICT_FORWARDED : VERDICT_DROPPED;
	e->drop_reason = (n & 7) ? DROP_NONE : DROP_POLICY;
	e->family = 4;
	e->proto = IPPROTO_TCP;
	e->flags = FLOW_F_NEW;
	e->tcp_flags = 0x02;
	e->endpoint_id = 100 + (n & 15);
	e->ifindex = 4 + (n & 15);
	e->timestamp_ns = bpf_ktime_get_boot_ns();
	e->saddr[0] = 10; e->saddr[1] = 100; e->saddr[2] = n & 15; e->saddr[3] = 2;
	e->daddr[0] = 192; e->daddr[1] = 0; e->daddr[2] = 2; e->daddr[3] = n & 255;
	e->sport = bpf_htons(32768 + (n & 16383));
	e->dport = bpf_htons(443);
	e->pkt_len = 60;
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("tc")
int bench_fill(struct __sk_buff *skb)
{
	bpf_loop(fill_count, fill_one, NULL, 0);
	return 0;
}
