// src/datapath: the kernel edge. In: endpoint attachments, allowlist entries, the DNS proxy's
// address. Out: Observable<FlowEvent> from the ring buffer (read in place, zero copy), counters,
// conntrack and DNS steering records. Everything here talks to libbpf through koffi.
export { Datapath, DnsOriginReader, pinnedMapNames, type DatapathOptions, type EndpointAttachment, type EndpointStats } from './datapath.js';
export { BpfObject, defaultPinRoot, defaultObjectPath } from './bpfObject.js';
export { BpfMap } from './bpfMap.js';
export { RingReader } from './ringReader.js';
export { attachTc, detachTc, detachTcIfindex, queryTc } from './tc.js';
export { withNetns, ifindexOf } from './netns.js';
export * from './decode/flowEvent.js';
export { IPPROTO, decodeAllowKey, type AllowEntry, type PortRule, type CtEntry, type DnsNatEntry } from './maps/layout.js';
export { bootNowNs } from './ffi/libc.js';
