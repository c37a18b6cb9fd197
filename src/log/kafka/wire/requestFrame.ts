// kafkajs's request framing (protocol/request.js): size, api key and version, correlation id and
// client id in front of a request body. kafkajs copies the body twice to do it (into a header
// encoder, then into a size-prefixed one), 8 MiB of copying per 4 MiB Produce request. This
// writes the same bytes with one copy, or none when the body was encoded with headroom in front
// of it (produceRequest.ts leaves REQUEST_HEADROOM bytes there). kafkajsPatches.ts installs it.
import type { EncoderClass, EncoderLike } from './produceRequest.js';

/** Bytes a body encoder may leave free in front of its buffer for the frame header. */
export const REQUEST_HEADROOM = 128;

/** An encoder whose buffer has `headroom` writable bytes right before it, in the same memory. */
export interface HeadroomEncoder extends EncoderLike { headroom?: number }

interface FrameArgs {
  correlationId: number;
  clientId: string | null | undefined;
  request: { apiKey: number; apiVersion: number; encode: () => Promise<unknown> };
}

export function frameRequest(Encoder: EncoderClass): (args: FrameArgs) => Promise<EncoderLike> {
  return async ({ correlationId, clientId, request: { apiKey, apiVersion, encode } }) => {
    const payload = (await encode()) as HeadroomEncoder;
    const body = payload.buf;
    const bodyBytes = payload.offset;
    const idBytes = clientId === null || clientId === undefined ? 0 : Buffer.byteLength(clientId, 'utf8');
    const header = 4 + 2 + 2 + 4 + 2 + idBytes;
    const out = (payload.headroom ?? 0) >= header
      ? Buffer.from(body.buffer, body.byteOffset - header, header + bodyBytes)
      : Buffer.allocUnsafe(header + bodyBytes);
    out.writeInt32BE(header - 4 + bodyBytes, 0);
    out.writeInt16BE(apiKey, 4);
    out.writeInt16BE(apiVersion, 6);
    out.writeInt32BE(correlationId, 8);
    if (clientId === null || clientId === undefined) out.writeInt16BE(-1, 12);
    else {
      out.writeInt16BE(idBytes, 12);
      out.write(clientId, 14, idBytes, 'utf8');
    }
    if (out.buffer !== body.buffer || out.byteOffset + header !== body.byteOffset) body.copy(out, header, 0, bodyBytes);
    const framed = new Encoder(0);
    framed.buf = out;
    framed.offset = out.length;
    return framed;
  };
}
