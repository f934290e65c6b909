import type { Logger } from '../log/index.ts';
import type { ThresholdCrossing } from './types.ts';

export interface WebhookSenderOptions {
  logger: Logger;
  /** Per attempt. */
  timeoutMs?: number;
  /** Attempts per delivery, the first included. */
  maxAttempts?: number;
  /** The wait before the first retry; doubled each retry (with jitter), capped at maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Deliveries waiting, retrying or in flight; past this new ones are dropped (and logged). */
  maxQueue?: number;
  concurrency?: number;
  /** For tests. */
  fetch?: typeof fetch;
}

interface Job {
  url: string;
  body: string;
  attempt: number;
}

/**
 * Delivers JSON POSTs (budget events) in the background: send() only queues and returns at once, so a
 * slow or dead receiver never holds up a query. Each delivery is retried with exponential backoff on
 * network errors, timeouts, 429 and 5xx; a 4xx other than 429 is the receiver saying no, and is not
 * retried. The queue is bounded: when a receiver is down long enough to fill it, new events are dropped
 * and logged, because the budget_events table has them anyway.
 */
export class WebhookSender {
  private readonly queue: Job[] = [];
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<AbortController>();
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  private readonly o: Required<Omit<WebhookSenderOptions, 'logger' | 'fetch'>>;
  private readonly fetch: typeof fetch;

  constructor(private readonly opts: WebhookSenderOptions) {
    this.o = {
      timeoutMs: opts.timeoutMs ?? 5_000,
      maxAttempts: opts.maxAttempts ?? 5,
      backoffMs: opts.backoffMs ?? 1_000,
      maxBackoffMs: opts.maxBackoffMs ?? 60_000,
      maxQueue: opts.maxQueue ?? 1_000,
      concurrency: opts.concurrency ?? 2,
    };
    this.fetch = opts.fetch ?? globalThis.fetch;
  }

  /** Deliveries not yet finished (queued, waiting to retry or in flight). */
  get pending(): number {
    return this.queue.length + this.retryTimers.size + this.inFlight.size;
  }

  /** Queues one POST of `payload` as JSON. Returns false if it was dropped (queue full, or closed). */
  send(url: string, payload: unknown): boolean {
    if (this.closed) {
      this.opts.logger.warn({ url }, 'webhook sender closed; event not delivered');
      return false;
    }
    if (this.pending >= this.o.maxQueue) {
      this.opts.logger.error({ url, queued: this.pending }, 'webhook queue full; event dropped');
      return false;
    }
    this.queue.push({ url, body: JSON.stringify(payload), attempt: 1 });
    this.pump();
    return true;
  }

  /** Resolves once nothing is pending (for shutdown and tests). */
  drain(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops: waits up to `graceMs` for pending deliveries, then abandons the rest (logged). */
  async close(graceMs = 2_000): Promise<void> {
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.drain(), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    const abandoned = this.pending;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    this.queue.length = 0;
    for (const c of this.inFlight) c.abort();
    if (abandoned > 0) this.opts.logger.warn({ abandoned }, 'webhook sender closed with undelivered events');
    this.settleIdle();
  }

  private pump(): void {
    while (this.inFlight.size < this.o.concurrency && this.queue.length > 0) {
      const job = this.queue.shift()!;
      const controller = new AbortController();
      this.inFlight.add(controller);
      void this.attempt(job, controller).finally(() => {
        this.inFlight.delete(controller);
        this.pump();
        this.settleIdle();
      });
    }
  }

  private async attempt(job: Job, controller: AbortController): Promise<void> {
    const timer = setTimeout(() => controller.abort(new Error(`timed out after ${this.o.timeoutMs} ms`)), this.o.timeoutMs);
    let retry: boolean;
    let problem: string;
    try {
      const res = await this.fetch(job.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'tollgate-budgets' },
        body: job.body,
        signal: controller.signal,
      });
      await res.arrayBuffer().catch(() => undefined); // free the connection
      if (res.ok) return;
      retry = res.status === 429 || res.status >= 500;
      problem = `HTTP ${res.status}`;
    } catch (err) {
      retry = !this.closed;
      problem = err instanceof Error ? (controller.signal.aborted && controller.signal.reason instanceof Error ? controller.signal.reason.message : err.message) : String(err);
    } finally {
      clearTimeout(timer);
    }
    if (!retry || job.attempt >= this.o.maxAttempts || this.closed) {
      this.opts.logger.error({ url: job.url, attempts: job.attempt, problem }, 'webhook delivery failed; giving up');
      return;
    }
    const base = Math.min(this.o.maxBackoffMs, this.o.backoffMs * 2 ** (job.attempt - 1));
    const delay = base / 2 + Math.random() * (base / 2); // jitter, so receivers coming back are not stampeded
    this.opts.logger.warn({ url: job.url, attempt: job.attempt, problem, retryInMs: Math.round(delay) }, 'webhook delivery failed; will retry');
    const t = setTimeout(() => {
      this.retryTimers.delete(t);
      this.queue.push({ ...job, attempt: job.attempt + 1 });
      this.pump();
    }, delay);
    t.unref();
    this.retryTimers.add(t);
  }

  private settleIdle(): void {
    if (this.pending > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

/** The JSON body sent for a crossed threshold. */
export function thresholdPayload(c: ThresholdCrossing): Record<string, unknown> {
  return {
    type: 'budget.threshold_crossed',
    team: c.team,
    period: c.period,
    threshold: c.threshold,
    budget: c.budget,
    committed: c.committed,
    crossedAt: c.crossedAt.toISOString(),
  };
}
