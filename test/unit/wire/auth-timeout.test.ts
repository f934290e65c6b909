import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import pino from 'pino';
import { PgServer } from '../../../src/wire/index.ts';
import type { GatewayBackend } from '../../../src/wire/backend.ts';

/** No user exists: this test never gets past the startup packet. */
const backend: GatewayBackend = {
  credentials: async () => undefined,
  openSession: async () => {
    throw new Error('not reached');
  },
};

describe('authentication timeout', () => {
  it('a client that connects and says nothing is disconnected with a FATAL, as PostgreSQL does', async () => {
    const server = new PgServer({ backend, logger: pino({ level: 'silent' }), maxConnections: 10, authenticationTimeoutMs: 200 });
    const address = await server.listen(0, '127.0.0.1');
    try {
      const got: Buffer[] = [];
      await new Promise<void>((resolve, reject) => {
        const sock = net.connect(address.port, '127.0.0.1');
        sock.on('data', (d) => got.push(d));
        sock.on('close', () => resolve());
        sock.on('error', reject);
        // A hang detector only: the server's own limit is 200 ms.
        setTimeout(() => reject(new Error('still connected after 10 s')), 10_000).unref();
      });
      const bytes = Buffer.concat(got);
      assert.equal(String.fromCharCode(bytes[0] ?? 0), 'E', 'an ErrorResponse before the close');
      assert.match(bytes.toString('latin1'), /SFATAL/);
      assert.match(bytes.toString('latin1'), /canceling authentication due to timeout/);
    } finally {
      await server.close(0);
    }
  });
});
