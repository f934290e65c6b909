import { Type, type Static } from '@sinclair/typebox';
import { PricingSchema } from './pricing-schema.ts';

/**
 * A Vertica engine in tollgate's config (wired into schema.ts's EngineSchema by the config's owner).
 * The password is only ever the name of an environment variable; the CA is a PEM file.
 */

export const VerticaTableSchema = Type.Object(
  {
    schema: Type.String({ minLength: 1 }),
    name: Type.String({ minLength: 1 }),
    comment: Type.Optional(Type.String({ description: "Wins over the table's comment in Vertica (v_catalog.comments)." })),
    columns: Type.Optional(Type.Record(Type.String(), Type.String(), { description: "Column comments shown in BI tools; win over Vertica's own." })),
  },
  { additionalProperties: false },
);

export const VerticaConnectionSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, description: 'Host name or address of a Vertica node.' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 5433 }),
    database: Type.String({ minLength: 1 }),
    user: Type.String({ minLength: 1 }),
    password: Type.Object(
      { env: Type.String({ minLength: 1, description: 'Name of an environment variable holding the password.' }) },
      { additionalProperties: false, description: 'Never a plain-text password.' },
    ),
    tls: Type.Optional(
      Type.Union([
        Type.Boolean({ description: "true: TLS, verifying the server's certificate and name against the system CAs." }),
        Type.Object(
          {
            mode: Type.Union([Type.Literal('require'), Type.Literal('verify-ca'), Type.Literal('verify-full')], {
              default: 'verify-full',
              description: "require: encrypt only; verify-ca: check the certificate's CA; verify-full: also check it names the host.",
            }),
            ca: Type.Optional(Type.String({ description: 'PEM file of the CA to trust, relative to the config file or absolute.' })),
          },
          { additionalProperties: false },
        ),
      ]),
    ),
  },
  { additionalProperties: false },
);

export const VerticaEngineSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    kind: Type.Literal('vertica'),
    pricing: Type.Optional(PricingSchema),
    connection: VerticaConnectionSchema,
    maxConnections: Type.Optional(Type.Integer({ minimum: 1, description: 'Statements that may run at once (pooled sessions); default 10.' })),
    tables: Type.Array(VerticaTableSchema, { default: [], description: 'Tables served, named one by one.' }),
    schemas: Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'Schemas whose every table and view is served.' }),
  },
  { additionalProperties: false },
);

export type VerticaEngineConfig = Static<typeof VerticaEngineSchema>;
export type VerticaTableEntry = Static<typeof VerticaTableSchema>;
