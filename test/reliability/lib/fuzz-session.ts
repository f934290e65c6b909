/**
 * One fuzzed connection: what it sends, and how it ended. A connection passes when the server answered
 * (the probe query came back), or closed it, within the hang deadline; a connection whose framing we
 * broke may leave the server waiting for bytes, so after a quiet spell we half-close (EOF) and the
 * server must then close within the deadline too.
 */
import { HANG_MS, sleep, type Rand } from './mode.ts';
import { mutate, oddStartup, randomBytes, startupLike, validMessage, type Piece } from './frontend-fuzz.ts';
import { cstr, int32, login, RawConn, sqlstateOf, typed } from './raw-conn.ts';

/** Server silence after which a connection with broken framing is presumed to wait for bytes. */
const QUIET_MS = 1500;

export type Ending = 'answered' | 'closed' | 'eof-closed' | 'hung';

export interface SessionResult {
  kind: 'preauth' | 'session';
  messages: number;
  ending: Ending;
  /** SQLSTATEs of the ErrorResponses received. */
  codes: string[];
  /** Problems: bad SQLSTATE fields, unframeable server output, a hang. */
  problems: string[];
  labels: string[];
}

const PREAUTH_USERS = ['carol', 'ghost', '', 'x'.repeat(100), '\u00e4\u00f6', 'admin\u0001'];

/** Writes bytes in random chunks with pauses, so messages also arrive split across TCP segments. */
async function writeChunked(r: Rand, conn: RawConn, bytes: Buffer): Promise<void> {
  for (let i = 0; i < bytes.length && !conn.closed; ) {
    const n = r.chance(0.3) ? 1 + r.int(8) : 1 + r.int(4096);
    conn.write(bytes.subarray(i, i + n));
    i += n;
    if (r.chance(0.2)) await sleep(r.int(3));
  }
}

function inspect(conn: RawConn, problems: string[]): string[] {
  const codes: string[] = [];
  for (const m of conn.messages) {
    if (m.type !== 'E') continue;
    const code = sqlstateOf(m.body);
    codes.push(code);
    if (!/^[0-9A-Z]{5}$/.test(code)) problems.push(`ErrorResponse without a valid SQLSTATE: ${JSON.stringify(m.body.toString('utf8'))}`);
  }
  return codes;
}

/** Waits for pred or a close; with `quiet`, gives up waiting after QUIET_MS of server silence and sends EOF. */
async function settle(conn: RawConn, pred: () => boolean, quiet: boolean): Promise<Ending> {
  if (quiet) {
    const deadline = Date.now() + HANG_MS;
    while (Date.now() < deadline && !conn.closed && !pred()) {
      await conn.until(pred, 250);
      if (Date.now() - conn.lastActivity > QUIET_MS) break;
    }
  } else {
    await conn.until(pred, HANG_MS);
  }
  if (pred()) return 'answered';
  if (conn.closed) return 'closed';
  conn.endWrite();
  await conn.until(() => false, HANG_MS);
  return conn.closed ? 'eof-closed' : 'hung';
}

/** Hostile bytes before or during startup and authentication. */
export async function preauthSession(r: Rand, port: number): Promise<SessionResult> {
  const conn = await RawConn.connect(port);
  const pieces: Piece[] = [];
  const n = 1 + r.int(4);
  for (let i = 0; i < n; i++) {
    const k = r.int(6);
    if (k === 0) pieces.push({ bytes: oddStartup(r, PREAUTH_USERS), framed: false, label: 'odd StartupMessage' });
    else if (k === 1) pieces.push(startupLike(r, PREAUTH_USERS));
    else if (k === 2) pieces.push(randomBytes(r));
    else if (k === 3) pieces.push(r.chance(0.5) ? validMessage(r) : mutate(r, validMessage(r)));
    else if (k === 4) {
      // A SASLInitialResponse with hostile content (mechanism, length field, data).
      const data = r.chance(0.5) ? Buffer.from('n,,n=,r=abc') : randomBytes(r, 80).bytes;
      const body = Buffer.concat([cstr(r.pick(['SCRAM-SHA-256', 'SCRAM-SHA-256-PLUS', 'PLAIN', ''])), int32(r.pick([data.length, -1, data.length + 5, 0])), data]);
      pieces.push({ bytes: typed('p', body), framed: true, label: 'SASLInitialResponse' });
    } else pieces.push({ bytes: typed('p', Buffer.from(`c=biws,r=x,p=${'A'.repeat(r.int(60))}`)), framed: true, label: 'SASLResponse' });
  }
  await writeChunked(r, conn, Buffer.concat(pieces.map((p) => p.bytes)));
  const ending = await settle(conn, () => false, true);
  conn.destroy();
  // Before startup the answers to SSL/GSSENC requests are single bytes, so only ErrorResponses that parse are checked.
  const problems: string[] = [];
  const codes = inspect(conn, problems);
  if (ending === 'hung') problems.push('hung: the server neither answered nor closed after EOF');
  return { kind: 'preauth', messages: pieces.length, ending, codes, problems, labels: pieces.map((p) => p.label) };
}

/** An authenticated session (alice) sent valid messages in invalid orders, mutations and garbage. */
export async function authenticatedSession(r: Rand, port: number, probe: number): Promise<SessionResult> {
  const conn = await login(port, 'alice', 'alice');
  const start = conn.messages.length;
  const clean = r.chance(0.6);
  const pieces: Piece[] = [];
  const n = 10 + r.int(90);
  for (let i = 0; i < n; i++) {
    const k = r.next();
    let p: Piece;
    if (k < 0.6) p = validMessage(r);
    else if (k < 0.9) p = mutate(r, validMessage(r));
    else if (k < 0.95) p = randomBytes(r);
    else p = startupLike(r, ['alice']);
    // Clean sessions keep framing intact throughout, so the probe must come back; dirty ones may not.
    if (clean) while (!p.framed) p = mutate(r, validMessage(r));
    // Terminate ends the session early; a few do.
    if (r.chance(0.005)) p = { bytes: typed('X', Buffer.alloc(0)), framed: true, label: 'Terminate' };
    pieces.push(p);
  }
  await writeChunked(r, conn, Buffer.concat(pieces.map((p) => p.bytes)));
  // Leave COPY FROM STDIN if a statement put us there, then Sync and a probe query that works in any state.
  const copyFail = conn.find('G', start) >= 0 ? typed('f', cstr('fuzz done')) : Buffer.alloc(0);
  const probeText = `ROLLBACK; SELECT ${probe} AS fuzz_probe`;
  if (!conn.closed) conn.write(Buffer.concat([copyFail, typed('S', Buffer.alloc(0)), typed('Q', cstr(probeText))]));
  const needle = Buffer.from(String(probe));
  const answered = (): boolean => conn.messages.some((m, i) => i >= start && m.type === 'D' && m.body.includes(needle));
  const ending = await settle(conn, answered, !clean);
  const problems: string[] = [];
  const codes = inspect(conn, problems);
  if (conn.garbled) problems.push(`server output could not be framed: ${conn.garbled}`);
  if (ending === 'hung') problems.push(`hung (${clean ? 'framing intact: the probe query never came back' : 'no close after EOF'})`);
  if (clean && ending === 'eof-closed') problems.push('framing intact but the probe query never came back (closed only after EOF)');
  if (ending === 'answered') conn.write(typed('X', Buffer.alloc(0)));
  conn.destroy();
  return { kind: 'session', messages: pieces.length, ending, codes, problems, labels: pieces.map((p) => p.label) };
}
