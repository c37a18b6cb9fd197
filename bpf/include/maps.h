/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Keys and values of the maps that user space writes: endpoints, the allowlist, DNS steering.
 * keep in sync with src/datapath/maps/layout.ts (test/layout/maps.test.ts checks it against BTF).
 */
#ifndef SLUICE_MAPS_H
#define SLUICE_MAPS_H

#define ALLOW_MAX_RULES 16
#define ALLOW_KEY_FIXED_BITS 64 /* endpoint_id + family precede the address in the LPM key */

/* endpoints: host-side veth ifindex -> endpoint. An interface without an entry is not ours. */
struct endpoint_info {
	__u32 endpoint_id;
	__u8 flags;   /* enum endpoint_flags */
	__u8 _pad[3];
};

enum endpoint_flags {
	EP_F_ENFORCE = 1 << 0,      /* some policy selects the endpoint's egress: default deny */
	EP_F_DNS_REDIRECT = 1 << 1, /* steer its DNS (UDP and TCP port 53) to the proxy */
};

/* allowlist: LPM trie keyed by (endpoint, family, prefix). prefixlen = 64 + the prefix length,
 * so one lookup serves /32 and /128 FQDN addresses and CIDR rules of one endpoint. The value of
 * a prefix holds every rule that applies to it, including those inherited from covering prefixes
 * (user space merges them: LPM returns only the longest match). */
struct allow_key {
	__u32 prefixlen;
	__u32 endpoint_id; /* host order; compared as bytes */
	__u32 family;      /* 4 or 6, host order */
	__u8 addr[16];     /* network order; IPv4 in the first 4 bytes */
};

struct port_rule {
	__u16 port_lo;  /* host order; 0..65535 for "all ports" */
	__u16 port_hi;
	__u8 proto;     /* 0 = any, else IPPROTO_* */
	__u8 deny;      /* 1: an egressDeny rule; deny wins over allow */
};

struct allow_value {
	__u32 count; /* used entries of rules[] */
	struct port_rule rules[ALLOW_MAX_RULES];
};

/* dns_nat: (pod address, pod port, proto) -> where the pod sent its DNS query before the datapath
 * steered it to the proxy. The proxy reads it to know the original resolver; the reverse path
 * restores it as the source of the answer. */
struct dns_nat_key {
	__u8 addr[16];
	__be16 port;
	__u8 proto;
	__u8 family;
};

struct dns_nat_value {
	__u8 orig_daddr[16];
	__be16 orig_dport;
	__u16 _pad0;
	__u32 endpoint_id;
	__u64 created_ns;
};

/* dns_config: one entry, the proxy's address and ports in the node namespace. */
struct dns_config {
	__u8 proxy_addr4[4];
	__u8 proxy_addr6[16];
	__be16 proxy_port_udp;
	__be16 proxy_port_tcp;
	__u32 _pad0;
};

/* endpoint_stats: per-CPU counters per endpoint for the packets that raise no event. */
struct endpoint_stats {
	__u64 forwarded_packets;
	__u64 forwarded_bytes;
	__u64 dropped_packets;
	__u64 dropped_bytes;
};

#endif /* SLUICE_MAPS_H */
