/**
 * CancelOperation over a new connection, as impala-shell cancels: the statement's own connection may
 * be waiting in a FetchResults that Impala holds until rows are ready, and Impala serves one
 * connection's calls in order, so a cancel sent there would queue behind it. Impala finds the query by
 * the operation handle (its id and secret), whatever the connection; no session is needed on the new one.
 */
import type { Logger } from '../../log/index.ts';
import { checkStatus } from './session.ts';
import type { TOperationHandle } from './thrift.ts';
import { Hs2Connection, type Endpoint } from './transport.ts';

/**
 * Sends CancelOperation for `op`; resolves once Impala answered, or when the attempt failed or timed
 * out (never rejects). Returns whether Impala accepted it.
 */
export async function sendCancelOperation(ep: Endpoint, op: TOperationHandle, logger: Logger, timeoutMs = 5000): Promise<boolean> {
  let connection: Hs2Connection | undefined;
  let gaveUp = false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
    timer.unref?.();
  });
  try {
    const work = (async (): Promise<boolean> => {
      const opened = await Hs2Connection.open({ ...ep, connectTimeoutMs: Math.min(ep.connectTimeoutMs, timeoutMs) });
      if (gaveUp) {
        opened.destroy('cancel given up');
        return false;
      }
      connection = opened;
      const resp = await connection.call('CancelOperation', { operationHandle: op });
      checkStatus('CancelOperation', resp.status);
      return true;
    })();
    work.catch(() => undefined);
    const outcome = await Promise.race([work, timeout]);
    if (outcome === 'timeout') {
      logger.warn({ ms: timeoutMs }, 'impala CancelOperation got no answer in time');
      return false;
    }
    return outcome;
  } catch (e) {
    logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'impala CancelOperation failed');
    return false;
  } finally {
    gaveUp = true;
    clearTimeout(timer);
    connection?.destroy('cancel sent');
  }
}
