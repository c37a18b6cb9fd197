/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Connection tracking and fragment maps of sluice.bpf.c. User space reads `conntrack` to know
 * which addresses live connections still use (the FQDN cache's grace) and to count connections.
 * keep in sync with src/datapath/maps/layout.ts
 */
#ifndef SLUICE_CONNTRACK_H
#define SLUICE_CONNTRACK_H

/* oriented as the pod sends: saddr is the pod. ICMP echo keeps its identifier in sport. */
struct ct_key {
	__u8 saddr[16];
	__u8 daddr[16];
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 family;
	__u8 _pad[2];
};

enum ct_flags {
	CT_F_INBOUND = 1 << 0,    /* opened towards the pod: the pod's packets are replies */
	CT_F_REPLY_SEEN = 1 << 1, /* the pod has answered (one event per inbound connection) */
};

struct ct_value {
	__u64 created_ns;   /* CLOCK_BOOTTIME */
	__u64 last_seen_ns;
	__u64 packets;      /* sent by the pod */
	__u64 bytes;
	__u32 endpoint_id;
	__u8 flags;         /* enum ct_flags */
	__u8 _pad[3];
};

struct frag_key {
	__u8 saddr[16];
	__u8 daddr[16];
	__u32 id;
	__u8 proto;
	__u8 family;
	__u8 _pad[2];
};

struct frag_value {
	__be16 sport;
	__be16 dport;
};

#endif /* SLUICE_CONNTRACK_H */
