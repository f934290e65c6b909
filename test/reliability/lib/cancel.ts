import net from 'node:net';
import type pg from 'pg';

/**
 * Sends a CancelRequest for whatever a node-pg client runs (pg keeps the BackendKeyData it was given),
 * so a fuzzed statement that turns out expensive does not hold the run up.
 */
export function cancelRunning(client: pg.Client, host: string, port: number): void {
  const c = client as unknown as { processID: number | null; secretKey: number | null };
  if (c.processID === null || c.secretKey === null) return;
  const b = Buffer.alloc(16);
  b.writeInt32BE(16, 0);
  b.writeInt32BE(80877102, 4);
  b.writeInt32BE(c.processID, 8);
  b.writeInt32BE(c.secretKey, 12);
  const s = net.connect(port, host, () => s.end(b));
  s.on('error', () => {});
}
