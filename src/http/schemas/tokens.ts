import { Type, type Static } from '@sinclair/typebox';

const Timestamp = Type.String({ format: 'date-time' });
const Name = Type.String({ minLength: 1, maxLength: 200 });

export const TokenBody = Type.Object(
  {
    user: Name,
    name: Type.String({ minLength: 1, maxLength: 200, description: 'what the token is for (a script, a notebook)' }),
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  },
  { additionalProperties: false },
);
export type TokenBody = Static<typeof TokenBody>;

export const IssuedToken = Type.Object({
  id: Type.String(),
  /** Shown once: only its SHA-256 is stored. */
  token: Type.String({ description: 'tg_…: send as Authorization: Bearer; shown only in this answer' }),
  user: Type.String(),
  name: Type.String(),
  expiresAt: Type.Union([Timestamp, Type.Null()]),
});

export const TokenJson = Type.Object({
  id: Type.String(),
  user: Type.String(),
  name: Type.String(),
  createdBy: Type.String(),
  createdAt: Timestamp,
  expiresAt: Type.Union([Timestamp, Type.Null()]),
  revokedAt: Type.Union([Timestamp, Type.Null()]),
  lastUsedAt: Type.Union([Timestamp, Type.Null()]),
});

export const TokenListQuery = Type.Object({ user: Type.Optional(Name) }, { additionalProperties: false });
export type TokenListQuery = Static<typeof TokenListQuery>;

export const TokenList = Type.Object({ tokens: Type.Array(TokenJson) });

export const TokenParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
export type TokenParams = Static<typeof TokenParams>;
