/**
 * pg-cursor, with two additions the connector needs:
 *
 * - the parameters' types go in the Parse message (pg-cursor sends none, so PostgreSQL would infer
 *   every parameter's type and read '1.25' for `$1 + 1` as an integer);
 * - `described` settles when PostgreSQL has described the portal (RowDescription, or NoData), before
 *   any row is computed, so execute() knows the columns — or the statement's error — without running it.
 *
 * Rows stay PostgreSQL's text (`types` returns the string itself) and come as arrays; stream.ts
 * decodes them per column. Every other behaviour is pg-cursor's own: Bind, Describe, Execute with a
 * row limit per read (the portal stays suspended between reads), Close + Sync at the end.
 */
import Cursor from 'pg-cursor';
import type pg from 'pg';

export type RawRow = Array<string | null>;

/** Values stay text as PostgreSQL sent them. */
const RAW_TEXT = { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig;

type CursorState = 'initialized' | 'submitted' | 'idle' | 'busy' | 'done' | 'error';

/** pg-cursor's members this subclass relies on, which its type declarations do not show. */
interface CursorInternals {
  state: CursorState;
  handleRowDescription(msg: { fields: pg.FieldDef[] }): void;
  handleError(err: Error): void;
}

const base = Cursor.prototype as unknown as CursorInternals & { submit(connection: pg.Connection): void };
const noop = (): void => {};

export class StatementCursor extends Cursor<RawRow> {
  /** The result columns once the portal is described ([] when the statement returns no rows). */
  readonly described: Promise<pg.FieldDef[]>;
  private settle: { resolve(fields: pg.FieldDef[]): void; reject(e: unknown): void } | null = null;
  private connectionUsed: pg.Connection | null = null;
  private readonly onNoData = (): void => this.describedAs([]);

  constructor(sql: string, values: Array<string | null>, paramTypes: readonly number[]) {
    super(sql, values, { rowMode: 'array', types: RAW_TEXT });
    this.described = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this.described.catch(noop); // observed by execute(); a failure nobody awaits is not unhandled
    const types = [...paramTypes];
    this.submit = (connection: pg.Connection) => {
      this.connectionUsed = connection;
      // pg-cursor calls connection.parse({ text }); add the types for that one call.
      const own = Object.getOwnPropertyDescriptor(connection, 'parse');
      const parse = connection.parse;
      Object.defineProperty(connection, 'parse', {
        configurable: true,
        writable: true,
        value: (query: pg.QueryParse, more: boolean) => parse.call(connection, { ...query, types } as unknown as pg.QueryParse, more),
      });
      try {
        base.submit.call(this, connection);
      } finally {
        if (own) Object.defineProperty(connection, 'parse', own);
        else delete (connection as { parse?: unknown }).parse;
      }
      connection.once('noData', this.onNoData);
    };
  }

  /** pg-cursor's state: 'idle' between reads (portal suspended), 'busy' while a read runs, 'done', 'error'. */
  get phase(): CursorState {
    return (this as unknown as CursorInternals).state;
  }

  private describedAs(fields: pg.FieldDef[]): void {
    this.connectionUsed?.removeListener('noData', this.onNoData);
    this.settle?.resolve(fields);
    this.settle = null;
  }

  /** Called by pg's Client. */
  handleRowDescription(msg: { fields: pg.FieldDef[] }): void {
    base.handleRowDescription.call(this, msg);
    this.describedAs(msg.fields);
  }

  /** Called by pg's Client, for the statement's error or the connection's. */
  handleError(err: Error): void {
    this.connectionUsed?.removeListener('noData', this.onNoData);
    this.settle?.reject(err);
    this.settle = null;
    base.handleError.call(this, err);
  }
}
