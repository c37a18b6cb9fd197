// Adapts src/policy's resolved EndpointPolicy to what the allowlist needs. The types are
// structural copies of src/policy's (CidrRule, FqdnRule, PortRange), so this folder depends on
// the shape, not the module; matching and naming of selectors come from src/policy, injected.
import type { CidrRule, FqdnSelector, PortRange } from '../fqdn/index.js';
import type { EndpointAllowlistPolicy } from './types.js';

interface PolicyPortRange {
  protocol: 'TCP' | 'UDP' | 'ANY';
  /** 0 = every port. */
  port: number;
  endPort: number;
}

export interface ResolvedEndpointPolicy<Selector> {
  cidrRules: readonly { action: 'allow' | 'deny'; cidr: string; except: readonly string[]; ports: readonly PolicyPortRange[] }[];
  fqdnRules: readonly { selector: Selector; ports: readonly PolicyPortRange[] }[];
}

export interface SelectorFunctions<Selector> {
  /** src/policy's fqdnSelectorMatches. */
  matches(selector: Selector, name: string): boolean;
  /** src/policy's describeFqdnSelector. */
  describe(selector: Selector): string;
}

const protocolNumber = { TCP: 6, UDP: 17, ANY: 0 } as const;

export function toPortRanges(ports: readonly PolicyPortRange[]): PortRange[] {
  return ports.map((range) =>
    range.port === 0
      ? { portLo: 0, portHi: 65535, proto: protocolNumber[range.protocol] }
      : { portLo: range.port, portHi: Math.max(range.port, range.endPort), proto: protocolNumber[range.protocol] },
  );
}

export function fromEndpointPolicy<Selector>(policy: ResolvedEndpointPolicy<Selector>, functions: SelectorFunctions<Selector>): EndpointAllowlistPolicy {
  const cidrRules: CidrRule[] = policy.cidrRules.map((rule) => ({
    cidr: rule.cidr,
    except: rule.except,
    ports: toPortRanges(rule.ports),
    deny: rule.action === 'deny',
  }));
  const fqdnSelectors: FqdnSelector[] = policy.fqdnRules.map((rule) => ({
    selector: functions.describe(rule.selector),
    matches: (name) => functions.matches(rule.selector, name),
    ports: toPortRanges(rule.ports),
  }));
  return { cidrRules, fqdnSelectors };
}
