import type { Socket } from 'node:net';
import type { Logger } from '../log/index.ts';
import type { SignInEvent } from '../wire/index.ts';
import type { FromWorker, ToWorker, WorkerQuestion, WorkerStart } from './messages.ts';

/** What a worker's gateway does for the primary. */
export interface WorkerGateway {
  acceptHandedOver(socket: Socket): void;
  cancelHere(processId: number, key: Buffer): void;
  signInElsewhere(event: SignInEvent): void;
  answer(question: WorkerQuestion): unknown;
  stop(graceMs: number): Promise<void>;
}

export function tellPrimary(message: FromWorker): void {
  process.send?.(message);
}

/** The primary's start message (the first it sends). */
export function startMessage(): Promise<WorkerStart> {
  return new Promise((resolve, reject) => {
    if (!process.send) return reject(new Error('a serving worker must be started by the primary, with an IPC channel'));
    const onMessage = (m: ToWorker): void => {
      if (m.type !== 'start') return;
      process.off('message', onMessage);
      resolve(m);
    };
    process.on('message', onMessage);
  });
}

/**
 * Serves the primary's messages: connections it hands over (their sockets arrive paused and unread),
 * cancels it relays, questions, and the stop. A worker whose primary is gone stops too: nobody could
 * stop it, and its connections would no longer be counted.
 */
export function serveForPrimary(gateway: WorkerGateway, logger: Logger, exit: (code: number) => void): void {
  let stopping = false;
  const stop = (graceMs: number): void => {
    if (stopping) return;
    stopping = true;
    gateway
      .stop(graceMs)
      .catch((err: unknown) => logger.error({ err }, 'serving process did not stop cleanly'))
      .finally(() => {
        tellPrimary({ type: 'stopped' });
        exit(0);
      });
  };
  process.on('message', (m: ToWorker, handle: unknown) => {
    switch (m.type) {
      case 'connection': {
        const socket = handle as Socket | undefined;
        if (!socket) return;
        socket.once('close', () => tellPrimary({ type: 'released' }));
        gateway.acceptHandedOver(socket);
        break;
      }
      case 'cancel':
        gateway.cancelHere(m.processId, Buffer.from(m.key, 'hex'));
        break;
      case 'signIn':
        gateway.signInElsewhere(m.event);
        break;
      case 'ask':
        Promise.resolve()
          .then(() => gateway.answer(m.question))
          .then(
            (value) => tellPrimary({ type: 'answer', id: m.id, value }),
            (err: unknown) => tellPrimary({ type: 'answer', id: m.id, error: (err as Error).message }),
          );
        break;
      case 'stop':
        stop(m.graceMs);
        break;
      case 'start':
        break;
    }
  });
  process.on('disconnect', () => {
    if (stopping) return;
    logger.warn('the primary is gone; this serving process stops');
    stop(0);
  });
}
