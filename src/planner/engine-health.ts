import type { Connector, Health } from '../connectors/contract.ts';
import type { Logger } from '../log/index.ts';

const CHECK_TIMEOUT_MS = 5_000;

/**
 * What routing knows about each engine's health: checked every interval, and marked down at once when
 * a statement finds the engine unreachable, so replicas are skipped without waiting for the next check.
 * An engine not checked yet counts as up.
 */
export class EngineHealth {
  private readonly state = new Map<string, Health & { checkedAt: number }>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly connectors: readonly Connector[],
    private readonly logger: Logger,
  ) {}

  /** Bumped whenever an engine goes down or comes back: routes chosen under another generation are stale. */
  get generation(): number {
    return this.flips;
  }
  private flips = 0;

  isUp(engine: string): boolean {
    return this.state.get(engine)?.ok ?? true;
  }

  /** The last result of every engine, for /health and EXPLAIN. */
  snapshot(): Record<string, Health> {
    return Object.fromEntries(this.connectors.map((c) => [c.name, this.state.get(c.name) ?? { ok: true, detail: 'not checked yet' }]));
  }

  markDown(engine: string, detail: string): void {
    const was = this.isUp(engine);
    this.state.set(engine, { ok: false, detail, checkedAt: Date.now() });
    if (was) {
      this.flips++;
      this.logger.warn({ engine, detail }, 'engine marked down');
    }
  }

  async checkAll(): Promise<void> {
    await Promise.all(
      this.connectors.map(async (c) => {
        let health: Health;
        let timer: NodeJS.Timeout | undefined;
        try {
          health = await Promise.race([
            c.health(),
            new Promise<Health>((resolve) => {
              timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${CHECK_TIMEOUT_MS} ms` }), CHECK_TIMEOUT_MS);
            }),
          ]);
        } catch (e) {
          health = { ok: false, detail: (e as Error).message };
        } finally {
          clearTimeout(timer);
        }
        const was = this.isUp(c.name);
        this.state.set(c.name, { ...health, checkedAt: Date.now() });
        if (was !== health.ok) this.flips++;
        if (was !== health.ok) this.logger[health.ok ? 'info' : 'warn']({ engine: c.name, detail: health.detail }, health.ok ? 'engine is up' : 'engine is down');
      }),
    );
  }

  every(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => void this.checkAll(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
