// The subset of Hubble's flow.proto (cilium api/v1/flow/flow.proto) that Sluice fills, in its
// proto3 JSON form: proto field names as keys, enums as their names, 64-bit integers as strings,
// zero values left out. One line of the flows topic is a HubbleFlowRecord, the same shape as an
// observer.GetFlowsResponse that `hubble observe -o jsonpb` prints and `--input-file` reads.

export type HubbleVerdict = 'VERDICT_UNKNOWN' | 'FORWARDED' | 'DROPPED' | 'ERROR' | 'AUDIT' | 'REDIRECTED' | 'TRACED' | 'TRANSLATED';
export type HubbleDirection = 'TRAFFIC_DIRECTION_UNKNOWN' | 'INGRESS' | 'EGRESS';

export interface HubbleEndpoint {
  ID?: number;
  identity?: number;
  namespace?: string;
  labels?: string[];
  pod_name?: string;
}

export interface HubbleTcpFlags {
  FIN?: boolean; SYN?: boolean; RST?: boolean; PSH?: boolean; ACK?: boolean; URG?: boolean; ECE?: boolean; CWR?: boolean;
}

export type HubbleLayer4 =
  | { TCP: { source_port?: number; destination_port?: number; flags?: HubbleTcpFlags } }
  | { UDP: { source_port?: number; destination_port?: number } }
  | { ICMPv4: { type?: number; code?: number } }
  | { ICMPv6: { type?: number; code?: number } };

export interface HubbleDns {
  query: string;
  ips?: string[];
  ttl?: number;
  cnames?: string[];
  observation_source?: string;
  rcode?: number;
  qtypes?: string[];
  rrtypes?: string[];
}

export interface HubbleLayer7 {
  type: 'UNKNOWN_L7_TYPE' | 'REQUEST' | 'RESPONSE' | 'SAMPLE';
  /** uint64 -> string */
  latency_ns?: string;
  dns?: HubbleDns;
}

export interface HubbleFlow {
  time: string;
  uuid: string;
  verdict: HubbleVerdict;
  drop_reason?: number;
  IP?: { source: string; destination: string; ipVersion: 'IPv4' | 'IPv6' };
  l4?: HubbleLayer4;
  source?: HubbleEndpoint;
  destination?: HubbleEndpoint;
  Type: 'UNKNOWN_TYPE' | 'L3_L4' | 'L7' | 'SOCK';
  node_name: string;
  source_names?: string[];
  destination_names?: string[];
  l7?: HubbleLayer7;
  event_type: { type: number; sub_type?: number };
  traffic_direction: HubbleDirection;
  trace_observation_point?: string;
  trace_reason?: string;
  /** An enum name, or its number when flow.proto has no name we know for it. */
  drop_reason_desc?: string | number;
  is_reply?: boolean;
  interface?: { index?: number; name?: string };
  Summary?: string;
}

export interface HubbleFlowRecord {
  flow: HubbleFlow;
  node_name: string;
  time: string;
}
