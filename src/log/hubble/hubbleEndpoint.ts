// An endpoint (or the world outside) as Hubble's Endpoint message.
import type { Labels } from '../events.js';
import type { EndpointInfo } from './flowContext.js';
import type { HubbleEndpoint } from './types.js';

/** Cilium's label form, `k8s:key=value`, sorted, with the namespace label Cilium adds. */
export function hubbleLabels(labels: Labels, namespace: string): string[] {
  const out = Object.entries(labels).map(([k, v]) => `k8s:${k}=${v}`);
  if (namespace !== '' && labels['io.kubernetes.pod.namespace'] === undefined) out.push(`k8s:io.kubernetes.pod.namespace=${namespace}`);
  return out.sort();
}

export function hubbleEndpoint(ep: EndpointInfo): HubbleEndpoint {
  const out: HubbleEndpoint = {};
  if (ep.id !== 0) out.ID = ep.id;
  if (ep.identity) out.identity = ep.identity;
  if (ep.namespace !== '') out.namespace = ep.namespace;
  out.labels = hubbleLabels(ep.labels, ep.namespace);
  if (ep.name !== '') out.pod_name = ep.name;
  return out;
}

/** Cilium's reserved identity 2 with its `reserved:world` label. */
export const worldEndpoint: HubbleEndpoint = Object.freeze({ identity: 2, labels: ['reserved:world'] }) as HubbleEndpoint;
