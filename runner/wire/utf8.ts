/**
 * Incremental UTF-8 validation (RFC 3629 §4) that reports the byte at which a stream became
 * invalid. Autobahn's 6.4.x cases grade a peer by *when* it noticed bad text, so the position
 * matters as much as the yes/no answer. TextDecoder with `fatal` cannot say where.
 */

import { isUtf8 } from 'node:buffer';

export interface Utf8Result {
  valid: boolean;
  /** Offset in the whole stream of the first byte that made it invalid, when invalid. */
  invalidAt?: number;
}

export class Utf8Validator {
  private needed = 0;
  private lower = 0x80;
  private upper = 0xbf;
  private seen = 0;
  private failedAt: number | undefined;

  /** Feeds bytes; returns false (and stays false) once the stream is invalid. */
  push(bytes: Uint8Array): Utf8Result {
    if (this.failedAt !== undefined) return { valid: false, invalidAt: this.failedAt };
    const n = bytes.length;
    // Fast path: at a code point boundary, a chunk that is complete valid UTF-8 needs no byte loop.
    if (this.needed === 0 && n > 64 && isUtf8(bytes)) {
      this.seen += n;
      return { valid: true };
    }
    for (let i = 0; i < n; i++) {
      const b = bytes[i]!;
      if (this.needed === 0) {
        if (b < 0x80) continue;
        if (b >= 0xc2 && b <= 0xdf) this.expect(1, 0x80, 0xbf);
        else if (b === 0xe0) this.expect(2, 0xa0, 0xbf);
        else if (b === 0xed) this.expect(2, 0x80, 0x9f);
        else if (b >= 0xe1 && b <= 0xef) this.expect(2, 0x80, 0xbf);
        else if (b === 0xf0) this.expect(3, 0x90, 0xbf);
        else if (b >= 0xf1 && b <= 0xf3) this.expect(3, 0x80, 0xbf);
        else if (b === 0xf4) this.expect(3, 0x80, 0x8f);
        else return this.fail(i);
      } else {
        if (b < this.lower || b > this.upper) return this.fail(i);
        this.lower = 0x80;
        this.upper = 0xbf;
        this.needed--;
      }
    }
    this.seen += n;
    return { valid: true };
  }

  /** True when the stream so far ends on a code point boundary. */
  get complete(): boolean {
    return this.failedAt === undefined && this.needed === 0;
  }

  /** Ends the stream: a truncated final code point makes it invalid at its end. */
  end(): Utf8Result {
    if (this.failedAt !== undefined) return { valid: false, invalidAt: this.failedAt };
    if (this.needed !== 0) return this.fail(0);
    return { valid: true };
  }

  private expect(needed: number, lower: number, upper: number): void {
    this.needed = needed;
    this.lower = lower;
    this.upper = upper;
  }

  private fail(i: number): Utf8Result {
    this.failedAt = this.seen + i;
    return { valid: false, invalidAt: this.failedAt };
  }
}

export function isValidUtf8(bytes: Uint8Array): boolean {
  if (isUtf8(bytes)) return true;
  const v = new Utf8Validator();
  return v.push(bytes).valid && v.end().valid;
}
