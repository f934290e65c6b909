import { fork, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Claim, ResultCache } from '../cache/index.ts';
import { GatewayError } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import { slotOf, type ConnectionBalancer, type SignInEvent } from '../wire/index.ts';
import type { FromWorker, ToWorker, WorkerQuestion, WorkerStart } from './messages.ts';

/** How long a question to a worker may take before it is answered without that worker. */
const ASK_TIMEOUT_MS = 5_000;
/** A worker that dies is started again after this, doubling up to RESPAWN_MAX_MS while it keeps failing. */
const RESPAWN_FIRST_MS = 500;
const RESPAWN_MAX_MS = 30_000;
/** Beyond the grace period, how long a stopping worker has to close before it is killed. */
const STOP_MARGIN_MS = 10_000;

export interface ServingProcessesOptions {
  /** Serving processes in all, this one (slot 0) included. */
  slots: number;
  /** The module a worker runs (app/serving-worker-main.ts). */
  entry: string;
  /** The start message, less the slot, sent to every worker. */
  start: Omit<WorkerStart, 'type' | 'slot' | 'slots'>;
  /** Delivers a CancelRequest received by a worker for a session of this process. */
  cancelHere: (processId: number, key: Buffer) => void;
  /** Counts a sign-in outcome a worker saw in this process's limiter. */
  signInHere: (event: SignInEvent) => void;
  /** This process's result cache: the shared tier of the workers' (cache/shared.ts). */
  sharedCache?: Pick<ResultCache, 'lookupForPeer' | 'storeFromPeer'>;
  logger: Logger;
}

interface Worker {
  slot: number;
  child: ChildProcess;
  ready: boolean;
  /** Connections handed to it and not yet closed. */
  connections: number;
  answers: Map<number, (answer: { value?: unknown; error?: string }) => void>;
  /** Claims in the shared cache it holds (its statements run for them), by id. */
  claims: Map<number, Claim>;
  exited: Promise<void>;
}

/**
 * The primary's side of several serving processes (server.processes): forks the workers, hands each new
 * connection to the process with the fewest open ones (this one included), relays CancelRequests to
 * the process whose session they name, asks the workers for their cache and metrics figures, and starts
 * a worker that died again. Workers are whole gateways without HTTP: their own engines, result cache
 * and executor, on the primary's metastore (app/serving-worker-main.ts).
 */
export class ServingProcesses implements ConnectionBalancer {
  private readonly workers = new Map<number, Worker>();
  private readonly respawnDelay = new Map<number, number>();
  private stopping = false;
  private nextQuestion = 1;
  private nextClaim = 1;
  private turn = 0;

  private constructor(private readonly opts: ServingProcessesOptions) {}

  /** Forks every worker and resolves once all serve; a worker that cannot start fails the start. */
  static async start(opts: ServingProcessesOptions): Promise<ServingProcesses> {
    const processes = new ServingProcesses(opts);
    const slots = Array.from({ length: opts.slots - 1 }, (_, i) => i + 1);
    const started = await Promise.allSettled(slots.map((slot) => processes.spawn(slot)));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await processes.stop(0);
      throw failed.reason;
    }
    return processes;
  }

  get workerCount(): number {
    return [...this.workers.values()].filter((w) => w.ready).length;
  }

  total(here: number): number {
    let open = here;
    for (const w of this.workers.values()) open += w.connections;
    return open;
  }

  /** Least connections first; ties go round in turn, so an idle gateway spreads new clients evenly. */
  offer(socket: Socket, here: number): boolean {
    const candidates: Array<{ worker: Worker | null; open: number }> = [{ worker: null, open: here }];
    for (const w of this.workers.values()) if (w.ready && w.child.connected) candidates.push({ worker: w, open: w.connections });
    const least = Math.min(...candidates.map((c) => c.open));
    const tied = candidates.filter((c) => c.open === least);
    const chosen = tied[this.turn++ % tied.length]!.worker;
    if (!chosen) return false;
    chosen.connections++;
    const message: ToWorker = { type: 'connection' };
    chosen.child.send(message, socket, { keepOpen: false }, (err) => {
      if (!err) return;
      chosen.connections--;
      this.opts.logger.warn({ err, slot: chosen.slot }, 'a connection could not be handed to a serving process; it is closed');
      socket.destroy();
    });
    return true;
  }

  /** A CancelRequest this process received for a session of another one. */
  forwardCancel(processId: number, key: Buffer): void {
    const slot = slotOf(processId, this.opts.slots);
    if (slot === 0) return this.opts.cancelHere(processId, key);
    const worker = this.workers.get(slot);
    // A process that is gone took its sessions with it: nothing is left to cancel.
    if (worker?.ready) this.send(worker, { type: 'cancel', processId, key: key.toString('hex') });
  }

  /**
   * A sign-in outcome counted by one process (`from`: its slot), for the limiters of all the others: a
   * guesser spread over the processes meets one limit, not one per process.
   */
  shareSignIn(event: SignInEvent, from: number): void {
    if (from !== 0) this.opts.signInHere(event);
    for (const w of this.workers.values()) if (w.slot !== from && w.ready) this.send(w, { type: 'signIn', event });
  }

  /** Every ready worker's answer to `question`; a worker that does not answer in time is left out (and logged). */
  async ask(question: WorkerQuestion): Promise<unknown[]> {
    const asked = [...this.workers.values()].filter((w) => w.ready);
    const answers = await Promise.all(
      asked.map(
        (w) =>
          new Promise<{ value?: unknown; error?: string }>((resolve) => {
            const id = this.nextQuestion++;
            const timer = setTimeout(() => {
              w.answers.delete(id);
              resolve({ error: 'no answer in time' });
            }, ASK_TIMEOUT_MS);
            w.answers.set(id, (answer) => {
              clearTimeout(timer);
              resolve(answer);
            });
            this.send(w, { type: 'ask', id, question });
          }),
      ),
    );
    const values: unknown[] = [];
    answers.forEach((a, i) => {
      if (a.error === undefined) values.push(a.value);
      else this.opts.logger.warn({ slot: asked[i]!.slot, question, error: a.error }, 'a serving process did not answer');
    });
    return values;
  }

  /** Graceful stop of every worker (each lets its statements finish for `graceMs`), then a kill if need be. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    const all = [...this.workers.values()];
    for (const w of all) this.send(w, { type: 'stop', graceMs });
    await Promise.all(
      all.map(async (w) => {
        const killer = setTimeout(() => w.child.kill('SIGKILL'), graceMs + STOP_MARGIN_MS);
        await w.exited;
        clearTimeout(killer);
      }),
    );
  }

  private spawn(slot: number): Promise<void> {
    const { logger } = this.opts;
    // The same node flags as this process (tsx's loader, profiling flags), but not the test runner's.
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
    const child = fork(this.opts.entry, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let exitedResolve!: () => void;
    const worker: Worker = { slot, child, ready: false, connections: 0, answers: new Map(), claims: new Map(), exited: new Promise((r) => (exitedResolve = r)) };
    this.workers.set(slot, worker);
    return new Promise<void>((resolve, reject) => {
      child.on('message', (m: FromWorker) => {
        switch (m.type) {
          case 'ready':
            worker.ready = true;
            this.respawnDelay.delete(slot);
            logger.info({ slot, pid: child.pid }, 'serving process ready');
            resolve();
            break;
          case 'failed':
            reject(new GatewayError('ENGINE_UNAVAILABLE', `serving process ${slot} did not start: ${m.message}`, m.hint !== undefined ? { hint: m.hint } : {}));
            break;
          case 'released':
            worker.connections = Math.max(0, worker.connections - 1);
            break;
          case 'cancel':
            this.forwardCancel(m.processId, Buffer.from(m.key, 'hex'));
            break;
          case 'signIn':
            this.shareSignIn(m.event, slot);
            break;
          case 'answer':
            worker.answers.get(m.id)?.({ ...(m.value !== undefined && { value: m.value }), ...(m.error !== undefined && { error: m.error }) });
            worker.answers.delete(m.id);
            break;
          case 'cacheLookup':
            this.lookupForWorker(worker, m.id, m.key);
            break;
          case 'cacheStore': {
            const claim = m.claimId === null ? undefined : worker.claims.get(m.claimId);
            if (m.claimId !== null) worker.claims.delete(m.claimId);
            if (claim) claim.store(m.shared.entry, { cost: m.shared.entry.cost, ttlMs: m.shared.ttlMs });
            else this.opts.sharedCache?.storeFromPeer(m.key, m.shared);
            break;
          }
          case 'cacheAbandon':
            worker.claims.get(m.claimId)?.abandon();
            worker.claims.delete(m.claimId);
            break;
          case 'stopped':
            break;
        }
      });
      child.on('error', (err) => logger.error({ err, slot }, 'serving process error'));
      // Gone (its channel closed): no connection may be handed to it while its exit is still on the way.
      child.on('disconnect', () => {
        worker.ready = false;
      });
      child.on('exit', (code, signal) => {
        const wasReady = worker.ready;
        worker.ready = false;
        worker.connections = 0;
        for (const answer of worker.answers.values()) answer({ error: 'the process exited' });
        worker.answers.clear();
        // Its statements will not finish: whoever waits for their results runs the statement instead.
        for (const claim of worker.claims.values()) claim.abandon();
        worker.claims.clear();
        if (this.workers.get(slot) === worker) this.workers.delete(slot);
        exitedResolve();
        if (!wasReady) reject(new GatewayError('ENGINE_UNAVAILABLE', `serving process ${slot} exited while starting (${signal ?? `code ${code}`})`));
        if (this.stopping) return;
        // Its clients lost their connections (as with a crashed PostgreSQL backend); new ones go elsewhere meanwhile.
        const delay = this.respawnDelay.get(slot) ?? RESPAWN_FIRST_MS;
        this.respawnDelay.set(slot, Math.min(delay * 2, RESPAWN_MAX_MS));
        logger.error({ slot, code, signal, restartInMs: delay }, 'serving process exited; starting it again');
        setTimeout(() => {
          if (!this.stopping) this.spawn(slot).catch((err: unknown) => logger.error({ err, slot }, 'serving process did not start again'));
        }, delay).unref();
      });
      this.send(worker, { type: 'start', slot, slots: this.opts.slots, ...this.opts.start });
    });
  }

  /** A worker's miss, answered from this process's cache: the result, or a claim the worker runs for. */
  private lookupForWorker(worker: Worker, id: number, key: string): void {
    const cache = this.opts.sharedCache;
    if (!cache) return this.send(worker, { type: 'cacheAnswer', id, error: 'no shared cache' });
    cache.lookupForPeer(key).then(
      (found) => {
        if ('entry' in found) return this.send(worker, { type: 'cacheAnswer', id, found });
        // A worker gone meanwhile runs nothing: the claim is given up at once.
        if (!worker.child.connected) return found.claim.abandon();
        const claimId = this.nextClaim++;
        worker.claims.set(claimId, found.claim);
        this.send(worker, { type: 'cacheAnswer', id, claimId });
      },
      (err: unknown) => this.send(worker, { type: 'cacheAnswer', id, error: (err as Error).message }),
    );
  }

  private send(worker: Worker, message: ToWorker): void {
    if (!worker.child.connected) return;
    worker.child.send(message, (err: Error | null) => {
      if (err) this.opts.logger.debug({ err, slot: worker.slot, type: message.type }, 'message to a serving process not delivered');
    });
  }
}
