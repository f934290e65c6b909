/**
 * Generated and mutated frontend messages for the protocol fuzzer. Every generator is driven by a seeded
 * PRNG, so a failing run is replayed with its seed. A "piece" is one message as it goes on the wire,
 * plus whether its framing (type byte and length) is still intact: a message with a broken length can
 * leave the server legitimately waiting for bytes that never come, which the fuzzer must tell apart
 * from a hang.
 */
import type { Rand } from './mode.ts';
import { cstr, int16, int32, startupPacket, typed, untyped } from './raw-conn.ts';

export interface Piece {
  bytes: Buffer;
  /** False when the type byte or length no longer delimits the message as the server will read it. */
  framed: boolean;
  /** What it is, for the failure report. */
  label: string;
}

/** Cheap statements only: a fuzzed session must never hold the engines for long. */
const SQL = [
  'SELECT 1',
  'SELECT count(*) FROM lake.hotels',
  'SELECT hotel_id, name FROM lake.hotels ORDER BY hotel_id LIMIT 5',
  'SELECT $1::int + 1',
  'SELECT $1::text, $2::int',
  'SHOW ALL',
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
  'SET tollgate.engine = lake',
  'SET application_name = \'fuzz\'',
  'COPY (SELECT 1 AS a) TO STDOUT',
  'COPY lake.hotels FROM STDIN',
  'INSERT INTO lake.hotels VALUES (1)',
  'SELECT oid, typname FROM pg_catalog.pg_type LIMIT 3',
  'DEALLOCATE ALL',
  'DISCARD ALL',
  '',
  ';',
  'SELECT 1; SELECT 2',
  "SELECT 'unterminated",
  'SELEC 1',
];
const NAMES = ['', 's1', 's2', 'p1', 'x'.repeat(200), '\u00e9t\u00e9', 'nope'];

function param(r: Rand): Buffer {
  if (r.chance(0.2)) return int32(-1); // NULL
  const v = r.pick([Buffer.from(String(r.int(1000))), Buffer.from('abc'), Buffer.from([0xff, 0xfe]), int32(7), Buffer.alloc(0)]);
  return Buffer.concat([int32(v.length), v]);
}

function formats(r: Rand): Buffer {
  const n = r.pick([0, 1, 2, 3, 40]);
  const parts = [int16(n)];
  for (let i = 0; i < n; i++) parts.push(int16(r.pick([0, 1, 2, -1])));
  return Buffer.concat(parts);
}

/** A well-formed frontend message of any kind, in no particular order. */
export function validMessage(r: Rand): Piece {
  const kind = r.int(14);
  const name = (): string => r.pick(NAMES);
  switch (kind) {
    case 0:
      return { bytes: typed('Q', cstr(r.pick(SQL))), framed: true, label: 'Query' };
    case 1: {
      const n = r.pick([0, 1, 2, 70]);
      const types = Array.from({ length: n }, () => int32(r.pick([0, 23, 25, 16, 1700, 999999])));
      return { bytes: typed('P', Buffer.concat([cstr(name()), cstr(r.pick(SQL)), int16(n), ...types])), framed: true, label: 'Parse' };
    }
    case 2: {
      const n = r.pick([0, 1, 2, 5]);
      const body = Buffer.concat([cstr(name()), cstr(name()), formats(r), int16(n), ...Array.from({ length: n }, () => param(r)), formats(r)]);
      return { bytes: typed('B', body), framed: true, label: 'Bind' };
    }
    case 3:
      return { bytes: typed('D', Buffer.concat([Buffer.from(r.pick(['S', 'P', 'X'])), cstr(name())])), framed: true, label: 'Describe' };
    case 4:
      return { bytes: typed('E', Buffer.concat([cstr(name()), int32(r.pick([0, 1, 2, -1, 1000]))])), framed: true, label: 'Execute' };
    case 5:
    case 6:
      return { bytes: typed('S', Buffer.alloc(0)), framed: true, label: 'Sync' };
    case 7:
      return { bytes: typed('H', Buffer.alloc(0)), framed: true, label: 'Flush' };
    case 8:
      return { bytes: typed('C', Buffer.concat([Buffer.from(r.pick(['S', 'P', 'Z'])), cstr(name())])), framed: true, label: 'Close' };
    case 9:
      return { bytes: typed('d', Buffer.from('1\tfoo\n')), framed: true, label: 'CopyData' };
    case 10:
      return { bytes: typed('c', Buffer.alloc(0)), framed: true, label: 'CopyDone' };
    case 11:
      return { bytes: typed('f', cstr('client gave up')), framed: true, label: 'CopyFail' };
    case 12:
      return { bytes: typed('F', Buffer.concat([int32(1234), int16(0), int16(0), int16(0)])), framed: true, label: 'FunctionCall' };
    default:
      // A password message after authentication is fatal (as in PostgreSQL), so only rarely: most sessions
      // should live long enough to reach deeper states.
      if (r.chance(0.1)) return { bytes: typed('p', cstr('secret')), framed: true, label: 'PasswordMessage' };
      return { bytes: typed('S', Buffer.alloc(0)), framed: true, label: 'Sync' };
  }
}

/** A mutation of a valid message; `framed` says whether the length still delimits it. */
export function mutate(r: Rand, p: Piece): Piece {
  const b = Buffer.from(p.bytes);
  switch (r.int(9)) {
    case 0: // truncation
      return { bytes: b.subarray(0, r.int(b.length)), framed: false, label: `${p.label} truncated` };
    case 1: {
      // length off by one (either way), body unchanged
      b.writeInt32BE(b.readInt32BE(1) + (r.chance(0.5) ? 1 : -1), 1);
      return { bytes: b, framed: false, label: `${p.label} length off by one` };
    }
    case 2: {
      const len = r.pick([-1, -2147483648, 0, 1, 3, 0x7fffffff, 0x3ffffffe, 0x40000000, 10001, 65536]);
      b.writeInt32BE(len, 1);
      return { bytes: b, framed: false, label: `${p.label} length ${len}` };
    }
    case 3: {
      b[0] = r.int(256);
      return { bytes: b, framed: false, label: `${p.label} type byte 0x${b[0]!.toString(16)}` };
    }
    case 4: {
      // bit flips in the body only: framing intact, content hostile
      for (let i = 0; i < 1 + r.int(4) && b.length > 5; i++) b[5 + r.int(b.length - 5)] ^= 1 << r.int(8);
      return { bytes: b, framed: true, label: `${p.label} body bit flips` };
    }
    case 5: {
      // body replaced by random bytes, length consistent
      const body = Buffer.alloc(r.int(64));
      for (let i = 0; i < body.length; i++) body[i] = r.int(256);
      return { bytes: typed(String.fromCharCode(b[0]!), body), framed: true, label: `${p.label} random body` };
    }
    case 6: {
      // body cut short but length adjusted: fields missing
      const cut = 5 + r.int(Math.max(1, b.length - 5));
      const body = b.subarray(5, cut);
      return { bytes: typed(String.fromCharCode(b[0]!), body), framed: true, label: `${p.label} fields missing` };
    }
    case 7: {
      // trailing junk inside the declared length
      const junk = Buffer.alloc(1 + r.int(16), r.int(256));
      return { bytes: typed(String.fromCharCode(b[0]!), Buffer.concat([b.subarray(5), junk])), framed: true, label: `${p.label} trailing bytes` };
    }
    default: {
      // missing NUL terminators: every 0 byte in the body becomes 'A'
      const body = Buffer.from(b.subarray(5)).map((x) => (x === 0 ? 0x41 : x));
      return { bytes: typed(String.fromCharCode(b[0]!), Buffer.from(body)), framed: true, label: `${p.label} no terminators` };
    }
  }
}

export function randomBytes(r: Rand, max = 300): Piece {
  const b = Buffer.alloc(1 + r.int(max));
  for (let i = 0; i < b.length; i++) b[i] = r.int(256);
  return { bytes: b, framed: false, label: `${b.length} random bytes` };
}

/** SSLRequest, GSSENCRequest, CancelRequest or a StartupMessage: valid before startup, hostile after it. */
export function startupLike(r: Rand, users: readonly string[]): Piece {
  switch (r.int(4)) {
    case 0:
      return { bytes: untyped(int32(80877103)), framed: false, label: 'SSLRequest' };
    case 1:
      return { bytes: untyped(int32(80877104)), framed: false, label: 'GSSENCRequest' };
    case 2:
      return { bytes: untyped(Buffer.concat([int32(80877102), int32(r.int(2 ** 31)), int32(r.int(2 ** 31))])), framed: false, label: 'CancelRequest' };
    default:
      return { bytes: oddStartup(r, users), framed: false, label: 'StartupMessage' };
  }
}

/** Startup packets with odd parameters, versions and lengths. */
export function oddStartup(r: Rand, users: readonly string[]): Buffer {
  const user = r.pick(users);
  switch (r.int(12)) {
    case 0:
      return startupPacket({ user, database: 'tollgate' });
    case 1:
      return startupPacket({ database: 'tollgate' }); // no user
    case 2:
      return startupPacket({ user: '', database: '' });
    case 3:
      return startupPacket({ user, database: 'tollgate', options: '-c statement_timeout=1 --search_path=x', application_name: 'x'.repeat(2000) });
    case 4:
      return startupPacket({ user, replication: 'database' });
    case 5:
      return startupPacket({ user, database: 'tollgate', '_pq_.unknown_option': 'y' }, 196609); // protocol 3.1 with an option
    case 6:
      return startupPacket({ user, database: 'tollgate' }, 2 << 16);
    case 7: {
      // a parameter without a value, and no final terminator
      return untyped(Buffer.concat([int32(196608), cstr('user'), cstr(user), cstr('database')]));
    }
    case 8: {
      const params: Record<string, string> = { user };
      for (let i = 0; i < 300; i++) params[`p${i}`] = String(i);
      return startupPacket(params); // over the 10000-byte startup limit
    }
    case 9: {
      const b = startupPacket({ user, database: 'tollgate' });
      b.writeInt32BE(r.pick([-1, 0, 4, 7, 10005, 0x7fffffff, b.length + 1, b.length - 1]), 0);
      return b;
    }
    case 10:
      return untyped(Buffer.concat([int32(196608), Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x00, 0x00])])); // invalid UTF-8
    default:
      return startupPacket({ user, database: 'tollgate', client_encoding: r.pick(['LATIN1', 'SQL_ASCII', 'nope', 'UTF8']), DateStyle: 'German', TimeZone: 'Mars/Olympus' });
  }
}
