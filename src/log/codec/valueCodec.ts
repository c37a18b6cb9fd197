// How record values are turned into bytes inside a frame of the local log. A codec gets a fresh
// encoder and decoder per frame, so per-frame state (the compact codec's string table) resets at
// every frame boundary and any frame can be read on its own.
import type { ByteWriter } from './bytes.js';

export type EncodeFn<V> = (value: V, out: ByteWriter) => void;
export type DecodeFn<V> = (buf: Buffer, start: number, end: number) => V;

export interface ValueCodec<V> {
  /** Stored in each frame header; a reader refuses frames of another codec. */
  readonly id: number;
  readonly name: string;
  encoder(): EncodeFn<V>;
  decoder(): DecodeFn<V>;
  /**
   * Optional: a decoder that hands out one reused object, valid only until its next call, and
   * decodes strings only when read. For folds that copy what they keep (replay): they then
   * allocate nothing for the fields they never look at.
   */
  viewDecoder?(): DecodeFn<V>;
}
