/**
 * An Impala engine in tollgate's config (kind: impala): an impalad's HiveServer2 port, SASL PLAIN or
 * NOSASL, optional TLS, and the tables or databases it serves. The password is only ever named by an
 * environment variable. See src/connectors/impala/README.md.
 *
 *   - name: dwh
 *     kind: impala
 *     connection: { host: impala.internal, port: 21050, auth: plain, user: tollgate, password: { env: IMPALA_PASSWORD }, tls: { ca: impala-ca.pem } }
 *     maxConnections: 10
 *     tables: [{ schema: sales, name: orders, comment: one row per order }]
 *     schemas: [marts]
 */
import { Type, type Static } from '@sinclair/typebox';
import { PricingSchema } from './pricing-schema.ts';

export const ImpalaTableSchema = Type.Object(
  {
    schema: Type.String({ minLength: 1, description: 'The Impala database.' }),
    name: Type.String({ minLength: 1 }),
    comment: Type.Optional(Type.String({ description: "Wins over the table's comment in Impala." })),
    columns: Type.Optional(Type.Record(Type.String(), Type.String(), { description: "Column comments shown in BI tools; win over Impala's own." })),
  },
  { additionalProperties: false },
);

export const ImpalaConnectionSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, description: 'Host name or address of an impalad (or a load balancer in front of several).' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 21050, description: "The impalad's HiveServer2 port." }),
    auth: Type.Union([Type.Literal('plain'), Type.Literal('nosasl')], {
      default: 'plain',
      description: "'plain': SASL PLAIN with user and password (Impala with LDAP authentication); 'nosasl': no authentication.",
    }),
    user: Type.String({ minLength: 1 }),
    password: Type.Optional(
      Type.Object(
        { env: Type.String({ minLength: 1, description: 'Name of an environment variable holding the password.' }) },
        { additionalProperties: false, description: 'Never a plain-text password. Required with auth: plain.' },
      ),
    ),
    tls: Type.Optional(
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

export const ImpalaEngineSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    kind: Type.Literal('impala'),
    pricing: Type.Optional(PricingSchema),
    connection: ImpalaConnectionSchema,
    maxConnections: Type.Optional(Type.Integer({ minimum: 1, description: 'Statements that may run at once (pooled sessions); default 10.' })),
    tables: Type.Array(ImpalaTableSchema, { default: [], description: 'Tables served, named one by one.' }),
    schemas: Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'Databases whose every table and view is served.' }),
  },
  { additionalProperties: false },
);

export type ImpalaEngineConfig = Static<typeof ImpalaEngineSchema>;
export type ImpalaTableConfigInput = Static<typeof ImpalaTableSchema>;
