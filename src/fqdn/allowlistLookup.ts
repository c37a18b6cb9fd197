// What the datapath does with an allowlist: the longest prefix holding the address, then its
// port rules (deny wins). Used by tests as the oracle side of the LPM, and by `policy trace`.
import { parseIp, parsePrefix, prefixCovers } from './ipPrefix.js';
import { portRulesAllow } from './portRule.js';
import type { AllowlistEntry } from './allowlist.js';

export function longestMatch(entries: readonly AllowlistEntry[], ip: string): AllowlistEntry | undefined {
  const address = parseIp(ip);
  const host = { ...address, length: address.family === 4 ? 32 : 128 };
  let best: AllowlistEntry | undefined;
  let bestLength = -1;
  for (const entry of entries) {
    const prefix = parsePrefix(entry.prefix);
    if (prefix.length > bestLength && prefixCovers(prefix, host)) {
      best = entry;
      bestLength = prefix.length;
    }
  }
  return best;
}

/** The verdict the datapath would give an egress packet to ip:port/proto. */
export function allowlistAllows(entries: readonly AllowlistEntry[], ip: string, port: number, proto: number): boolean {
  const entry = longestMatch(entries, ip);
  return entry !== undefined && portRulesAllow(entry.rules, port, proto);
}
