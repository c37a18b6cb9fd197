// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The Sluice datapath: two tc programs on the host side of each endpoint's veth.
 *
 *   sluice_from_pod (tc ingress: packets the pod sends)
 *     endpoint lookup -> conntrack -> DNS steering -> allowlist (LPM) -> forward | drop
 *   sluice_to_pod (tc egress: packets the pod receives)
 *     DNS reverse NAT -> conntrack for connections opened towards the pod
 *
 * Out: one struct flow_event per new connection and per drop into `flow_events`, per-endpoint
 * counters for every other packet, and `ring_lost` when the ring is full.
 * In: `endpoints`, `allowlist`, `dns_config` written by src/datapath from the policy and the
 * FQDN cache; `dns_nat` written here and read by the DNS proxy.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "include/flow_event.h"
#include "include/maps.h"
#include "include/conntrack.h"

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IP_MF 0x2000
#define IP_OFFSET 0x1FFF
#define NEXTHDR_HOP 0
#define NEXTHDR_ROUTING 43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_DEST 60
#define NEXTHDR_AUTH 51
#define DNS_PORT 53
#define IPPROTO_ICMPV6 58

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* anchor: flow_event only appears behind a ring-buffer pointer, which clang may leave out of BTF;
 * this keeps its layout in the object for test/layout/flowEvent.test.ts */
const struct flow_event flow_event_anchor __attribute__((used)) = {};

/* maps pinned by name under the pin root, so a restarted agent reuses them and enforcement goes on */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32); /* ifindex of the host-side veth */
	__type(value, struct endpoint_info);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} endpoints SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 2097152);
	__type(key, struct allow_key);
	__type(value, struct allow_value);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} allowlist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 262144);
	__type(key, struct ct_key);
	__type(value, struct ct_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} conntrack SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct dns_nat_key);
	__type(value, struct dns_nat_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dns_nat SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dns_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dns_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct frag_key);
	__type(value, struct frag_value);
} fragments SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32); /* endpoint id */
	__type(value, struct endpoint_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} endpoint_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ring_lost SEC(".maps");

/* size set by user space before load (bpf_map__set_max_entries); not pinned: a new agent makes a
 * new ring, old events were read or counted by the old one */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024 * 1024);
} flow_events SEC(".maps");

/* the parsed packet: addresses, ports and where the L3/L4 headers are for rewrites */
struct packet {
	struct ct_key key;     /* saddr, daddr, sport, dport, proto, family as sent by the pod */
	__u32 l3_off;
	__u32 l4_off;
	__u8 tcp_flags;
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 is_fragment;      /* a later fragment: ports came from the fragments map */
	__u16 len;
};

/* address equality without memcmp (BPF has no libc; clang does not always inline it) */
static __always_inline bool addr_equal(const __u8 *a, const __u8 *b, int family)
{
	const __u32 *x = (const __u32 *)a, *y = (const __u32 *)b;

	if (family == 4)
		return x[0] == y[0];
	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3];
}

static __always_inline void count(__u32 endpoint_id, __u32 len, bool dropped)
{
	struct endpoint_stats *s = bpf_map_lookup_elem(&endpoint_stats, &endpoint_id);

	if (!s) {
		struct endpoint_stats zero = {};

		bpf_map_update_elem(&endpoint_stats, &endpoint_id, &zero, BPF_NOEXIST);
		s = bpf_map_lookup_elem(&endpoint_stats, &endpoint_id);
		if (!s)
			return;
	}
	/* per-CPU value: no atomics needed */
	if (dropped) {
		s->dropped_packets++;
		s->dropped_bytes += len;
	} else {
		s->forwarded_packets++;
		s->forwarded_bytes += len;
	}
}

static __always_inline void emit(struct __sk_buff *skb, const struct packet *p, __u32 endpoint_id,
				 __u8 verdict, __u8 reason, __u8 flags)
{
	struct flow_event *e = bpf_ringbuf_reserve(&flow_events, sizeof(*e), 0);

	if (!e) {
		/* ring full: count it, user space reports it */
		__u32 zero = 0;
		__u64 *lost = bpf_map_lookup_elem(&ring_lost, &zero);

		if (lost)
			(*lost)++;
		return;
	}
	e->type = FLOW_EVENT_TYPE;
	e->version = FLOW_EVENT_VERSION;
	e->verdict = verdict;
	e->drop_reason = reason;
	e->family = p->key.family;
	e->proto = p->key.proto;
	e->flags = flags | (p->key.family == 6 ? FLOW_F_IPV6 : 0);
	e->tcp_flags = p->tcp_flags;
	e->endpoint_id = endpoint_id;
	e->ifindex = skb->ifindex;
	e->timestamp_ns = bpf_ktime_get_boot_ns();
	__builtin_memcpy(e->saddr, p->key.saddr, 16);
	__builtin_memcpy(e->daddr, p->key.daddr, 16);
	e->sport = p->key.sport;
	e->dport = p->key.dport;
	e->pkt_len = p->len;
	e->icmp_type = p->icmp_type;
	e->icmp_code = p->icmp_code;
	/* no wakeup: the reader polls while busy and the kernel still wakes an idle reader */
	bpf_ringbuf_submit(e, 0);
}

static __always_inline int parse_l4(struct __sk_buff *skb, struct packet *p, __u8 proto, __u32 off)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;

	p->key.proto = proto;
	p->l4_off = off;
	if (proto == IPPROTO_TCP) {
		struct tcphdr *th = data + off;

		if ((void *)(th + 1) > end)
			return -1;
		p->key.sport = th->source;
		p->key.dport = th->dest;
		p->tcp_flags = ((__u8 *)th)[13];
	} else if (proto == IPPROTO_UDP) {
		struct udphdr *uh = data + off;

		if ((void *)(uh + 1) > end)
			return -1;
		p->key.sport = uh->source;
		p->key.dport = uh->dest;
	} else if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		struct icmphdr *ih = data + off;

		if ((void *)ih + 8 > end)
			return -1;
		p->icmp_type = ih->type;
		p->icmp_code = ih->code;
		/* echo request and reply (v4: 8/0, v6: 128/129) share their identifier both ways */
		if (ih->type == 8 || ih->type == 0 || ih->type == 128 || ih->type == 129)
			p->key.sport = ih->un.echo.id;
	}
	return 0;
}

/* a later fragment carries no L4 header: take the ports its first fragment recorded */
static __always_inline int fragment_ports(struct packet *p, __u32 id, bool first, bool more)
{
	struct frag_key fk = {};

	__builtin_memcpy(fk.saddr, p->key.saddr, 16);
	__builtin_memcpy(fk.daddr, p->key.daddr, 16);
	fk.id = id;
	fk.proto = p->key.proto;
	fk.family = p->key.family;
	if (first) {
		if (more) {
			struct frag_value fv = { .sport = p->key.sport, .dport = p->key.dport };

			bpf_map_update_elem(&fragments, &fk, &fv, BPF_ANY);
		}
		return 0;
	}
	struct frag_value *fv = bpf_map_lookup_elem(&fragments, &fk);

	if (!fv)
		return -1;
	p->key.sport = fv->sport;
	p->key.dport = fv->dport;
	p->is_fragment = 1;
	return 0;
}

#define PARSE_MALFORMED -1
#define PARSE_FRAG_UNKNOWN -2

/* returns 0 when parsed, 1 when not IP (let it pass), PARSE_MALFORMED or PARSE_FRAG_UNKNOWN */
static __always_inline int parse(struct __sk_buff *skb, struct packet *p)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		return -1;
	p->l3_off = sizeof(*eth);
	p->len = skb->len > 0xffff ? 0xffff : skb->len;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data + sizeof(*eth);

		if ((void *)(ip + 1) > end || ip->ihl < 5)
			return -1;
		p->key.family = 4;
		__builtin_memcpy(p->key.saddr, &ip->saddr, 4);
		__builtin_memcpy(p->key.daddr, &ip->daddr, 4);
		__u16 frag = bpf_ntohs(ip->frag_off);
		__u16 offset = frag & IP_OFFSET;
		bool more = frag & IP_MF;

		p->key.proto = ip->protocol;
		if (offset)
			return fragment_ports(p, ip->id, false, more) < 0 ? PARSE_FRAG_UNKNOWN : 0;
		if (parse_l4(skb, p, ip->protocol, sizeof(*eth) + ip->ihl * 4) < 0)
			return -1;
		if (more)
			fragment_ports(p, ip->id, true, true);
		return 0;
	}
	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data + sizeof(*eth);

		if ((void *)(ip6 + 1) > end)
			return -1;
		p->key.family = 6;
		__builtin_memcpy(p->key.saddr, &ip6->saddr, 16);
		__builtin_memcpy(p->key.daddr, &ip6->daddr, 16);
		__u8 nexthdr = ip6->nexthdr;
		__u32 off = sizeof(*eth) + sizeof(*ip6);

		/* walk up to four extension headers */
#pragma unroll
		for (int i = 0; i < 4; i++) {
			if (nexthdr == NEXTHDR_HOP || nexthdr == NEXTHDR_ROUTING || nexthdr == NEXTHDR_DEST) {
				__u8 *h = data + off;

				if ((void *)(h + 2) > end)
					return -1;
				nexthdr = h[0];
				off += (h[1] + 1) * 8;
			} else if (nexthdr == NEXTHDR_FRAGMENT) {
				struct frag_hdr *fh = data + off;

				if ((void *)(fh + 1) > end)
					return -1;
				__u16 fo = bpf_ntohs(fh->frag_off);
				bool more = fo & 1;

				p->key.proto = fh->nexthdr;
				if (fo & 0xFFF8)
					return fragment_ports(p, fh->identification, false, more) < 0 ? PARSE_FRAG_UNKNOWN : 0;
				nexthdr = fh->nexthdr;
				off += sizeof(*fh);
				if (parse_l4(skb, p, nexthdr, off) < 0)
					return -1;
				if (more)
					fragment_ports(p, fh->identification, true, true);
				return 0;
			} else {
				break;
			}
		}
		/* a chain longer than we walk (or AH/ESP) hides the ports: judge it malformed rather
		 * than guess, so DNS cannot slip past the steering behind extra headers */
		if (nexthdr == NEXTHDR_HOP || nexthdr == NEXTHDR_ROUTING || nexthdr == NEXTHDR_DEST ||
		    nexthdr == NEXTHDR_FRAGMENT || nexthdr == NEXTHDR_AUTH)
			return -1;
		return parse_l4(skb, p, nexthdr, off) < 0 ? -1 : 0;
	}
	return 1;
}

/* IPv6 cannot work without neighbor discovery and multicast listener reports (as ARP for IPv4,
 * which is not IP and passes anyway): never subject to policy */
static __always_inline bool is_neighbor_discovery(const struct packet *p)
{
	if (p->key.proto != IPPROTO_ICMPV6)
		return false;
	return (p->icmp_type >= 130 && p->icmp_type <= 137) || p->icmp_type == 143;
}

/* allowlist verdict for a new connection: DROP_NONE when allowed */
static __always_inline __u8 policy_check(__u32 endpoint_id, const struct packet *p)
{
	struct allow_key k = {};

	k.endpoint_id = endpoint_id;
	k.family = p->key.family;
	__builtin_memcpy(k.addr, p->key.daddr, 16);
	k.prefixlen = ALLOW_KEY_FIXED_BITS + (p->key.family == 4 ? 32 : 128);
	struct allow_value *v = bpf_map_lookup_elem(&allowlist, &k);

	if (!v)
		return DROP_POLICY;
	__u16 port = bpf_ntohs(p->key.dport);
	bool allowed = false;

	for (int i = 0; i < ALLOW_MAX_RULES; i++) {
		if (i >= v->count)
			break;
		struct port_rule *r = &v->rules[i];

		if (r->proto && r->proto != p->key.proto)
			continue;
		if (port < r->port_lo || port > r->port_hi)
			continue;
		if (r->deny)
			return DROP_POLICY_DENY;
		allowed = true;
	}
	return allowed ? DROP_NONE : DROP_POLICY_PORT;
}

static __always_inline int rewrite_addr_port(struct __sk_buff *skb, const struct packet *p, bool dst,
					     const __u8 *new_addr, __be16 new_port)
{
	__u32 addr_off = p->l3_off + (p->key.family == 4 ? (dst ? 16 : 12) : (dst ? 24 : 8));
	__u32 port_off = p->l4_off + (dst ? 2 : 0);
	__u32 csum_off = p->l4_off + (p->key.proto == IPPROTO_TCP ? 16 : 6);
	__u32 l4_flags = BPF_F_PSEUDO_HDR | (p->key.proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0);
	const __u8 *old_addr = dst ? p->key.daddr : p->key.saddr;
	__be16 old_port = dst ? p->key.dport : p->key.sport;

	if (p->key.family == 4) {
		__be32 from, to;

		__builtin_memcpy(&from, old_addr, 4);
		__builtin_memcpy(&to, new_addr, 4);
		if (bpf_l4_csum_replace(skb, csum_off, from, to, l4_flags | 4) < 0 ||
		    bpf_l3_csum_replace(skb, p->l3_off + 10, from, to, 4) < 0 ||
		    bpf_skb_store_bytes(skb, addr_off, new_addr, 4, 0) < 0)
			return -1;
	} else {
		__u8 from[16], to[16];

		__builtin_memcpy(from, old_addr, 16);
		__builtin_memcpy(to, new_addr, 16);
		__s64 diff = bpf_csum_diff((__be32 *)from, 16, (__be32 *)to, 16, 0);

		if (diff < 0 || bpf_l4_csum_replace(skb, csum_off, 0, diff, l4_flags) < 0 ||
		    bpf_skb_store_bytes(skb, addr_off, new_addr, 16, 0) < 0)
			return -1;
	}
	if (bpf_l4_csum_replace(skb, csum_off, old_port, new_port, 2) < 0 ||
	    bpf_skb_store_bytes(skb, port_off, &new_port, 2, 0) < 0)
		return -1;
	return 0;
}

/* steer a DNS packet to the proxy; remember the resolver it was meant for */
static __always_inline int steer_dns(struct __sk_buff *skb, struct packet *p, __u32 endpoint_id)
{
	__u32 zero = 0;
	struct dns_config *cfg = bpf_map_lookup_elem(&dns_config, &zero);

	if (!cfg)
		return -1;
	__be16 proxy_port = p->key.proto == IPPROTO_TCP ? cfg->proxy_port_tcp : cfg->proxy_port_udp;

	if (!proxy_port)
		return -1;
	struct dns_nat_key nk = {};

	__builtin_memcpy(nk.addr, p->key.saddr, 16);
	nk.port = p->key.sport;
	nk.proto = p->key.proto;
	nk.family = p->key.family;
	struct dns_nat_value *old = bpf_map_lookup_elem(&dns_nat, &nk);
	bool fresh = !old || !addr_equal(old->orig_daddr, p->key.daddr, p->key.family) ||
		     old->orig_dport != p->key.dport;

	if (fresh) {
		struct dns_nat_value nv = {};

		__builtin_memcpy(nv.orig_daddr, p->key.daddr, 16);
		nv.orig_dport = p->key.dport;
		nv.endpoint_id = endpoint_id;
		nv.created_ns = bpf_ktime_get_boot_ns();
		if (bpf_map_update_elem(&dns_nat, &nk, &nv, BPF_ANY) < 0)
			return -1;
	}
	const __u8 *proxy_addr = p->key.family == 4 ? cfg->proxy_addr4 : cfg->proxy_addr6;

	if (rewrite_addr_port(skb, p, true, proxy_addr, proxy_port) < 0)
		return -1;
	return fresh ? 1 : 0;
}

SEC("tc")
int sluice_from_pod(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	struct endpoint_info *ep = bpf_map_lookup_elem(&endpoints, &ifindex);

	if (!ep)
		return TC_ACT_OK;
	__u32 endpoint_id = ep->endpoint_id;
	__u8 ep_flags = ep->flags;
	struct packet p = {};
	int rc = parse(skb, &p);

	if (rc == 1 || is_neighbor_discovery(&p))
		return TC_ACT_OK;
	if (rc < 0) {
		/* without policy, odd packets are not ours to judge */
		if (!(ep_flags & EP_F_ENFORCE))
			return TC_ACT_OK;
		__u8 reason = rc == PARSE_FRAG_UNKNOWN ? DROP_FRAG_UNKNOWN : DROP_MALFORMED;

		emit(skb, &p, endpoint_id, VERDICT_DROPPED, reason, 0);
		count(endpoint_id, p.len, true);
		return TC_ACT_SHOT;
	}

	/* DNS goes to the proxy on every packet, before conntrack: no older entry may bypass it */
	bool is_dns = (p.key.proto == IPPROTO_UDP || p.key.proto == IPPROTO_TCP) &&
		      p.key.dport == bpf_htons(DNS_PORT) && !p.is_fragment;

	if (is_dns && (ep_flags & EP_F_DNS_REDIRECT)) {
		__u8 reason = (ep_flags & EP_F_ENFORCE) ? policy_check(endpoint_id, &p) : DROP_NONE;

		if (reason != DROP_NONE) {
			emit(skb, &p, endpoint_id, VERDICT_DROPPED, reason, FLOW_F_DNS);
			count(endpoint_id, p.len, true);
			return TC_ACT_SHOT;
		}
		rc = steer_dns(skb, &p, endpoint_id);
		if (rc < 0) {
			emit(skb, &p, endpoint_id, VERDICT_DROPPED, DROP_NAT_FAILED, FLOW_F_DNS);
			count(endpoint_id, p.len, true);
			return TC_ACT_SHOT;
		}
		/* one event per steered query (a new pod port), not per packet of a TCP exchange */
		if (rc == 1)
			emit(skb, &p, endpoint_id, VERDICT_REDIRECTED, DROP_NONE, FLOW_F_NEW | FLOW_F_DNS);
		count(endpoint_id, p.len, false);
		return TC_ACT_OK;
	}

	/* established connections and replies keep flowing, whatever the allowlist says now */
	struct ct_value *ct = bpf_map_lookup_elem(&conntrack, &p.key);

	if (ct) {
		ct->last_seen_ns = bpf_ktime_get_boot_ns();
		ct->packets++;
		ct->bytes += p.len;
		if ((ct->flags & CT_F_INBOUND) && !(ct->flags & CT_F_REPLY_SEEN)) {
			ct->flags |= CT_F_REPLY_SEEN;
			emit(skb, &p, endpoint_id, VERDICT_FORWARDED, DROP_NONE, FLOW_F_REPLY);
		}
		count(endpoint_id, p.len, false);
		return TC_ACT_OK;
	}

	__u8 reason = DROP_NONE;

	if (ep_flags & EP_F_ENFORCE)
		reason = policy_check(endpoint_id, &p);
	if (reason != DROP_NONE) {
		emit(skb, &p, endpoint_id, VERDICT_DROPPED, reason, FLOW_F_NEW);
		count(endpoint_id, p.len, true);
		return TC_ACT_SHOT;
	}

	struct ct_value nv = {};

	nv.created_ns = bpf_ktime_get_boot_ns();
	nv.last_seen_ns = nv.created_ns;
	nv.packets = 1;
	nv.bytes = p.len;
	nv.endpoint_id = endpoint_id;
	bpf_map_update_elem(&conntrack, &p.key, &nv, BPF_ANY);
	emit(skb, &p, endpoint_id, VERDICT_FORWARDED, DROP_NONE, FLOW_F_NEW);
	count(endpoint_id, p.len, false);
	return TC_ACT_OK;
}

SEC("tc")
int sluice_to_pod(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	struct endpoint_info *ep = bpf_map_lookup_elem(&endpoints, &ifindex);

	if (!ep)
		return TC_ACT_OK;
	__u32 endpoint_id = ep->endpoint_id;
	struct packet p = {};

	if (parse(skb, &p) != 0)
		return TC_ACT_OK;

	/* answers of the DNS proxy: restore the resolver the pod asked as their source */
	if (ep->flags & EP_F_DNS_REDIRECT) {
		__u32 zero = 0;
		struct dns_config *cfg = bpf_map_lookup_elem(&dns_config, &zero);

		if (cfg) {
			__be16 proxy_port = p.key.proto == IPPROTO_TCP ? cfg->proxy_port_tcp : cfg->proxy_port_udp;
			const __u8 *proxy_addr = p.key.family == 4 ? cfg->proxy_addr4 : cfg->proxy_addr6;
			bool from_proxy = addr_equal(p.key.saddr, proxy_addr, p.key.family);

			if (proxy_port && p.key.sport == proxy_port && from_proxy) {
				struct dns_nat_key nk = {};

				__builtin_memcpy(nk.addr, p.key.daddr, 16);
				nk.port = p.key.dport;
				nk.proto = p.key.proto;
				nk.family = p.key.family;
				struct dns_nat_value *nv = bpf_map_lookup_elem(&dns_nat, &nk);

				if (!nv)
					return TC_ACT_SHOT; /* no query from this pod port: not an answer for it */
				__u8 orig[16];

				__builtin_memcpy(orig, nv->orig_daddr, 16);
				if (rewrite_addr_port(skb, &p, false, orig, nv->orig_dport) < 0)
					return TC_ACT_SHOT;
				return TC_ACT_OK;
			}
		}
	}

	/* conntrack is keyed as the pod sends: swap */
	struct ct_key k = {};

	__builtin_memcpy(k.saddr, p.key.daddr, 16);
	__builtin_memcpy(k.daddr, p.key.saddr, 16);
	k.sport = p.key.dport;
	k.dport = p.key.sport;
	k.proto = p.key.proto;
	k.family = p.key.family;
	if (p.key.proto == IPPROTO_ICMP || p.key.proto == IPPROTO_ICMPV6) {
		/* echo: the identifier sits in sport both ways */
		k.sport = p.key.sport;
		k.dport = 0;
	}
	struct ct_value *ct = bpf_map_lookup_elem(&conntrack, &k);

	if (ct) {
		ct->last_seen_ns = bpf_ktime_get_boot_ns();
		return TC_ACT_OK;
	}
	/* a connection opened towards the pod: its answers may leave whatever the egress policy */
	bool opens = p.key.proto != IPPROTO_TCP || (p.tcp_flags & 0x12) == 0x02; /* SYN without ACK */

	if (opens) {
		struct ct_value nv = {};

		nv.created_ns = bpf_ktime_get_boot_ns();
		nv.last_seen_ns = nv.created_ns;
		nv.flags = CT_F_INBOUND;
		nv.endpoint_id = endpoint_id;
		bpf_map_update_elem(&conntrack, &k, &nv, BPF_ANY);
	}
	return TC_ACT_OK;
}
