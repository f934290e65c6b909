/**
 * Describing a statement without running it: Parse (with the declared parameter types), Describe of
 * the statement, Sync. PostgreSQL answers ParameterDescription (every parameter's type, inferred where
 * not declared) and RowDescription (the result columns with typmods) or NoData; nothing executes.
 *
 * node-postgres has no API for this, but its Client runs any object with a `submit(connection)`
 * method through its query queue, routing the backend's replies to that object's handle* methods —
 * the mechanism pg-cursor itself is built on. So this is an ordinary pooled query as far as the
 * client is concerned: it waits for the client to be free, its errors and the connection's reach it,
 * and the client is ready for the next query after it. ParameterDescription and NoData are not routed
 * by the Client, so they are read from the connection's events while the object is the active query.
 */
import type pg from 'pg';

export interface StatementDescription {
  /** PostgreSQL's type OID of each parameter. */
  params: number[];
  /** The result columns ([] when the statement returns no rows). */
  fields: pg.FieldDef[];
}

export class DescribeStatement implements pg.Submittable {
  readonly result: Promise<StatementDescription>;
  private resolve!: (d: StatementDescription) => void;
  private reject!: (e: unknown) => void;
  private connection: pg.Connection | null = null;
  private params: number[] = [];
  private fields: pg.FieldDef[] = [];
  private done = false;
  private readonly onParameterDescription = (msg: { dataTypeIDs: number[] }): void => {
    this.params = [...msg.dataTypeIDs];
  };

  constructor(
    private readonly sql: string,
    private readonly paramTypes: readonly number[],
  ) {
    this.result = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  submit(connection: pg.Connection): void {
    this.connection = connection;
    connection.on('parameterDescription', this.onParameterDescription);
    // The unnamed statement: it lives until the next Parse, nothing to clean up.
    connection.parse({ name: '', text: this.sql, types: [...this.paramTypes] } as unknown as pg.QueryParse, true);
    connection.describe({ type: 'S', name: '' }, true);
    connection.sync();
  }

  private finish(error?: unknown): void {
    if (this.done) return;
    this.done = true;
    this.connection?.removeListener('parameterDescription', this.onParameterDescription);
    if (error !== undefined) this.reject(error);
    else this.resolve({ params: this.params, fields: this.fields });
  }

  handleRowDescription(msg: { fields: pg.FieldDef[] }): void {
    this.fields = msg.fields;
  }

  /** After Sync: the description is complete (NoData leaves `fields` empty). */
  handleReadyForQuery(): void {
    this.finish();
  }

  /** PostgreSQL's error for the statement (the Client then waits for ReadyForQuery itself), or the connection's. */
  handleError(err: Error): void {
    this.finish(err);
  }

  // Replies a Parse/Describe never gets; present so that a confused backend cannot crash the Client.
  handleDataRow(): void {}
  handleCommandComplete(): void {}
  handlePortalSuspended(): void {}
  handleEmptyQuery(): void {}
  handleCopyInResponse(): void {
    this.finish(new Error('unexpected COPY response to a Describe'));
  }
  handleCopyData(): void {}
}
