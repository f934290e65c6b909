import pg from 'pg';
import type { Gateway } from './gateway.ts';

/**
 * A superuser connection to a running gateway's embedded PostgreSQL (its unix socket, found in the
 * gateway's log), to check what tollgate wrote there: the ledger, the shadow catalog.
 */
export async function metastoreClient(gateway: Gateway, database: 'tollgate' | 'tollgate_ledger'): Promise<pg.Client> {
  const client = new pg.Client(metastoreConfig(gateway, database));
  await client.connect();
  return client;
}

/** How to reach a running gateway's embedded PostgreSQL as its superuser. */
export function metastoreConfig(gateway: Gateway, database: 'tollgate' | 'tollgate_ledger'): pg.ClientConfig {
  let socketDir: string | undefined;
  for (const line of gateway.output().split('\n')) {
    if (!line.includes('embedded PostgreSQL ready')) continue;
    try {
      socketDir = (JSON.parse(line) as { socketDir?: string }).socketDir;
    } catch {
      /* not a JSON log line */
    }
  }
  if (!socketDir) throw new Error(`the gateway did not log where its embedded PostgreSQL listens\n${gateway.diagnostics(4000)}`);
  return { host: socketDir, port: 5432, user: 'tollgate_metastore', database };
}
