import type { ColumnInfo, TableInfo } from '../connectors/contract.ts';

/** One table as one engine serves it. A table on several engines (replicas) has one entry per engine. */
export interface ServedTable extends TableInfo {
  engine: string;
}

const keyOf = (schema: string, name: string): string => `${schema}\u0000${name}`;

/**
 * Every table tollgate serves, by name, with the engines that hold it, in config order. Built anew at
 * every catalog refresh and swapped in whole, so a statement sees one consistent version.
 */
export class ServedTables {
  private readonly byName = new Map<string, ServedTable[]>();
  readonly schemas: ReadonlySet<string>;

  constructor(tables: readonly ServedTable[]) {
    for (const t of tables) {
      const key = keyOf(t.schema, t.name);
      const list = this.byName.get(key);
      if (list) list.push(t);
      else this.byName.set(key, [t]);
    }
    this.schemas = new Set(tables.map((t) => t.schema));
  }

  /** The engines that hold schema.name (exact, case-sensitive names as PostgreSQL resolves them). */
  replicas(schema: string, name: string): readonly ServedTable[] {
    return this.byName.get(keyOf(schema, name)) ?? [];
  }

  has(schema: string, name: string): boolean {
    return this.byName.has(keyOf(schema, name));
  }

  /** Column names of schema.name (from its first replica), or undefined when it is not served. */
  columns(schema: string, name: string): readonly string[] | undefined {
    return this.byName.get(keyOf(schema, name))?.[0]?.columns.map((c: ColumnInfo) => c.name);
  }

  /** One entry per table (the first replica), for the shadow catalog. */
  distinct(): TableInfo[] {
    return [...this.byName.values()].map(([first]) => {
      const { engine: _engine, ...table } = first!;
      return table;
    });
  }
}
