import { controlCluster } from '../../helpers/postgres.ts';

/**
 * pg_ctl stop -m immediate of a throwaway cluster started by startPostgres: the server dies at once (as
 * in a crash), and its sessions' sockets close mid-stream.
 */
export function killCluster(port: number): Promise<void> {
  return controlCluster(port, 'stop', 'immediate');
}
