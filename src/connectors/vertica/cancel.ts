/**
 * Vertica's cancel request: the PostgreSQL CancelRequest packet (16 bytes: length 16, code
 * 1234 << 16 | 5678, the session's process ID and secret key from BackendKeyData) on a new connection.
 * It is what vertica-nodejs's own `Client#cancel` sends (v-protocol serialize.cancel), but that method
 * needs a whole second Client and only cancels its own Query objects, so the packet is written here.
 *
 * Plain TCP even when the sessions use TLS, as the driver does. The server handles the request and
 * closes the connection without answering; the running statement then fails with 57014.
 */
import { connect } from 'node:net';

const CANCEL_REQUEST_CODE = 80877102;

export interface CancelTarget {
  host: string;
  port: number;
}

/**
 * Sends the request and resolves once the server has closed the connection (it has acted on it by
 * then), or when the attempt failed or timed out; never rejects. Returns whether it was delivered.
 */
export function sendCancelRequest(target: CancelTarget, processID: number, secretKey: number, timeoutMs = 5000): Promise<boolean> {
  return new Promise((resolve) => {
    const packet = Buffer.alloc(16);
    packet.writeInt32BE(16, 0);
    packet.writeInt32BE(CANCEL_REQUEST_CODE, 4);
    packet.writeUInt32BE(processID >>> 0, 8);
    packet.writeUInt32BE(secretKey >>> 0, 12);
    const socket = connect(target.port, target.host);
    let delivered = false;
    let settled = false;
    const done = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(delivered);
    };
    const timer = setTimeout(done, timeoutMs);
    timer.unref?.();
    socket.setNoDelay(true);
    socket.once('connect', () => {
      socket.write(packet, (err) => {
        if (!err) delivered = true;
      });
    });
    socket.once('close', done);
    socket.once('end', done);
    socket.once('error', done);
  });
}
