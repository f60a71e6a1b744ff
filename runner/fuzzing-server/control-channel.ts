/**
 * A connection of the URL protocol that carries a reply and a close rather than a case
 * (getCaseCount, getCaseInfo, getCaseStatus, updateReports, stopServer, skipped cases). Pings are
 * answered; anything else the target sends is ignored until its close frame. As a server, we drop
 * TCP after the closing handshake (RFC 6455 §7.1.1).
 */
import type { Duplex } from 'node:stream';
import { FrameDecoder } from '../wire/decoder.js';
import { encodeFrame, Opcode } from '../wire/frame.js';

/** How long a refused or finished connection may linger before it is destroyed. */
export const LINGER_MS = 1000;

export class ControlChannel {
  private readonly decoder = new FrameDecoder({ maxPayload: 65536 });
  private closeSent = false;

  /**
   * @param stream the connection, its 101 already written and its reading paused
   * @param leftover the octets that came after the opening request
   * @param closeTimeoutMs how long the target has to answer our close frame
   */
  constructor(
    private readonly stream: Duplex,
    leftover: Buffer,
    private readonly closeTimeoutMs: number,
  ) {
    stream.on('data', (d: Buffer) => this.onData(d));
    if (leftover.length > 0) this.onData(leftover);
    stream.resume();
  }

  /** Sends `text` (when not null) as one text message, then a close frame without a status code. */
  reply(text: string | null): void {
    if (this.closeSent || this.stream.destroyed) return;
    if (text !== null) this.write(Opcode.text, Buffer.from(text, 'utf8'));
    this.write(Opcode.close, Buffer.alloc(0));
    this.closeSent = true;
    setTimeout(() => this.stream.destroy(), this.closeTimeoutMs).unref();
  }

  private onData(d: Buffer): void {
    for (const f of this.decoder.push(d)) {
      if (f.opcode === Opcode.ping && !this.closeSent) this.write(Opcode.pong, f.payload);
      if (f.opcode === Opcode.close) {
        if (!this.closeSent) {
          this.write(Opcode.close, f.payload.length >= 2 ? Buffer.from([0x03, 0xe8]) : Buffer.alloc(0));
          this.closeSent = true;
        }
        this.stream.end();
        setTimeout(() => this.stream.destroy(), LINGER_MS).unref();
        return;
      }
    }
    if (this.decoder.error) this.stream.destroy();
  }

  private write(opcode: number, payload: Buffer): void {
    if (!this.stream.destroyed && !this.stream.writableEnded) this.stream.write(encodeFrame({ opcode, payload, mask: null }));
  }
}
