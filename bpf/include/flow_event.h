/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The flow event: one fixed-size record per new connection and per drop, written by
 * sluice.bpf.c into the `flow_events` ring buffer and read in place by the zero-copy reader.
 *
 * keep in sync with src/datapath/decode/flowEvent.ts (test/layout/flowEvent.test.ts compares the
 * decoder's table with this struct's BTF).
 *
 * Rules: the first two bytes are type and version; bump FLOW_EVENT_VERSION on any layout change;
 * add enum values, never renumber (a retired value stays as RESERVED_n); every pad byte is named.
 */
#ifndef SLUICE_FLOW_EVENT_H
#define SLUICE_FLOW_EVENT_H

#define FLOW_EVENT_TYPE 1
#define FLOW_EVENT_VERSION 1

enum flow_verdict {
	VERDICT_FORWARDED = 1,
	VERDICT_DROPPED = 2,
	VERDICT_REDIRECTED = 3, /* steered to the DNS proxy */
};

enum drop_reason {
	DROP_NONE = 0,
	DROP_POLICY = 1,        /* no allowlist entry covers the destination */
	DROP_POLICY_PORT = 2,   /* the destination is listed, not for this protocol and port */
	DROP_POLICY_DENY = 3,   /* an egressDeny rule matched */
	DROP_FRAG_UNKNOWN = 4,  /* a later IP fragment whose first fragment was not seen or not allowed */
	DROP_MALFORMED = 5,     /* headers too short to parse */
	DROP_NAT_FAILED = 6,    /* the DNS steering could not record or rewrite the packet */
};

enum flow_flags {
	FLOW_F_REPLY = 1 << 0,   /* the packet answers a connection the pod did not open */
	FLOW_F_NEW = 1 << 1,     /* first packet of a connection (a conntrack entry was created) */
	FLOW_F_IPV6 = 1 << 2,
	FLOW_F_DNS = 1 << 3,     /* the packet is DNS steered to the proxy */
};

struct flow_event {
	__u8 type;          /* FLOW_EVENT_TYPE */
	__u8 version;       /* FLOW_EVENT_VERSION */
	__u8 verdict;       /* enum flow_verdict */
	__u8 drop_reason;   /* enum drop_reason */
	__u8 family;        /* 4 or 6 */
	__u8 proto;         /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6, ... */
	__u8 flags;         /* enum flow_flags */
	__u8 tcp_flags;     /* of the packet that caused the event */
	__u32 endpoint_id;  /* host order */
	__u32 ifindex;      /* host-side veth, host order */
	__u64 timestamp_ns; /* bpf_ktime_get_boot_ns(): CLOCK_BOOTTIME */
	__u8 saddr[16];     /* IPv4 in the first 4 bytes, network order */
	__u8 daddr[16];
	__be16 sport;       /* for ICMP: type and code, see icmp fields below */
	__be16 dport;
	__u16 pkt_len;      /* bytes of the packet that caused the event, host order */
	__u8 icmp_type;
	__u8 icmp_code;
};

#endif /* SLUICE_FLOW_EVENT_H */
