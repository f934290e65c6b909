import { Type, type Static } from '@sinclair/typebox';
import { PricingSchema } from './pricing-schema.ts';
import { VerticaEngineSchema } from './vertica-engine.ts';
import { ImpalaEngineSchema } from './impala-engine.ts';

export { PricingSchema };

/**
 * The shape of a tollgate config file (YAML or JSON). Defaults live here, next to the field they belong
 * to, so `tollgate --help`, docs/config.md and the loader cannot disagree.
 */

const Password = Type.Union(
  [
    Type.Object(
      { scram: Type.String({ pattern: '^SCRAM-SHA-256\\$\\d+:[A-Za-z0-9+/=]+\\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$', description: 'A SCRAM-SHA-256 verifier, as made by `tollgate hash-password` or stored in pg_authid.' }) },
      { additionalProperties: false },
    ),
    Type.Object(
      { env: Type.String({ minLength: 1, description: 'Name of an environment variable holding the password or a SCRAM verifier.' }) },
      { additionalProperties: false },
    ),
  ],
  { description: 'Never a plain-text password.' },
);

export const UserSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 63 }),
    team: Type.String({ minLength: 1 }),
    role: Type.Union([Type.Literal('analyst'), Type.Literal('admin')], { default: 'analyst' }),
    password: Password,
    allowCleartext: Type.Boolean({ default: false, description: 'Allow cleartext password authentication (only over TLS or for legacy clients).' }),
    disabled: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);

export const TeamSchema = Type.Object(
  { name: Type.String({ minLength: 1 }), description: Type.Optional(Type.String()) },
  { additionalProperties: false },
);

export const ParquetTableSchema = Type.Object(
  {
    schema: Type.String({ minLength: 1 }),
    name: Type.String({ minLength: 1 }),
    path: Type.String({ minLength: 1, description: 'Parquet file or glob, relative to the data directory or absolute.' }),
    hivePartitioning: Type.Boolean({ default: true }),
    comment: Type.Optional(Type.String()),
    columns: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Column comments shown in BI tools.' })),
  },
  { additionalProperties: false },
);

export const DuckDBEngineSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    kind: Type.Literal('duckdb'),
    pricing: Type.Optional(PricingSchema),
    threads: Type.Optional(Type.Integer({ minimum: 1 })),
    memoryLimit: Type.Optional(Type.String({ description: "DuckDB memory_limit, e.g. '4GB'." })),
    watchFiles: Type.Optional(
      Type.Boolean({ description: 'Trust a table’s cached results while its directories report no change (inotify; default true). Off for network filesystems.' }),
    ),
    maxConnections: Type.Optional(Type.Integer({ minimum: 1 })),
    tables: Type.Array(ParquetTableSchema, { default: [] }),
  },
  { additionalProperties: false },
);

export const PostgresTableSchema = Type.Object(
  {
    schema: Type.String({ minLength: 1 }),
    name: Type.String({ minLength: 1 }),
    comment: Type.Optional(Type.String({ description: "Wins over the table's COMMENT in PostgreSQL." })),
    columns: Type.Optional(Type.Record(Type.String(), Type.String(), { description: "Column comments shown in BI tools; win over PostgreSQL's own." })),
  },
  { additionalProperties: false },
);

export const PostgresConnectionSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, description: 'Host name or address (or a Unix socket directory).' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 5432 }),
    database: Type.String({ minLength: 1 }),
    user: Type.String({ minLength: 1 }),
    password: Type.Object(
      { env: Type.String({ minLength: 1, description: 'Name of an environment variable holding the password.' }) },
      { additionalProperties: false, description: 'Never a plain-text password.' },
    ),
    ssl: Type.Optional(
      Type.Union([
        Type.Boolean(),
        Type.Object(
          {
            rejectUnauthorized: Type.Boolean({ default: true, description: "Verify the server's certificate." }),
            ca: Type.Optional(Type.String({ description: 'PEM file of the CA to trust, relative to the config file or absolute.' })),
          },
          { additionalProperties: false },
        ),
      ]),
    ),
  },
  { additionalProperties: false },
);

export const PostgresEngineSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    kind: Type.Literal('postgres'),
    connection: PostgresConnectionSchema,
    pricing: Type.Optional(PricingSchema),
    maxConnections: Type.Optional(Type.Integer({ minimum: 1, description: 'Statements that may run at once (pooled connections); default 10.' })),
    statementTimeoutMs: Type.Optional(Type.Integer({ minimum: 0, description: "PostgreSQL's statement_timeout for every statement (0: none)." })),
    tables: Type.Array(PostgresTableSchema, { default: [], description: 'Tables served, named one by one.' }),
    schemas: Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'Schemas whose every table and view is served.' }),
  },
  { additionalProperties: false },
);

export const EngineSchema = Type.Union([DuckDBEngineSchema, PostgresEngineSchema, VerticaEngineSchema, ImpalaEngineSchema]);

const NameList = Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })]);

export const RoutingRuleSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1 })),
    priority: Type.Integer({ default: 0 }),
    team: Type.Optional(NameList),
    user: Type.Optional(NameList),
    application: Type.Optional(Type.String({ description: 'application_name glob; * matches any run of characters.' })),
    engine: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

export const ServerSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1' }),
    pgPort: Type.Integer({ minimum: 0, maximum: 65535, default: 5433 }),
    httpPort: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
    database: Type.String({ minLength: 1, default: 'tollgate' }),
    maxConnections: Type.Integer({ minimum: 1, default: 500, description: 'Client connections open at once, across every serving process.' }),
    processes: Type.Union([Type.Integer({ minimum: 1, maximum: 64 }), Type.Literal('auto')], {
      default: 'auto',
      description:
        "Processes that serve PostgreSQL connections; one Node process uses one core. 'auto': one per core, at most 4 (config/processes.ts). The first also serves HTTP and runs the metastore; the others' result caches sit in front of its.",
    }),
    shutdownGraceMs: Type.Integer({ minimum: 0, default: 10_000 }),
    tls: Type.Optional(
      Type.Object({ cert: Type.String({ description: 'PEM certificate file' }), key: Type.String({ description: 'PEM private key file' }) }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);

export const ConfigSchema = Type.Object(
  {
    server: Type.Optional(ServerSchema),
    dataDir: Type.String({ default: './data' }),
    demo: Type.Object(
      { generate: Type.Boolean({ default: false, description: 'Generate the demo dataset into dataDir on first start.' }), seed: Type.Integer({ default: 42 }), scale: Type.Number({ exclusiveMinimum: 0, maximum: 10, default: 1 }) },
      { additionalProperties: false, default: {} },
    ),
    engines: Type.Array(EngineSchema, { minItems: 1 }),
    teams: Type.Array(TeamSchema, { default: [] }),
    users: Type.Array(UserSchema, { default: [] }),
    billing: Type.Object(
      {
        currency: Type.String({ minLength: 1, default: 'USD' }),
        defaultPerTiB: Type.Number({ minimum: 0, default: 5, description: 'Price per TiB for engines without their own pricing.' }),
        minimumBytesPerTable: Type.Integer({ minimum: 0, default: 10 * 2 ** 20, description: 'Each table reference is billed at least this.' }),
        roundingBytes: Type.Integer({ minimum: 1, default: 2 ** 20, description: 'Billed bytes are rounded up to a multiple of this.' }),
        unknownEstimate: Type.Union([Type.Literal('refuse'), Type.Literal('charge-default')], {
          default: 'charge-default',
          description: 'When an engine cannot estimate a scan: refuse the query, or bill defaultUnknownBytes.',
        }),
        defaultUnknownBytes: Type.Integer({ minimum: 0, default: 10 * 2 ** 30, description: 'Bytes billed per table reference an engine cannot estimate.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    storage: Type.Object(
      {
        perTiBMonth: Type.Number({ minimum: 0, default: 20, description: 'Price of storing a TiB for a month, in billing.currency.' }),
        owners: Type.Array(
          Type.Object(
            {
              schema: Type.String({ minLength: 1 }),
              table: Type.Optional(Type.String({ minLength: 1, description: 'Without it, every table of the schema.' })),
              team: Type.String({ minLength: 1 }),
            },
            { additionalProperties: false },
          ),
          { default: [], description: 'Which team owns (and pays for storing) which tables; the most specific entry wins.' },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    routing: Type.Object(
      {
        rules: Type.Array(RoutingRuleSchema, {
          default: [],
          description: 'Which engine to prefer when a table has replicas: highest priority first, first match wins, then config order.',
        }),
        maxRowsPerPart: Type.Integer({
          minimum: 1,
          default: 5_000_000,
          description: 'Most rows one engine may contribute to a query that spans engines; past it the query fails with 53400.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    catalog: Type.Object(
      {
        refreshIntervalSeconds: Type.Integer({
          minimum: 0,
          default: 60,
          description: 'How often the shadow catalog is compared with the tables the engines serve (0: only at start).',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    budgets: Type.Object(
      {
        timeZone: Type.String({ minLength: 1, default: 'UTC', description: 'IANA time zone whose midnights start budget days and months.' }),
        contact: Type.Optional(Type.String({ minLength: 1, description: 'Who grants overrides and budgets, named in refusals (default: "a tollgate admin").' })),
        reservationTtlMinutes: Type.Integer({
          minimum: 1,
          default: 360,
          description: 'How long a running query holds its cost; a reservation an instance never settled is given back after this.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    cache: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description: 'Serve repeated queries from the result cache, free (sessions can SET tollgate.cache = off): a hit is not billed nor held against a budget.',
        }),
        maxBytes: Type.Integer({ minimum: 0, default: 256 * 2 ** 20, description: 'Memory all cached results may take together; the least recently used are evicted past it.' }),
        ttlSeconds: Type.Integer({ minimum: 0, default: 24 * 3600, description: 'How long a result is kept while the data of every table it read is unchanged.' }),
        maxEntryBytes: Type.Integer({ minimum: 0, default: 16 * 2 ** 20, description: 'Larger results are not cached (they stream to the client as usual).' }),
        unknownVersionTtlSeconds: Type.Integer({
          minimum: 0,
          default: 60,
          description: 'How long a result is kept when an engine cannot tell whether a table changed (Vertica, Impala); 0: such results are not cached.',
        }),
        versionRecheckMs: Type.Integer({
          minimum: 0,
          default: 0,
          description:
            'Reuse a table\'s data version checked at most this many ms ago instead of checking it for every statement (a Parquet check stats every file): a change is then seen up to this late. 0: checked for every statement (concurrent statements share one check).',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    migrations: Type.Object(
      {
        shadow: Type.Object(
          {
            maxConcurrent: Type.Integer({ minimum: 1, default: 2, description: 'Shadow statements running at once on an instance; beyond it a sample is dropped.' }),
            maxBytesPerDay: Type.Integer({ minimum: 0, default: 1024 ** 4, description: 'Estimated bytes shadow runs may read per day on an instance (both sides).' }),
            floatTolerance: Type.Number({ exclusiveMinimum: 0, maximum: 0.1, default: 1e-9, description: 'Relative tolerance of floats in comparisons.' }),
            maxRows: Type.Integer({ minimum: 1, default: 1_000_000, description: 'Rows compared at most per side; a larger result is recorded as skipped.' }),
            timeoutSeconds: Type.Integer({ minimum: 1, default: 600, description: 'Longest a shadow side may run.' }),
          },
          { additionalProperties: false, default: {} },
        ),
      },
      { additionalProperties: false, default: {}, description: 'Moving tables between engines (table states are set through the admin API).' },
    ),
    ledger: Type.Optional(
      Type.Object(
        {
          connection: PostgresConnectionSchema,
        },
        {
          additionalProperties: false,
          description:
            'An external PostgreSQL for the ledger, shared by several tollgate instances. The user must own the database and have CREATEROLE. Without it, the ledger lives in the embedded PostgreSQL.',
        },
      ),
    ),
    logLevel: Type.Union([Type.Literal('trace'), Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error'), Type.Literal('silent')], { default: 'info' }),
  },
  { additionalProperties: false },
);

export type ConfigInput = Static<typeof ConfigSchema>;
export type ServerConfig = Static<typeof ServerSchema>;
export type EngineConfig = Static<typeof EngineSchema>;
export type DuckDBEngineConfig = Static<typeof DuckDBEngineSchema>;
export type PostgresEngineConfig = Static<typeof PostgresEngineSchema>;
export type PostgresTableConfig = Static<typeof PostgresTableSchema>;
export type PostgresConnectionConfig = Static<typeof PostgresConnectionSchema>;
export type { VerticaEngineConfig } from './vertica-engine.ts';
export type { ImpalaEngineConfig } from './impala-engine.ts';
export type ParquetTableConfig = Static<typeof ParquetTableSchema>;
export type UserConfig = Static<typeof UserSchema>;
export type TeamConfig = Static<typeof TeamSchema>;
export type RoutingRuleConfig = Static<typeof RoutingRuleSchema>;
