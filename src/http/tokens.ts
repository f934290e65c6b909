import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';

/** Every API token starts with this, so a leaked one is easy to recognise (and to scan for). */
export const TOKEN_PREFIX = 'tg_';

export interface ApiToken {
  id: string;
  user: string;
  name: string;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

interface TokenRow {
  id: string;
  user_name: string;
  name: string;
  created_by: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

const COLUMNS = 'id, user_name, name, created_by, created_at, expires_at, revoked_at, last_used_at';

function fromRow(r: TokenRow): ApiToken {
  return { id: r.id, user: r.user_name, name: r.name, createdBy: r.created_by, createdAt: r.created_at, expiresAt: r.expires_at, revokedAt: r.revoked_at, lastUsedAt: r.last_used_at };
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** API tokens in ledger.api_tokens (migration 8): only their SHA-256 is stored. */
export class ApiTokenStore {
  constructor(private readonly pool: pg.Pool) {}

  async issue(req: { user: string; name: string; createdBy: string; now: Date; expiresAt: Date | null }): Promise<{ token: string; record: ApiToken }> {
    // 32 random bytes: far beyond guessing, so a token needs no password hashing, a plain SHA-256 will do.
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const r = await this.pool.query<TokenRow>(
      `INSERT INTO ledger.api_tokens (id, user_name, name, token_hash, created_by, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [randomUUID(), req.user, req.name, hashToken(token), req.createdBy, req.now, req.expiresAt],
    );
    return { token, record: fromRow(r.rows[0]!) };
  }

  async list(user?: string): Promise<ApiToken[]> {
    const r = await this.pool.query<TokenRow>(
      `SELECT ${COLUMNS} FROM ledger.api_tokens WHERE ($1::text IS NULL OR user_name = $1) ORDER BY created_at DESC, id`,
      [user ?? null],
    );
    return r.rows.map(fromRow);
  }

  /** False when there is no such token, or it was revoked already. */
  async revoke(id: string, now: Date): Promise<boolean> {
    const r = await this.pool.query('UPDATE ledger.api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [id, now]);
    return r.rowCount === 1;
  }

  /** The user a live token acts as (and notes its use), or null for an unknown, revoked or expired token. */
  async use(token: string, now: Date): Promise<string | null> {
    const r = await this.pool.query<{ user_name: string }>(
      `UPDATE ledger.api_tokens SET last_used_at = $2
        WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)
        RETURNING user_name`,
      [hashToken(token), now],
    );
    return r.rows[0]?.user_name ?? null;
  }
}

/** A getter for the store on the ledger pool of the moment (the pool appears once the ledger is up). */
export function tokenStoreOn(pool: () => pg.Pool | undefined): () => ApiTokenStore | undefined {
  let current: { pool: pg.Pool; store: ApiTokenStore } | undefined;
  return () => {
    const p = pool();
    if (p === undefined) return undefined;
    if (current?.pool !== p) current = { pool: p, store: new ApiTokenStore(p) };
    return current.store;
  };
}
