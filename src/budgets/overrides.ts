import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { GatewayError } from '../errors/index.ts';
import type { IssuedOverride, OverrideRequest } from './types.ts';

/** Tokens are 32 random bytes, base64url, prefixed so they are recognisable in a support chat. */
const TOKEN_PREFIX = 'tgo_';
/** An override longer than this is a budget change, not an override. */
const MAX_WINDOW_MS = 31 * 24 * 3600_000;

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export function newToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** Stores an override (only the token's hash) and records who issued it; the token is returned once. */
export async function insertOverride(client: pg.ClientBase, req: OverrideRequest, now: Date): Promise<IssuedOverride> {
  const validFrom = req.validFrom ?? now;
  const uses = req.uses === undefined ? 1 : req.uses;
  if (!(req.validUntil instanceof Date) || !(validFrom instanceof Date) || Number.isNaN(req.validUntil.getTime()) || Number.isNaN(validFrom.getTime())) {
    throw new GatewayError('INVALID_PARAMETER_VALUE', 'an override needs a valid validUntil (and validFrom) time');
  }
  if (req.validUntil.getTime() <= validFrom.getTime() || req.validUntil.getTime() <= now.getTime()) {
    throw new GatewayError('INVALID_PARAMETER_VALUE', 'an override must end after it starts and in the future');
  }
  if (req.validUntil.getTime() - validFrom.getTime() > MAX_WINDOW_MS) {
    throw new GatewayError('INVALID_PARAMETER_VALUE', 'an override may last at most 31 days; raise the budget instead');
  }
  if (uses !== null && (!Number.isInteger(uses) || uses < 1 || uses > 1_000_000)) {
    throw new GatewayError('INVALID_PARAMETER_VALUE', 'an override is good for a positive whole number of queries, or null for any number in its window');
  }
  const token = newToken();
  const id = randomUUID();
  await client.query(
    `INSERT INTO ledger.budget_overrides (id, token_hash, team, created_by, created_at, valid_from, valid_until, uses_left)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [id, hashToken(token), req.team, req.actor, now, validFrom, req.validUntil, uses],
  );
  return { id, token, team: req.team, validFrom, validUntil: req.validUntil, uses };
}

/**
 * Uses the token once if it is valid for this team now and has uses left. One UPDATE with the checks in
 * its WHERE: concurrent callers queue on the row lock and each re-checks uses_left on the row as the one
 * before left it, so a one-use token is consumed exactly once. Returns the override's id, or null.
 */
export async function consumeOverride(client: pg.ClientBase, team: string, token: string, now: Date): Promise<string | null> {
  const r = await client.query<{ id: string }>(
    `UPDATE ledger.budget_overrides
        SET uses_left = uses_left - 1, uses = uses + 1, last_used_at = $3
      WHERE token_hash = $1 AND team = $2 AND valid_from <= $3 AND valid_until > $3 AND (uses_left IS NULL OR uses_left > 0)
      RETURNING id`,
    [hashToken(token), team, now],
  );
  return r.rows[0]?.id ?? null;
}
