import { describe, expect, it } from 'vitest';
import { decodeFlowEvent, flowEventLayout, formatAddress, Verdict, DropReason } from './flowEvent.js';
import { isSluiceError } from '../../errors.js';

// A v1 record as the kernel writes it: a UDP drop from 10.100.2.2:34367 to 192.0.2.10:5354.
const golden = Buffer.from(
  '0101020204110200' + // type, version, verdict DROPPED, reason POLICY_PORT, family 4, proto UDP, flags NEW, tcp_flags
  '65000000' + '04000000' + // endpoint_id 101, ifindex 4 (host order)
  '28c1ff9a8f000000' + // timestamp_ns
  '0a640202000000000000000000000000' + // saddr 10.100.2.2
  'c000020a000000000000000000000000' + // daddr 192.0.2.10
  '863f' + '14ea' + '2f00' + '0000', // sport 34367, dport 5354 (network order), pkt_len 47, icmp
  'hex',
);

describe('datapath > decode > flowEvent', () => {
  it('decodes the golden v1 record', () => {
    expect(golden.length).toBe(flowEventLayout.size);
    const e = decodeFlowEvent(new DataView(golden.buffer, golden.byteOffset, golden.length));
    expect(e).toMatchObject({
      verdict: Verdict.DROPPED, dropReason: DropReason.POLICY_PORT, family: 4, proto: 17, isReply: false,
      endpointId: 101, ifindex: 4, src: '10.100.2.2', dst: '192.0.2.10', sport: 34367, dport: 5354, pktLen: 47,
    });
    expect(e.timestampNs).toBe(0x8f9affc128n);
  });

  it('reads at an offset inside a larger view (the ring is one big view)', () => {
    const big = Buffer.concat([Buffer.alloc(24, 0xee), golden, Buffer.alloc(8)]);
    const e = decodeFlowEvent(new DataView(big.buffer, big.byteOffset, big.length), 24, 64);
    expect(e.dst).toBe('192.0.2.10');
  });

  it('rejects short records and unknown versions with coded errors', () => {
    const short = new DataView(golden.buffer, golden.byteOffset, 40);
    expect(() => decodeFlowEvent(short)).toThrow(expect.objectContaining({ code: 'ERR_DECODE_SHORT' }));
    const v2 = Buffer.from(golden);
    v2[1] = 2;
    try {
      decodeFlowEvent(new DataView(v2.buffer, v2.byteOffset, v2.length));
      expect.unreachable();
    } catch (err) {
      expect(isSluiceError(err, 'ERR_DECODE_VERSION')).toBe(true);
    }
  });

  it('keeps unknown enum values as numbers', () => {
    const odd = Buffer.from(golden);
    odd[2] = 42;
    odd[3] = 99;
    const e = decodeFlowEvent(new DataView(odd.buffer, odd.byteOffset, odd.length));
    expect([e.verdict, e.dropReason]).toEqual([42, 99]);
  });

  it('formats IPv6 with the longest zero run compressed', () => {
    const cases: [string, string][] = [
      ['20010db8000000000000000000000010', '2001:db8::10'],
      ['fd000100000200000000000000000002', 'fd00:100:2::2'],
      ['00000000000000000000000000000001', '::1'],
      ['20010db8000000010000000000000000', '2001:db8:0:1::'],
      ['20010db8000100020003000400050006', '2001:db8:1:2:3:4:5:6'],
    ];
    for (const [hex, text] of cases) {
      const b = Buffer.from(hex, 'hex');
      expect(formatAddress(new DataView(b.buffer, b.byteOffset, 16), 0, 6)).toBe(text);
    }
  });
});
