// The demo's world: the test zone the resolver serves and the policy the agent applies.
export const demoZone = [
  'api.partner 60 IN A 198.51.100.20',
  'api.partner 60 IN AAAA 2001:db8:1::20',
  'db.partner 30 IN A 198.51.100.21',
  'cdn.partner 300 IN CNAME edge.cdn-provider',
  'edge.cdn-provider 20 IN A 203.0.113.40',
  'eu.updates 10 IN A 203.0.113.50',
  'us.updates 10 IN A 203.0.113.51',
  'tracker.evil 60 IN A 203.0.113.66',
];

export const demoPolicy = `# frontend may ask for *.partner.test and *.updates.test, reach api and cdn on 443 and the
# update mirrors on 80; every other name is refused (tracker.evil.test among them).
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: frontend-egress
  namespace: default
spec:
  endpointSelector:
    matchLabels:
      app: frontend
  egress:
  - toCIDR: [192.0.2.53/32, 2001:db8::53/128]
    toPorts:
    - ports: [{port: "53", protocol: ANY}]
      rules:
        dns:
        - matchPattern: "*.partner.test"
        - matchPattern: "*.updates.test"
  - toFQDNs:
    - matchName: api.partner.test
    - matchName: cdn.partner.test
    toPorts:
    - ports: [{port: "443", protocol: TCP}]
  - toFQDNs:
    - matchPattern: "*.updates.test"
    toPorts:
    - ports: [{port: "80", protocol: TCP}]
---
# backend may resolve anything under partner.test, reach db on 443 and the reporting network on 80.
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: backend-egress
  namespace: default
spec:
  endpointSelector:
    matchLabels:
      app: backend
  egress:
  - toCIDR: [192.0.2.53/32]
    toPorts:
    - ports: [{port: "53", protocol: UDP}]
      rules:
        dns:
        - matchPattern: "**.partner.test"
  - toFQDNs:
    - matchName: db.partner.test
    toPorts:
    - ports: [{port: "443", protocol: TCP}]
  - toCIDRSet:
    - cidr: 198.51.100.0/24
      except: [198.51.100.128/25]
    toPorts:
    - ports: [{port: "80", protocol: TCP}]
`;
