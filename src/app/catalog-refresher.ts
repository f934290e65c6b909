import type { ShadowCatalog } from '../catalog/index.ts';
import type { Connector, TableInfo } from '../connectors/contract.ts';
import type { Logger } from '../log/index.ts';

/**
 * Keeps the shadow catalog equal to what the engines serve: at start, then every interval. An engine
 * that cannot list its tables (down, misconfigured) keeps the tables it listed last, and the log says
 * why; a refresh that fails leaves the last good catalog in place.
 */
export class CatalogRefresher {
  private readonly lastListed = new Map<string, TableInfo[]>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly catalog: ShadowCatalog,
    private readonly connectors: readonly Connector[],
    private readonly logger: Logger,
  ) {}

  /** One refresh; concurrent calls share it. The first one throws if it fails (there is no catalog yet). */
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
          return tables;
        } catch (err) {
          const kept = this.lastListed.get(c.name);
          this.logger.warn({ err, engine: c.name, kept: kept?.length ?? 0 }, 'engine cannot list its tables; its last listed tables stay in the catalog');
          return kept ?? [];
        }
      }),
    );
    await this.catalog.refresh(listed.flat());
  }
}
