import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { GatewayError } from '../errors/index.ts';
import {
  DEFAULT_SCRAM_ITERATIONS,
  SCRAM_KEY_LENGTH,
  SCRAM_SALT_LENGTH,
  hmacSha256,
  parseScramVerifier,
  sha256,
  type ScramSecret,
} from './password.ts';

/**
 * The server side of SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL implements it (auth-scram.c):
 *
 *   const ex = new ScramExchange(verifierOrNull, { user, mockSecret });
 *   writer.authenticationSASL(ex.mechanisms);
 *   // SASLInitialResponse:
 *   writer.authenticationSASLContinue(ex.clientFirst(initial.data, initial.mechanism));
 *   // SASLResponse:
 *   const r = ex.clientFinal(response.data);
 *   if (r.ok) writer.authenticationSASLFinal(r.serverFinal); else throw r.error;   // 28P01
 *
 * - A pure state machine: no I/O, no timers; the caller frames the messages.
 * - Malformed client messages throw GatewayError (08P01 'malformed SCRAM message' with PostgreSQL's
 *   detail lines, 0A000 for authzid or mandatory extensions, 28000 for a failed channel-binding check);
 *   a wrong password is not an exception: clientFinal returns { ok: false, error } with 28P01
 *   'password authentication failed for user "x"'. During authentication every error is FATAL.
 * - Unknown users (verifier null) and unusable verifiers run the same exchange against a fake verifier
 *   derived from `mockSecret` and the user name (PostgreSQL's mock authentication): the salt is stable
 *   per user, so the salt and the timing do not tell whether a user exists; the exchange then fails.
 * - Channel binding: gs2 flag 'n' (client does not support it) and 'y' (client supports it but thinks
 *   the server does not) are accepted unless SCRAM-SHA-256-PLUS was offered, in which case 'y' is a
 *   downgrade and refused. 'p=tls-server-end-point' is accepted only with SCRAM-SHA-256-PLUS, which is
 *   offered only when the caller passes `tlsServerEndPoint` (see tlsServerEndPointHash).
 * - The client's username attribute (n=) is ignored; the startup packet's user counts (as PostgreSQL).
 * - Not supported (as in PostgreSQL): authzid (a=), mandatory extensions (m=), and a SASLInitialResponse
 *   without initial data (the caller should refuse data === null).
 */

export const SCRAM_SHA_256_NAME = 'SCRAM-SHA-256';
export const SCRAM_SHA_256_PLUS_NAME = 'SCRAM-SHA-256-PLUS';
/** PostgreSQL's SCRAM_RAW_NONCE_LEN: random bytes in the server nonce (base64 in the message). */
const SERVER_NONCE_BYTES = 18;

export interface ScramOptions {
  /** The user from the startup packet: used for the fake verifier and in the failure message. */
  user: string;
  /**
   * Server secret for the fake verifiers of unknown users. Use one per server (or per cluster of
   * servers behind one address), kept across restarts if possible, so a user's fake salt does not change.
   * Defaults to a random per-process secret.
   */
  mockSecret?: Uint8Array | string;
  /** Iterations announced for fake verifiers; default 4096 like real ones. */
  mockIterations?: number;
  /**
   * The tls-server-end-point channel binding data (RFC 5929) of the server certificate this connection
   * uses (see tlsServerEndPointHash). When given, SCRAM-SHA-256-PLUS is offered first.
   */
  tlsServerEndPoint?: Uint8Array;
  /** Server nonce override, for tests only (printable ASCII without ','). */
  serverNonce?: string;
}

export type ScramFinalResult = { ok: true; serverFinal: Buffer } | { ok: false; error: GatewayError };

let processMockSecret: Buffer | null = null;

/**
 * A deterministic fake verifier for `user`: salt = first 16 bytes of HMAC-SHA-256(secret, 'salt' NUL user),
 * keys likewise derived (they never match: the exchange is marked doomed anyway).
 */
export function mockScramSecret(user: string, secret: Uint8Array | string, iterations = DEFAULT_SCRAM_ITERATIONS): ScramSecret {
  const key = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  return {
    iterations,
    salt: hmacSha256(key, `salt\0${user}`).subarray(0, SCRAM_SALT_LENGTH),
    storedKey: hmacSha256(key, `stored-key\0${user}`),
    serverKey: hmacSha256(key, `server-key\0${user}`),
  };
}

function malformed(detail: string): GatewayError {
  return new GatewayError('PROTOCOL_VIOLATION', 'malformed SCRAM message', { detail });
}

/** PostgreSQL's sanitize_char: a printable ASCII character in single quotes, anything else as 0x%02x. */
function sanitizeChar(c: string | undefined): string {
  if (c === undefined || c === '') return '0x00';
  const code = c.charCodeAt(0);
  return code >= 0x21 && code <= 0x7e ? `'${c}'` : '0x' + code.toString(16).padStart(2, '0');
}

/** PostgreSQL's sanitize_str: non-printable characters become '?', and at most 30 characters are kept. */
function sanitizeStr(s: string): string {
  let out = '';
  for (let i = 0; i < s.length && i < 30; i++) {
    const code = s.charCodeAt(i);
    out += code >= 0x21 && code <= 0x7e ? s[i] : '?';
  }
  return out;
}

/** Printable ASCII except ',' (RFC 5802 'printable'). */
function isPrintable(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === 0x2c) return false;
  }
  return true;
}

/**
 * A cursor over a SCRAM message. The message bytes are read as latin1, so that one character is one
 * byte and slices turn back into the exact bytes (needed for AuthMessage).
 */
class AttrCursor {
  pos = 0;
  constructor(readonly s: string) {}

  peek(): string | undefined {
    return this.s[this.pos];
  }

  atEnd(): boolean {
    return this.pos >= this.s.length;
  }

  /** read_attribute_value: expects `attr=value`, consumes up to and including the next ','. */
  value(attr: string): string {
    const c = this.s[this.pos];
    if (c !== attr) {
      throw malformed(`Expected attribute "${attr}" but found "${sanitizeChar(c)}".`);
    }
    if (this.s[this.pos + 1] !== '=') throw malformed(`Expected character "=" for attribute "${attr}".`);
    return this.rest(this.pos + 2);
  }

  /** read_any_attr: any `letter=value`; returns [letter, value]. */
  anyAttr(): [string, string] {
    const c = this.s[this.pos];
    if (c === undefined) throw malformed('Attribute expected, but found end of string.');
    if (!/^[A-Za-z]$/.test(c)) throw malformed(`Attribute expected, but found invalid character "${sanitizeChar(c)}".`);
    if (this.s[this.pos + 1] !== '=') throw malformed(`Expected character "=" for attribute "${c}".`);
    return [c, this.rest(this.pos + 2)];
  }

  private rest(from: number): string {
    let end = this.s.indexOf(',', from);
    if (end < 0) end = this.s.length;
    const v = this.s.slice(from, end);
    this.pos = end < this.s.length ? end + 1 : end;
    return v;
  }
}

/** Checks and decodes a SCRAM message: bytes with no NUL, not empty (PostgreSQL's checks), as latin1. */
function messageText(data: Uint8Array): string {
  if (data.length === 0) throw malformed('The message is empty.');
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length);
  if (buf.indexOf(0) >= 0) throw malformed('Message length does not match input length.');
  return buf.toString('latin1');
}

const STATE_INIT = 0;
const STATE_SALT_SENT = 1;
const STATE_DONE = 2;

export class ScramExchange {
  /** Mechanisms to offer in AuthenticationSASL, preferred first. */
  readonly mechanisms: readonly string[];

  private readonly user: string;
  private readonly secret: ScramSecret;
  /** The exchange must fail whatever the client sends (unknown user, unusable verifier). */
  private readonly doomed: boolean;
  private readonly cbindData: Buffer | null;
  private readonly serverNonceOverride: string | undefined;

  private state = STATE_INIT;
  private cbindFlag = '';
  private channelBindingInUse = false;
  private clientFirstBare = '';
  private serverFirst = '';
  private nonce = '';

  /**
   * @param verifier the user's 'SCRAM-SHA-256$...' verifier; null or undefined for an unknown user (a fake
   *   exchange runs and fails); a string that does not parse is treated like an unknown user.
   */
  constructor(verifier: string | null | undefined, options: ScramOptions) {
    this.user = options.user;
    const parsed = verifier ? parseScramVerifier(verifier) : null;
    if (parsed) {
      this.secret = parsed;
      this.doomed = false;
    } else {
      const secret = options.mockSecret ?? (processMockSecret ??= randomBytes(32));
      this.secret = mockScramSecret(options.user, secret, options.mockIterations ?? DEFAULT_SCRAM_ITERATIONS);
      this.doomed = true;
    }
    this.cbindData = options.tlsServerEndPoint ? Buffer.from(options.tlsServerEndPoint) : null;
    this.mechanisms = this.cbindData ? [SCRAM_SHA_256_PLUS_NAME, SCRAM_SHA_256_NAME] : [SCRAM_SHA_256_NAME];
    if (options.serverNonce !== undefined && (options.serverNonce === '' || !isPrintable(options.serverNonce))) {
      throw new TypeError('serverNonce must be printable ASCII without ","');
    }
    this.serverNonceOverride = options.serverNonce;
  }

  /** Whether clientFirst has been called (the next 'p' message is a SASLResponse). */
  get started(): boolean {
    return this.state !== STATE_INIT;
  }

  /** Whether clientFinal has been called. */
  get finished(): boolean {
    return this.state === STATE_DONE;
  }

  /**
   * Handles client-first-message (the SASLInitialResponse data) and returns server-first-message (for
   * AuthenticationSASLContinue). Throws GatewayError for a mechanism not offered or a malformed message.
   */
  clientFirst(data: Uint8Array, mechanism: string = SCRAM_SHA_256_NAME): Buffer {
    if (this.state !== STATE_INIT) throw new GatewayError('PROTOCOL_VIOLATION', 'unexpected SCRAM client-first-message');
    if (!this.mechanisms.includes(mechanism)) {
      throw new GatewayError('PROTOCOL_VIOLATION', 'client selected an invalid SASL authentication mechanism');
    }
    this.channelBindingInUse = mechanism === SCRAM_SHA_256_PLUS_NAME;
    // Once called, the exchange is spent whatever happens.
    this.state = STATE_SALT_SENT;
    const c = new AttrCursor(messageText(data));

    // gs2-cbind-flag
    const flag = c.peek();
    if (flag === 'n' || flag === 'y') {
      if (this.channelBindingInUse) {
        throw malformed('The client selected SCRAM-SHA-256-PLUS, but the SCRAM message does not include channel binding data.');
      }
      if (flag === 'y' && this.cbindData) {
        throw new GatewayError('PROTOCOL_VIOLATION', 'SCRAM channel binding negotiation error', {
          detail: 'The client supports SCRAM channel binding but thinks the server does not.  However, this server does support channel binding.',
        });
      }
      c.pos++;
      if (c.peek() !== ',') throw malformed(`Comma expected, but found character "${sanitizeChar(c.peek())}".`);
      c.pos++;
    } else if (flag === 'p') {
      if (!this.channelBindingInUse) {
        throw malformed('The client selected SCRAM-SHA-256 without channel binding, but the SCRAM message includes channel binding data.');
      }
      const type = c.value('p');
      if (type !== 'tls-server-end-point') {
        throw new GatewayError('PROTOCOL_VIOLATION', `unsupported SCRAM channel-binding type "${sanitizeStr(type)}"`);
      }
    } else {
      throw malformed(`Unexpected channel-binding flag "${sanitizeChar(flag)}".`);
    }
    this.cbindFlag = flag;

    // authzid: not supported.
    if (c.peek() === 'a') {
      throw new GatewayError('FEATURE_NOT_SUPPORTED', 'client uses authorization identity, but it is not supported');
    }
    if (c.peek() !== ',') throw malformed(`Unexpected attribute "${sanitizeChar(c.peek())}" in client-first-message.`);
    c.pos++;

    this.clientFirstBare = c.s.slice(c.pos);
    if (c.peek() === 'm') throw new GatewayError('FEATURE_NOT_SUPPORTED', 'client requires an unsupported SCRAM extension');
    c.value('n'); // username: ignored, the startup packet's user counts
    const clientNonce = c.value('r');
    if (!isPrintable(clientNonce)) throw new GatewayError('PROTOCOL_VIOLATION', 'non-printable characters in SCRAM nonce');
    while (!c.atEnd()) c.anyAttr(); // optional extensions: ignored

    const serverNonce = this.serverNonceOverride ?? randomBytes(SERVER_NONCE_BYTES).toString('base64');
    this.nonce = clientNonce + serverNonce;
    this.serverFirst = `r=${this.nonce},s=${this.secret.salt.toString('base64')},i=${this.secret.iterations}`;
    return Buffer.from(this.serverFirst, 'latin1');
  }

  /**
   * Handles client-final-message (the SASLResponse data). Returns { ok: true, serverFinal } (for
   * AuthenticationSASLFinal) when the proof is right, { ok: false, error: 28P01 } when it is not or the
   * user is unknown. Throws GatewayError for a malformed message or a failed channel-binding check.
   */
  clientFinal(data: Uint8Array): ScramFinalResult {
    if (this.state !== STATE_SALT_SENT) throw new GatewayError('PROTOCOL_VIOLATION', 'unexpected SCRAM client-final-message');
    this.state = STATE_DONE;
    const c = new AttrCursor(messageText(data));

    const channelBinding = c.value('c');
    if (this.channelBindingInUse) {
      const cbind = this.cbindData as Buffer;
      const expected = Buffer.concat([Buffer.from('p=tls-server-end-point,,', 'latin1'), cbind]).toString('base64');
      if (channelBinding !== expected) throw new GatewayError('INVALID_AUTHORIZATION', 'SCRAM channel binding check failed');
    } else if (!((channelBinding === 'biws' && this.cbindFlag === 'n') || (channelBinding === 'eSws' && this.cbindFlag === 'y'))) {
      // 'biws' = base64('n,,'), 'eSws' = base64('y,,'), repeating the flag of client-first-message.
      throw new GatewayError('PROTOCOL_VIOLATION', 'unexpected SCRAM channel-binding attribute in client-final-message');
    }

    const finalNonce = c.value('r');
    // Extensions until the proof; the proof is the last attribute.
    let proofStart: number;
    let attr: string;
    let value: string;
    do {
      proofStart = c.pos;
      [attr, value] = c.anyAttr();
    } while (attr !== 'p');
    const proof = /^[A-Za-z0-9+/]*={0,2}$/.test(value) && value.length % 4 === 0 ? Buffer.from(value, 'base64') : null;
    if (proof === null || proof.length !== SCRAM_KEY_LENGTH) throw malformed('Malformed proof in client-final-message.');
    if (!c.atEnd()) throw malformed('Garbage found at the end of client-final-message.');
    // PostgreSQL checks the nonce after parsing the whole message.
    if (finalNonce !== this.nonce) {
      throw new GatewayError('PROTOCOL_VIOLATION', 'invalid SCRAM response', { detail: 'Nonce does not match.' });
    }

    const withoutProof = c.s.slice(0, proofStart - 1); // without the ',' before 'p='
    const authMessage = Buffer.from(`${this.clientFirstBare},${this.serverFirst},${withoutProof}`, 'latin1');

    // ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage); valid when H(ClientKey) = StoredKey.
    const clientSignature = hmacSha256(this.secret.storedKey, authMessage);
    const clientKey = Buffer.allocUnsafe(SCRAM_KEY_LENGTH);
    for (let i = 0; i < SCRAM_KEY_LENGTH; i++) clientKey[i] = proof[i] ^ clientSignature[i];
    const matches = timingSafeEqual(sha256(clientKey), this.secret.storedKey);
    if (!matches || this.doomed) {
      return {
        ok: false,
        error: new GatewayError('INVALID_PASSWORD', `password authentication failed for user "${this.user}"`),
      };
    }
    const serverSignature = hmacSha256(this.secret.serverKey, authMessage);
    return { ok: true, serverFinal: Buffer.from(`v=${serverSignature.toString('base64')}`, 'latin1') };
  }
}

// ---------------------------------------------------------------------------------------------------
// tls-server-end-point (RFC 5929 section 4.1)

/** Hash names by signature algorithm OID; MD5 and SHA-1 are replaced by SHA-256 as RFC 5929 requires. */
const SIGNATURE_HASH: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'sha256', // md5WithRSAEncryption
  '1.2.840.113549.1.1.5': 'sha256', // sha1WithRSAEncryption
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.113549.1.1.14': 'sha224',
  '1.2.840.10045.4.1': 'sha256', // ecdsa-with-SHA1
  '1.2.840.10045.4.3.1': 'sha224',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.10040.4.3': 'sha256', // dsa-with-sha1
  '2.16.840.1.101.3.4.3.1': 'sha224', // dsa-with-sha224
  '2.16.840.1.101.3.4.3.2': 'sha256', // dsa-with-sha256
};
/** Digest algorithm OIDs, for RSASSA-PSS parameters. */
const DIGEST_HASH: Record<string, string> = {
  '1.3.14.3.2.26': 'sha256', // SHA-1 → SHA-256
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '2.16.840.1.101.3.4.2.4': 'sha224',
};
const RSASSA_PSS = '1.2.840.113549.1.1.10';

interface Der {
  tag: number;
  /** Start of the contents. */
  start: number;
  /** End of the contents (exclusive). */
  end: number;
}

function readDer(b: Uint8Array, pos: number, limit: number): Der | null {
  if (pos + 2 > limit) return null;
  const tag = b[pos];
  let len = b[pos + 1];
  let p = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > limit) return null;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[p + i];
    p += n;
  }
  if (p + len > limit) return null;
  return { tag, start: p, end: p + len };
}

function decodeOid(b: Uint8Array, start: number, end: number): string {
  const parts: number[] = [];
  let v = 0;
  for (let i = start; i < end; i++) {
    v = v * 128 + (b[i] & 0x7f);
    if ((b[i] & 0x80) === 0) {
      if (parts.length === 0) {
        const first = v < 80 ? Math.floor(v / 40) : 2;
        parts.push(first, v - first * 40);
      } else parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

/**
 * The tls-server-end-point channel binding data for a DER certificate: its hash with the hash function of
 * its signature algorithm (SHA-256 for MD5 and SHA-1), as OpenSSL-based PostgreSQL and libpq compute it.
 * Null when the algorithm has no single hash function (Ed25519, Ed448) or the certificate does not parse;
 * then do not offer SCRAM-SHA-256-PLUS.
 */
export function tlsServerEndPointHash(certDer: Uint8Array): Buffer | null {
  const cert = readDer(certDer, 0, certDer.length);
  if (!cert || cert.tag !== 0x30) return null;
  const tbs = readDer(certDer, cert.start, cert.end);
  if (!tbs || tbs.tag !== 0x30) return null;
  const algId = readDer(certDer, tbs.end, cert.end);
  if (!algId || algId.tag !== 0x30) return null;
  const oidDer = readDer(certDer, algId.start, algId.end);
  if (!oidDer || oidDer.tag !== 0x06) return null;
  const oid = decodeOid(certDer, oidDer.start, oidDer.end);
  let hash: string | undefined = SIGNATURE_HASH[oid];
  if (oid === RSASSA_PSS) {
    hash = 'sha256'; // default hashAlgorithm is SHA-1, replaced by SHA-256
    const params = readDer(certDer, oidDer.end, algId.end);
    if (params && params.tag === 0x30) {
      const first = readDer(certDer, params.start, params.end);
      if (first && first.tag === 0xa0) {
        const hashAlg = readDer(certDer, first.start, first.end);
        const hashOid = hashAlg && hashAlg.tag === 0x30 ? readDer(certDer, hashAlg.start, hashAlg.end) : null;
        if (!hashOid || hashOid.tag !== 0x06) return null;
        hash = DIGEST_HASH[decodeOid(certDer, hashOid.start, hashOid.end)];
      }
    }
  }
  if (hash === undefined) return null;
  return createHash(hash).update(certDer).digest();
}
