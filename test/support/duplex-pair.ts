/**
 * Two connected in-memory byte streams that behave, for a session, as the two ends of a TCP
 * connection: what one writes the other reads a turn of the event loop later, in order; end()
 * reaches the other side as 'end' (a FIN), and so does destroy() (a socket closed at once). Neither
 * is half-open: a stream that read the other's end ends its own side, as a net.Socket does.
 */
import { Duplex } from 'node:stream';

export function duplexPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const ended = [false, false];
  // One queue per direction through setImmediate, so bytes, ends and closes arrive in order.
  const deliver = (to: number, chunk: Buffer | null): void => {
    setImmediate(() => {
      const other = ends[to]!;
      if (other.destroyed || ended[to]) return;
      if (chunk === null) ended[to] = true;
      other.push(chunk);
    });
  };
  const make = (self: number): Duplex => {
    const other = 1 - self;
    return new Duplex({
      allowHalfOpen: false,
      read() {},
      write(chunk: Buffer, _encoding, done) {
        deliver(other, Buffer.from(chunk));
        done();
      },
      final(done) {
        deliver(other, null);
        done();
      },
      destroy(err, done) {
        deliver(other, null);
        done(err);
      },
    });
  };
  ends.push(make(0), make(1));
  return [ends[0]!, ends[1]!];
}
