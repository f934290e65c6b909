import { ServedTables, type ShadowCatalog } from '../catalog/index.ts';
import type { Connector, TableInfo } from '../connectors/contract.ts';
import type { Logger } from '../log/index.ts';

/**
 * Keeps what tollgate serves equal to what the engines hold: lists every engine's tables at start and
 * every interval, swaps in a new ServedTables (routing reads it), and mirrors it into the shadow catalog
 * when one is attached. An engine that cannot list its tables (down, misconfigured) keeps the tables it
 * listed last, and the log says why; a shadow catalog refresh that fails leaves its last good state.
 */
export class CatalogRefresher {
  private readonly lastListed = new Map<string, TableInfo[]>();
  private current = new ServedTables([]);
  private catalog: ShadowCatalog | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly connectors: readonly Connector[],
    private readonly logger: Logger,
  ) {}

  served(): ServedTables {
    return this.current;
  }

  /** Mirrors the served tables into `catalog` now and at every later refresh; throws if the first mirror fails. */
  async attach(catalog: ShadowCatalog): Promise<void> {
    await catalog.refresh(this.current.distinct());
    this.catalog = catalog;
  }

  /** One refresh; concurrent calls share it. */
  refresh(): Promise<void> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  every(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => {
      this.refresh().catch(() => {
        /* logged by the catalog; the last good one stays */
      });
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async run(): Promise<void> {
    const listed = await Promise.all(
      this.connectors.map(async (c) => {
        try {
          const tables = await c.listTables();
          this.lastListed.set(c.name, tables);
          return tables.map((t) => ({ ...t, engine: c.name }));
        } catch (err) {
          const kept = this.lastListed.get(c.name) ?? [];
          this.logger.warn({ err, engine: c.name, kept: kept.length }, 'engine cannot list its tables; its last listed tables stay served');
          return kept.map((t) => ({ ...t, engine: c.name }));
        }
      }),
    );
    this.current = new ServedTables(listed.flat());
    await this.catalog?.refresh(this.current.distinct());
  }
}
