/**
 * PostgreSQL's CancelRequest: a new connection to the server carrying the target backend's process ID
 * and secret key (from its BackendKeyData), 16 bytes and nothing else. The server signals the backend
 * and closes the connection without answering; the running statement then fails with 57014. A backend
 * that is idle when the signal arrives ignores it.
 *
 * The request is sent in plain TCP even when the sessions use TLS: PostgreSQL reads cancel requests
 * before negotiating anything (pg_hba.conf does not apply to them).
 */
import { connect } from 'node:net';

const CANCEL_REQUEST_CODE = 80877102;

export interface CancelTarget {
  host: string;
  port: number;
}

/**
 * Sends the request and resolves once the server has closed the connection (the signal is sent by
 * then), or when the attempt failed or timed out; it never rejects. Returns whether it was delivered.
 */
export function sendCancelRequest(target: CancelTarget, processID: number, secretKey: number, timeoutMs = 5000): Promise<boolean> {
  return new Promise((resolve) => {
    const packet = Buffer.alloc(16);
    packet.writeInt32BE(16, 0);
    packet.writeInt32BE(CANCEL_REQUEST_CODE, 4);
    packet.writeUInt32BE(processID >>> 0, 8);
    packet.writeUInt32BE(secretKey >>> 0, 12);
    const socket = target.host.startsWith('/') ? connect(`${target.host}/.s.PGSQL.${target.port}`) : connect(target.port, target.host);
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
    // The server closes the connection once it has handled the request.
    socket.once('close', done);
    socket.once('end', done);
    socket.once('error', done);
  });
}
