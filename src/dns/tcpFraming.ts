// DNS over TCP frames each message with a two-byte length (RFC 1035 4.2.2, RFC 7766). This reader
// collects stream chunks and yields whole messages, several per connection.
export class TcpFrameReader {
  private buffered: Buffer = Buffer.alloc(0);

  /** Adds a chunk and returns the messages it completed. */
  push(chunk: Buffer): Buffer[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const messages: Buffer[] = [];
    while (this.buffered.length >= 2) {
      const length = this.buffered.readUInt16BE(0);
      if (this.buffered.length < 2 + length) break;
      messages.push(this.buffered.subarray(2, 2 + length));
      this.buffered = this.buffered.subarray(2 + length);
    }
    return messages;
  }
}

export function frame(message: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(message.length, 0);
  return Buffer.concat([length, message]);
}
