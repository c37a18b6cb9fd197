// What udpSendBatch.ts (sendmmsg) and udpRecvBatch.ts (recvmmsg) share: the flags and the x86-64 /
// arm64 layout of struct mmsghdr, iovec and sockaddr_in6, and the arena whose address the kernel
// reads those arrays from.
import koffi from 'koffi';
import { SluiceError } from '../errors.js';

export const MSG_DONTWAIT = 0x40;
export const MSG_TRUNC = 0x20;
export const EINTR = 4;
export const AF_INET = 2;
export const AF_INET6 = 10;
/** struct mmsghdr: msghdr (56) + msg_len (4) + padding. Field offsets within it below. */
export const MMSGHDR = 64;
export const MSG_NAME = 0;
export const MSG_NAMELEN = 8;
export const MSG_IOV = 16;
export const MSG_IOVLEN = 24;
export const MSG_FLAGS = 48;
export const MSG_LEN = 56;
/** struct iovec: base, then length. */
export const IOVEC = 16;
/** Room for a sockaddr_in6 (a sockaddr_in fits too). */
export const SOCKADDR = 28;

/**
 * A zeroed buffer for mmsghdr arrays and what they point at, with its address as a number (user
 * space stays below 2^48 on x86-64 and arm64, far inside a double's 2^53).
 */
export function mmsgArena(bytes: number, what: string): { arena: Buffer; address: number } {
  const arena = Buffer.alloc(bytes);
  const address = Number(koffi.address(arena) as unknown as bigint);
  if (!Number.isSafeInteger(address)) throw new SluiceError('ERR_INTERNAL', `${what} arena at an address past 2^53: ${String(koffi.address(arena))}`);
  return { arena, address };
}

/** A 64-bit field from a plain number, as two 32-bit halves (a BigInt per field was an allocation each). */
export function writeU64(buf: Buffer, value: number, at: number): void {
  buf.writeUInt32LE(value % 0x1_0000_0000, at);
  buf.writeUInt32LE(Math.floor(value / 0x1_0000_0000), at + 4);
}
