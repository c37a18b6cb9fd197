// IP addresses and CIDR prefixes as (family, bigint) pairs, so that containment and masking are
// plain integer arithmetic. The canonical text form (masked network, lowercase, RFC 5952 IPv6
// compression) is what allowlist entries are keyed by, so two spellings of one prefix never
// become two map entries.
import { isIP } from 'node:net';
import { SluiceError } from '../errors.js';

export type IpFamily = 4 | 6;

export interface IpPrefix {
  family: IpFamily;
  /** The network address, host bits cleared. */
  bits: bigint;
  length: number;
}

export function familyWidth(family: IpFamily): number {
  return family === 4 ? 32 : 128;
}

function parseIpv4(text: string): bigint {
  let value = 0n;
  for (const part of text.split('.')) value = (value << 8n) | BigInt(Number(part));
  return value;
}

function parseIpv6(text: string): bigint {
  let head = text;
  let tailV4: bigint | undefined;
  const lastColon = head.lastIndexOf(':');
  if (head.includes('.', lastColon)) {
    tailV4 = parseIpv4(head.slice(lastColon + 1));
    head = `${head.slice(0, lastColon + 1)}0:0`;
  }
  const [left = '', right] = head.split('::');
  const leftGroups = left === '' ? [] : left.split(':');
  const rightGroups = right === undefined || right === '' ? [] : right.split(':');
  const missing = 8 - leftGroups.length - rightGroups.length;
  const groups = [...leftGroups, ...Array<string>(right === undefined ? 0 : missing).fill('0'), ...rightGroups];
  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(parseInt(group, 16));
  if (tailV4 !== undefined) value = (value & ~0xffffffffn) | tailV4;
  return value;
}

/** Parses an address; throws ERR_CONFIG naming the text when it is not one. */
export function parseIp(text: string): { family: IpFamily; bits: bigint } {
  const kind = isIP(text);
  if (kind === 4) return { family: 4, bits: parseIpv4(text) };
  if (kind === 6) return { family: 6, bits: parseIpv6(text) };
  throw new SluiceError('ERR_CONFIG', `parse ip ${JSON.stringify(text)}: not an address`);
}

function mask(family: IpFamily, length: number): bigint {
  const width = BigInt(familyWidth(family));
  return ((1n << width) - 1n) ^ ((1n << (width - BigInt(length))) - 1n);
}

/** Parses "a.b.c.d/n", "x::/n" or a bare address (a host prefix); host bits are cleared. */
export function parsePrefix(text: string): IpPrefix {
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  const width = familyWidth(ip.family);
  const lengthText = slash < 0 ? String(width) : text.slice(slash + 1);
  const length = Number(lengthText);
  if (!/^\d{1,3}$/.test(lengthText) || length > width) {
    throw new SluiceError('ERR_CONFIG', `parse prefix ${JSON.stringify(text)}: bad length`);
  }
  return { family: ip.family, bits: ip.bits & mask(ip.family, length), length };
}

export function hostPrefix(ip: string): IpPrefix {
  const parsed = parseIp(ip);
  // fields spelled out: `{ ...parsed, length }` (a spread followed by more properties) costs far
  // more in V8's young-generation GC than it looks (see queryHandler.ts)
  return { family: parsed.family, bits: parsed.bits, length: familyWidth(parsed.family) };
}

/**
 * formatPrefix(hostPrefix(ip)): the allowlist key of an address. Remembered for the last 64k
 * addresses, since an answer's addresses are keyed several times on their way to the map (the
 * proxy thread's programmed-answers check, the allowlist patch and its grants), and parsing one
 * into a bigint and printing it back is most of that.
 */
export function hostPrefixKey(ip: string): string {
  let key = hostKeys.get(ip);
  if (key === undefined) {
    if (hostKeys.size >= HOST_KEYS_MAX) hostKeys.clear();
    key = formatPrefix(hostPrefix(ip));
    hostKeys.set(ip, key);
  }
  return key;
}
const HOST_KEYS_MAX = 65_536;
const hostKeys = new Map<string, string>();

/** True when `outer` contains every address of `inner` (a prefix covers itself). */
export function prefixCovers(outer: IpPrefix, inner: IpPrefix): boolean {
  return (
    outer.family === inner.family &&
    outer.length <= inner.length &&
    (inner.bits & mask(outer.family, outer.length)) === outer.bits
  );
}

function formatIpv6(bits: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((bits >> BigInt(i * 16)) & 0xffffn));
  // RFC 5952: compress the longest run of two or more zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) { bestStart = i; bestLength = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

export function formatIp(family: IpFamily, bits: bigint): string {
  if (family === 6) return formatIpv6(bits);
  return [24n, 16n, 8n, 0n].map((shift) => String((bits >> shift) & 0xffn)).join('.');
}

export function formatPrefix(prefix: IpPrefix): string {
  return `${formatIp(prefix.family, prefix.bits)}/${prefix.length}`;
}

/** The canonical spelling of a prefix or address: "10.0.0.0/8", "2001:db8::1/128". */
export function canonicalPrefix(text: string): string {
  return formatPrefix(parsePrefix(text));
}
