/**
 * Recognises the session and transaction statements that tollgate answers itself (SET, SHOW,
 * RESET, BEGIN/COMMIT/ROLLBACK, SAVEPOINT, DISCARD, DEALLOCATE, LISTEN/NOTIFY, cursors), from
 * tokens, following PostgreSQL 15's grammar (gram.y) closely enough to give its syntax errors with
 * its positions. Works where node-sql-parser fails (SET SESSION CHARACTERISTICS, DEALLOCATE …).
 */
import { GatewayError } from '../errors/index.ts';
import { isColId, isNonReservedWord, keywordCategory } from './keywords.ts';
import { foldIdentifier, lex, positionAt, syntaxErrorAt, type Token } from './lexer.ts';

export type IsolationLevel = 'read uncommitted' | 'read committed' | 'repeatable read' | 'serializable';

/** Transaction modes of BEGIN / START TRANSACTION / SET TRANSACTION; null = not given. Last one wins. */
export interface TransactionModes {
  isolation: IsolationLevel | null;
  readOnly: boolean | null;
  deferrable: boolean | null;
}

/** One argument of a SET, as written. */
export type SetArg =
  /** A string constant: '…', E'…', U&'…', $$…$$ (decoded). */
  | { readonly kind: 'string'; readonly value: string }
  /** An identifier or non-reserved keyword (or on/true/false): lower-cased unless it was "quoted". */
  | { readonly kind: 'word'; readonly value: string; readonly quoted: boolean }
  /** A signed number, normalised as PostgreSQL prints it: integers as int32 ('007' → '7'), others as written ('-1.50'). */
  | { readonly kind: 'number'; readonly value: string; readonly integer: boolean }
  /** SET TIME ZONE INTERVAL '…' [HOUR | MINUTE | HOUR TO MINUTE] or INTERVAL(p) '…'. */
  | {
      readonly kind: 'interval';
      readonly value: string;
      readonly qualifier: 'hour' | 'minute' | 'hour to minute' | null;
      readonly precision: number | null;
    };

export type SessionCommand =
  /**
   * SET [SESSION|LOCAL] name {TO|=} value[, …] | DEFAULT, and the special forms SET TIME ZONE
   * (name 'timezone'), SET SCHEMA 'x' ('search_path'), SET NAMES 'enc' ('client_encoding'),
   * SET XML OPTION … ('xmloption').
   */
  | {
      readonly kind: 'set';
      readonly tag: 'SET';
      /** Lower-cased parameter name; may be dotted ('tollgate.engine'). */
      readonly name: string;
      /** SET LOCAL: only until the end of the current transaction. */
      readonly local: boolean;
      /**
       * The value as PostgreSQL stores it before the parameter's own check (what SHOW prints for a
       * parameter without a canonicalising hook): arguments joined with ', ', identifiers quoted for
       * list parameters such as search_path. null means DEFAULT (reset to the default).
       */
      readonly value: string | null;
      readonly args: readonly SetArg[];
    }
  /** SET [SESSION|LOCAL] ROLE name|'name'|NONE (the executor refuses). */
  | { readonly kind: 'set-role'; readonly tag: 'SET'; readonly local: boolean; readonly role: string }
  /** SET [SESSION|LOCAL] SESSION AUTHORIZATION name|DEFAULT (the executor refuses); user null = DEFAULT. */
  | { readonly kind: 'set-session-authorization'; readonly tag: 'SET'; readonly local: boolean; readonly user: string | null }
  /** SET TRANSACTION modes: the current transaction's characteristics. */
  | { readonly kind: 'set-transaction'; readonly tag: 'SET'; readonly modes: TransactionModes }
  /** SET SESSION CHARACTERISTICS AS TRANSACTION modes: defaults for later transactions. */
  | { readonly kind: 'set-session-characteristics'; readonly tag: 'SET'; readonly modes: TransactionModes }
  /** SET TRANSACTION SNAPSHOT 'id'. */
  | { readonly kind: 'set-transaction-snapshot'; readonly tag: 'SET'; readonly snapshot: string }
  /**
   * SHOW name | SHOW ALL (all: true, name 'all') | SHOW TIME ZONE ('timezone') |
   * SHOW TRANSACTION ISOLATION LEVEL ('transaction_isolation') | SHOW SESSION AUTHORIZATION ('session_authorization').
   */
  | { readonly kind: 'show'; readonly tag: 'SHOW'; readonly name: string; readonly all: boolean }
  /** RESET name | RESET ALL | RESET TIME ZONE | RESET TRANSACTION ISOLATION LEVEL | RESET SESSION AUTHORIZATION. */
  | { readonly kind: 'reset'; readonly tag: 'RESET'; readonly name: string; readonly all: boolean }
  /** BEGIN [WORK|TRANSACTION] [modes] | START TRANSACTION [modes]. */
  | { readonly kind: 'begin'; readonly tag: 'BEGIN' | 'START TRANSACTION'; readonly modes: TransactionModes }
  /** COMMIT | END [WORK|TRANSACTION] [AND [NO] CHAIN]. */
  | { readonly kind: 'commit'; readonly tag: 'COMMIT'; readonly chain: boolean }
  /** ROLLBACK | ABORT [WORK|TRANSACTION] [AND [NO] CHAIN]. */
  | { readonly kind: 'rollback'; readonly tag: 'ROLLBACK'; readonly chain: boolean }
  | { readonly kind: 'savepoint'; readonly tag: 'SAVEPOINT'; readonly name: string }
  /** RELEASE [SAVEPOINT] name. */
  | { readonly kind: 'release-savepoint'; readonly tag: 'RELEASE'; readonly name: string }
  /** ROLLBACK [WORK|TRANSACTION] TO [SAVEPOINT] name. */
  | { readonly kind: 'rollback-to-savepoint'; readonly tag: 'ROLLBACK'; readonly name: string }
  /** PREPARE TRANSACTION 'gid' | COMMIT PREPARED 'gid' | ROLLBACK PREPARED 'gid' (the executor refuses). */
  | {
      readonly kind: 'two-phase';
      readonly tag: 'PREPARE TRANSACTION' | 'COMMIT PREPARED' | 'ROLLBACK PREPARED';
      readonly action: 'prepare' | 'commit' | 'rollback';
      readonly gid: string;
    }
  /** DISCARD ALL | PLANS | SEQUENCES | TEMP | TEMPORARY. */
  | {
      readonly kind: 'discard';
      readonly tag: 'DISCARD ALL' | 'DISCARD PLANS' | 'DISCARD SEQUENCES' | 'DISCARD TEMP';
      readonly target: 'all' | 'plans' | 'sequences' | 'temp';
    }
  /** DEALLOCATE [PREPARE] name | ALL; name null = ALL. Names are case-folded unless quoted. */
  | { readonly kind: 'deallocate'; readonly tag: 'DEALLOCATE' | 'DEALLOCATE ALL'; readonly name: string | null }
  | { readonly kind: 'listen'; readonly tag: 'LISTEN'; readonly channel: string }
  /** UNLISTEN channel | *; channel null = *. */
  | { readonly kind: 'unlisten'; readonly tag: 'UNLISTEN'; readonly channel: string | null }
  | { readonly kind: 'notify'; readonly tag: 'NOTIFY'; readonly channel: string; readonly payload: string | null }
  /** CLOSE cursor | ALL; cursor null = ALL. */
  | { readonly kind: 'close'; readonly tag: 'CLOSE CURSOR' | 'CLOSE CURSOR ALL'; readonly cursor: string | null }
  /** DECLARE name [BINARY] [[ASENSITIVE|INSENSITIVE]] [[NO] SCROLL] CURSOR [WITH[OUT] HOLD] FOR query. */
  | {
      readonly kind: 'declare';
      readonly tag: 'DECLARE CURSOR';
      readonly name: string;
      /** Options as written (PostgreSQL rejects SCROLL with NO SCROLL, and ASENSITIVE with INSENSITIVE, when executing). */
      readonly options: {
        readonly binary: boolean;
        readonly insensitive: boolean;
        readonly asensitive: boolean;
        readonly scroll: boolean;
        readonly noScroll: boolean;
        readonly hold: boolean;
      };
      /** The query's original text (a SELECT, VALUES, TABLE, WITH or parenthesised query), not parsed here. */
      readonly query: string;
      /** UTF-16 offset of `query` in the classified text. */
      readonly queryStart: number;
    }
  /**
   * FETCH / MOVE, normalised as PostgreSQL does: NEXT and FORWARD = forward 1, PRIOR and
   * BACKWARD = backward 1, FIRST = absolute 1, LAST = absolute -1, n = forward n, ALL = forward all.
   * A negative forward/backward count reverses the direction, as in PostgreSQL.
   */
  | {
      readonly kind: 'fetch';
      /** The wire appends the row count: 'FETCH 5', 'MOVE 5'. */
      readonly tag: 'FETCH' | 'MOVE';
      readonly move: boolean;
      readonly direction: 'forward' | 'backward' | 'absolute' | 'relative';
      readonly count: number | 'all';
      readonly cursor: string;
    };

export type SessionCommandKind = SessionCommand['kind'];

/** Parameters whose values are lists (several SET arguments allowed), from PostgreSQL 15's GUC_LIST_INPUT. */
const LIST_PARAMETERS: ReadonlySet<string> = new Set([
  'datestyle',
  'listen_addresses',
  'local_preload_libraries',
  'log_destination',
  'restrict_nonsystem_relation_kind',
  'search_path',
  'session_preload_libraries',
  'shared_preload_libraries',
  'synchronous_standby_names',
  'temp_tablespaces',
  'unix_socket_directories',
  'wal_consistency_checking',
]);

/** List parameters whose elements are identifiers, quoted when needed (GUC_LIST_QUOTE). */
const QUOTED_LIST_PARAMETERS: ReadonlySet<string> = new Set([
  'local_preload_libraries',
  'search_path',
  'session_preload_libraries',
  'shared_preload_libraries',
  'temp_tablespaces',
  'unix_socket_directories',
]);

/** First words of the statements classified here. */
const LEADING_WORDS: ReadonlySet<string> = new Set([
  'set', 'show', 'reset', 'begin', 'start', 'commit', 'end', 'rollback', 'abort', 'savepoint', 'release',
  'prepare', 'discard', 'deallocate', 'listen', 'unlisten', 'notify', 'close', 'declare', 'fetch', 'move',
]);

/**
 * Classifies one statement (trailing `;`s and comments allowed). Returns null when it is not one
 * of the session statements above (the executor then parses it as a query). Throws GatewayError:
 * SYNTAX_ERROR with PostgreSQL's message and 1-based position for malformed session statements
 * ('syntax error at or near "…"', 'syntax error at end of input'), and for text holding more than
 * one statement after a session statement ('cannot insert multiple commands into a prepared statement');
 * INVALID_PARAMETER_VALUE for 'SET x takes only one argument'; FEATURE_NOT_SUPPORTED for
 * SET … FROM CURRENT and SET CATALOG; and the lexer's errors for unterminated strings and the like.
 */
export function classifySessionStatement(sql: string): SessionCommand | null {
  const tokens = lex(sql);
  const first = tokens[0];
  if (first === undefined || first.kind !== 'ident' || first.quoted || !LEADING_WORDS.has(first.value)) return null;
  // PREPARE name AS … (a prepared statement) is not ours; PREPARE TRANSACTION 'gid' is.
  if (first.value === 'prepare' && !(isWord(tokens[1], 'transaction') && tokens[2]?.kind === 'string')) return null;
  // SET CONSTRAINTS … is a different statement, not a parameter.
  if (first.value === 'set' && isWord(tokens[1], 'constraints') && !startsGenericSet(tokens[2])) return null;
  return new StatementParser(sql, tokens).parse(first.value);
}

/** True for tokens after which SET's special words (TIME, NAMES, ROLE …) are plain parameter names. */
function startsGenericSet(t: Token | undefined): boolean {
  if (t === undefined) return false;
  if (t.kind === 'op') return t.text === '=';
  if (t.kind === 'punct') return t.text === '.';
  return t.kind === 'ident' && !t.quoted && (t.value === 'to' || t.value === 'from');
}

function isWord(t: Token | undefined, word: string): boolean {
  return t !== undefined && t.kind === 'ident' && !t.quoted && t.value === word;
}

/**
 * Quotes an identifier when PostgreSQL's quote_identifier would: unless it is lower-case
 * letters, digits and underscores, starting with a letter or underscore, and not a keyword other
 * than an unreserved one.
 */
export function quoteIdentifier(name: string): string {
  let safe = name.length > 0;
  for (let i = 0; i < name.length && safe; i++) {
    const c = name.charCodeAt(i);
    const lower = c >= 97 && c <= 122;
    const digit = c >= 48 && c <= 57;
    if (!(lower || c === 95 || (digit && i > 0))) safe = false;
  }
  if (safe) {
    const cat = keywordCategory(name);
    if (cat !== undefined && cat !== 'unreserved') safe = false;
  }
  return safe ? name : '"' + name.replace(/"/g, '""') + '"';
}

/** What SHOW prints for the arguments of `SET name …` (PostgreSQL's flatten_set_variable_args). */
export function flattenSetArgs(name: string, args: readonly SetArg[]): string {
  const quote = QUOTED_LIST_PARAMETERS.has(name);
  let out = '';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (i > 0) out += ', ';
    switch (a.kind) {
      case 'number':
        out += a.value;
        break;
      case 'interval':
        out += `INTERVAL '${a.value.replace(/'/g, "''")}'`;
        break;
      default:
        out += quote ? quoteIdentifier(a.value) : a.value;
    }
  }
  return out;
}

const INT32_MAX = 2147483647;

class StatementParser {
  private readonly sql: string;
  private readonly tokens: readonly Token[];
  /** Index of the statement's terminating ';', or tokens.length. */
  private readonly stop: number;
  private i = 0;

  constructor(sql: string, tokens: readonly Token[]) {
    this.sql = sql;
    this.tokens = tokens;
    let stop = tokens.length;
    for (let k = 0; k < tokens.length; k++) {
      const t = tokens[k]!;
      if (t.kind === 'punct' && t.text === ';') {
        stop = k;
        break;
      }
    }
    this.stop = stop;
  }

  // ---- token helpers ---------------------------------------------------------------------

  /** The token `k` ahead, or undefined at the end of the statement. */
  private peek(k = 0): Token | undefined {
    const j = this.i + k;
    return j < this.stop ? this.tokens[j] : undefined;
  }

  private atEnd(): boolean {
    return this.i >= this.stop;
  }

  private next(): Token {
    const t = this.peek();
    if (t === undefined) throw this.error();
    this.i++;
    return t;
  }

  /** PostgreSQL's syntax error at the current token (the ';' if that is where the statement ended). */
  private error(at: Token | undefined = this.tokens[this.i]): GatewayError {
    if (at === undefined) return syntaxErrorAt(this.sql, this.sql.length, 'syntax error');
    return syntaxErrorAt(this.sql, at.start, 'syntax error', at.text);
  }

  private isWord(word: string, k = 0): boolean {
    return isWord(this.peek(k), word);
  }

  private acceptWord(word: string): boolean {
    if (this.isWord(word)) {
      this.i++;
      return true;
    }
    return false;
  }

  private expectWord(word: string): void {
    if (!this.acceptWord(word)) throw this.error();
  }

  private isPunct(text: string, k = 0): boolean {
    const t = this.peek(k);
    return t !== undefined && (t.kind === 'punct' || t.kind === 'op') && t.text === text;
  }

  private acceptPunct(text: string): boolean {
    if (this.isPunct(text)) {
      this.i++;
      return true;
    }
    return false;
  }

  /** ColId: an identifier, quoted identifier, unreserved or column-name keyword. */
  private colId(): string {
    const t = this.peek();
    if (t !== undefined && t.kind === 'ident' && (t.quoted || isColId(t.value))) {
      this.i++;
      return t.value;
    }
    throw this.error();
  }

  /** NonReservedWord_or_Sconst. */
  private nonReservedWordOrSconst(): string {
    const t = this.peek();
    if (t !== undefined && (t.kind === 'string' || (t.kind === 'ident' && (t.quoted || isNonReservedWord(t.value))))) {
      this.i++;
      return t.value;
    }
    throw this.error();
  }

  private sconst(): string {
    const t = this.peek();
    if (t !== undefined && t.kind === 'string') {
      this.i++;
      return t.value;
    }
    throw this.error();
  }

  /** A name that is followed by the end of the statement: a keyword there is taken as a name (PostgreSQL's LALR choice). */
  private nameAtEnd(k = 0): boolean {
    const t = this.peek(k);
    return t !== undefined && t.kind === 'ident' && (t.quoted || isColId(t.value)) && this.peek(k + 1) === undefined;
  }

  /** Ends the statement: nothing but `;`s may follow. */
  private finish<T extends SessionCommand>(cmd: T): T {
    this.expectEnd();
    return cmd;
  }

  private expectEnd(): void {
    if (!this.atEnd()) throw this.error();
    for (let k = this.stop; k < this.tokens.length; k++) {
      const t = this.tokens[k]!;
      if (!(t.kind === 'punct' && t.text === ';')) {
        throw new GatewayError('SYNTAX_ERROR', 'cannot insert multiple commands into a prepared statement');
      }
    }
  }

  // ---- statements ----------------------------------------------------------------------

  parse(word: string): SessionCommand | null {
    this.i = 1;
    switch (word) {
      case 'set':
        return this.set();
      case 'show':
        return this.show();
      case 'reset':
        return this.reset();
      case 'begin':
        this.optTransaction();
        return this.finish({ kind: 'begin', tag: 'BEGIN', modes: this.transactionModes(false) });
      case 'start':
        this.expectWord('transaction');
        return this.finish({ kind: 'begin', tag: 'START TRANSACTION', modes: this.transactionModes(false) });
      case 'commit':
      case 'end':
        if (word === 'commit' && this.acceptWord('prepared')) {
          return this.finish({ kind: 'two-phase', tag: 'COMMIT PREPARED', action: 'commit', gid: this.sconst() });
        }
        this.optTransaction();
        return this.finish({ kind: 'commit', tag: 'COMMIT', chain: this.optChain() });
      case 'rollback':
      case 'abort':
        return this.rollback(word === 'abort');
      case 'savepoint':
        return this.finish({ kind: 'savepoint', tag: 'SAVEPOINT', name: this.colId() });
      case 'release':
        if (!this.nameAtEnd()) this.acceptWord('savepoint');
        return this.finish({ kind: 'release-savepoint', tag: 'RELEASE', name: this.colId() });
      case 'prepare':
        this.expectWord('transaction');
        return this.finish({ kind: 'two-phase', tag: 'PREPARE TRANSACTION', action: 'prepare', gid: this.sconst() });
      case 'discard':
        return this.discard();
      case 'deallocate': {
        if (!this.nameAtEnd()) this.acceptWord('prepare');
        if (this.acceptWord('all')) return this.finish({ kind: 'deallocate', tag: 'DEALLOCATE ALL', name: null });
        return this.finish({ kind: 'deallocate', tag: 'DEALLOCATE', name: this.colId() });
      }
      case 'listen':
        return this.finish({ kind: 'listen', tag: 'LISTEN', channel: this.colId() });
      case 'unlisten':
        if (this.acceptPunct('*')) return this.finish({ kind: 'unlisten', tag: 'UNLISTEN', channel: null });
        return this.finish({ kind: 'unlisten', tag: 'UNLISTEN', channel: this.colId() });
      case 'notify': {
        const channel = this.colId();
        const payload = this.acceptPunct(',') ? this.sconst() : null;
        return this.finish({ kind: 'notify', tag: 'NOTIFY', channel, payload });
      }
      case 'close':
        if (this.acceptWord('all')) return this.finish({ kind: 'close', tag: 'CLOSE CURSOR ALL', cursor: null });
        return this.finish({ kind: 'close', tag: 'CLOSE CURSOR', cursor: this.colId() });
      case 'declare':
        return this.declare();
      case 'fetch':
      case 'move':
        return this.fetch(word === 'move');
      default:
        return null;
    }
  }

  /** opt_transaction: [WORK | TRANSACTION]. */
  private optTransaction(): void {
    if (!this.acceptWord('work')) this.acceptWord('transaction');
  }

  /** opt_transaction_chain: [AND [NO] CHAIN]. */
  private optChain(): boolean {
    if (!this.acceptWord('and')) return false;
    const no = this.acceptWord('no');
    this.expectWord('chain');
    return !no;
  }

  private rollback(abort: boolean): SessionCommand {
    if (!abort && this.acceptWord('prepared')) {
      return this.finish({ kind: 'two-phase', tag: 'ROLLBACK PREPARED', action: 'rollback', gid: this.sconst() });
    }
    this.optTransaction();
    if (!abort && this.acceptWord('to')) {
      if (!this.nameAtEnd()) this.acceptWord('savepoint');
      return this.finish({ kind: 'rollback-to-savepoint', tag: 'ROLLBACK', name: this.colId() });
    }
    return this.finish({ kind: 'rollback', tag: 'ROLLBACK', chain: this.optChain() });
  }

  /** transaction_mode_list (commas optional between modes); `required` for SET TRANSACTION. */
  private transactionModes(required: boolean): TransactionModes {
    const modes: TransactionModes = { isolation: null, readOnly: null, deferrable: null };
    let needItem = required;
    for (;;) {
      if (this.acceptWord('isolation')) {
        this.expectWord('level');
        modes.isolation = this.isolationLevel();
      } else if (this.acceptWord('read')) {
        if (this.acceptWord('only')) modes.readOnly = true;
        else if (this.acceptWord('write')) modes.readOnly = false;
        else throw this.error();
      } else if (this.acceptWord('deferrable')) {
        modes.deferrable = true;
      } else if (this.acceptWord('not')) {
        this.expectWord('deferrable');
        modes.deferrable = false;
      } else {
        if (needItem) throw this.error();
        return modes;
      }
      needItem = this.acceptPunct(',');
    }
  }

  private isolationLevel(): IsolationLevel {
    if (this.acceptWord('serializable')) return 'serializable';
    if (this.acceptWord('repeatable')) {
      this.expectWord('read');
      return 'repeatable read';
    }
    this.expectWord('read');
    if (this.acceptWord('committed')) return 'read committed';
    if (this.acceptWord('uncommitted')) return 'read uncommitted';
    throw this.error();
  }

  private discard(): SessionCommand {
    const t = this.peek();
    const w = t !== undefined && t.kind === 'ident' && !t.quoted ? t.value : '';
    switch (w) {
      case 'all':
        this.i++;
        return this.finish({ kind: 'discard', tag: 'DISCARD ALL', target: 'all' });
      case 'plans':
        this.i++;
        return this.finish({ kind: 'discard', tag: 'DISCARD PLANS', target: 'plans' });
      case 'sequences':
        this.i++;
        return this.finish({ kind: 'discard', tag: 'DISCARD SEQUENCES', target: 'sequences' });
      case 'temp':
      case 'temporary':
        this.i++;
        return this.finish({ kind: 'discard', tag: 'DISCARD TEMP', target: 'temp' });
      default:
        throw this.error();
    }
  }

  // ---- SET / SHOW / RESET ----------------------------------------------------------------

  private set(): SessionCommand | null {
    let local = false;
    // SET SESSION AUTHORIZATION … is one of set_rest_more's forms, not the SESSION scope.
    if (this.isWord('session') && this.isWord('authorization', 1)) {
      return this.setRest(false);
    }
    // SET SESSION CHARACTERISTICS AS TRANSACTION …
    if (this.isWord('session') && this.isWord('characteristics', 1) && this.isWord('as', 2)) {
      return this.setRest(false);
    }
    if ((this.isWord('session') || this.isWord('local')) && !startsGenericSet(this.peek(1))) {
      local = this.next().value === 'local';
    }
    return this.setRest(local);
  }

  private setRest(local: boolean): SessionCommand | null {
    const after = this.peek(1);
    const special = !startsGenericSet(after);
    if (special && this.isWord('transaction')) {
      this.i++;
      if (this.acceptWord('snapshot')) {
        return this.finish({ kind: 'set-transaction-snapshot', tag: 'SET', snapshot: this.sconst() });
      }
      return this.finish({ kind: 'set-transaction', tag: 'SET', modes: this.transactionModes(true) });
    }
    if (this.isWord('session') && this.isWord('characteristics', 1) && this.isWord('as', 2)) {
      this.i += 3;
      this.expectWord('transaction');
      return this.finish({ kind: 'set-session-characteristics', tag: 'SET', modes: this.transactionModes(true) });
    }
    if (this.isWord('session') && this.isWord('authorization', 1)) {
      this.i += 2;
      if (this.acceptWord('default')) return this.finish({ kind: 'set-session-authorization', tag: 'SET', local, user: null });
      return this.finish({ kind: 'set-session-authorization', tag: 'SET', local, user: this.nonReservedWordOrSconst() });
    }
    if (this.isWord('time') && this.isWord('zone', 1)) {
      this.i += 2;
      return this.setTimeZone(local);
    }
    if (special && this.isWord('catalog')) {
      this.i++;
      const t = this.peek();
      this.sconst();
      this.expectEnd();
      throw new GatewayError('FEATURE_NOT_SUPPORTED', 'current database cannot be changed', {
        position: positionAt(this.sql, t!.start),
      });
    }
    if (special && this.isWord('schema')) {
      this.i++;
      const schema = this.sconst();
      const args: SetArg[] = [{ kind: 'string', value: schema }];
      return this.finish({ kind: 'set', tag: 'SET', name: 'search_path', local, value: flattenSetArgs('search_path', args), args });
    }
    if (special && this.isWord('names')) {
      this.i++;
      if (this.atEnd() || this.acceptWord('default')) {
        return this.finish({ kind: 'set', tag: 'SET', name: 'client_encoding', local, value: null, args: [] });
      }
      const enc = this.sconst();
      return this.finish({ kind: 'set', tag: 'SET', name: 'client_encoding', local, value: enc, args: [{ kind: 'string', value: enc }] });
    }
    if (special && this.isWord('role')) {
      this.i++;
      return this.finish({ kind: 'set-role', tag: 'SET', local, role: this.nonReservedWordOrSconst() });
    }
    if (this.isWord('xml') && this.isWord('option', 1)) {
      this.i += 2;
      let v: string;
      if (this.acceptWord('document')) v = 'document';
      else if (this.acceptWord('content')) v = 'content';
      else throw this.error();
      return this.finish({ kind: 'set', tag: 'SET', name: 'xmloption', local, value: v, args: [{ kind: 'word', value: v, quoted: false }] });
    }
    return this.genericSet(local);
  }

  /** var_name: ColId ('.' ColId)*, lower-cased. */
  private varName(): string {
    let name = this.colId();
    while (this.acceptPunct('.')) name += '.' + this.colId();
    return foldIdentifier(name);
  }

  private genericSet(local: boolean): SessionCommand {
    const name = this.varName();
    if (this.acceptWord('from')) {
      this.expectWord('current');
      this.expectEnd();
      throw new GatewayError('FEATURE_NOT_SUPPORTED', 'SET ... FROM CURRENT is not supported', {
        hint: `Use SET ${name} TO a value.`,
      });
    }
    if (!this.acceptWord('to') && !this.acceptPunct('=')) throw this.error();
    if (this.acceptWord('default')) return this.finish({ kind: 'set', tag: 'SET', name, local, value: null, args: [] });
    const args: SetArg[] = [this.varValue()];
    while (this.acceptPunct(',')) args.push(this.varValue());
    this.expectEnd();
    if (args.length > 1 && !LIST_PARAMETERS.has(name)) {
      throw new GatewayError('INVALID_PARAMETER_VALUE', `SET ${name} takes only one argument`);
    }
    return { kind: 'set', tag: 'SET', name, local, value: flattenSetArgs(name, args), args };
  }

  /** var_value: TRUE | FALSE | ON | NonReservedWord | Sconst | NumericOnly. */
  private varValue(): SetArg {
    const t = this.peek();
    if (t !== undefined) {
      if (t.kind === 'string') {
        this.i++;
        return { kind: 'string', value: t.value };
      }
      if (t.kind === 'ident' && (t.quoted || isNonReservedWord(t.value) || t.value === 'on' || t.value === 'true' || t.value === 'false')) {
        this.i++;
        return { kind: 'word', value: t.value, quoted: t.quoted };
      }
      const n = this.numericOnly();
      if (n !== null) return n;
    }
    throw this.error();
  }

  /** NumericOnly: [+|-] number; null (nothing consumed) when the next token is not one. */
  private numericOnly(): SetArg | null {
    let k = 0;
    let negative = false;
    const s = this.peek();
    if (s !== undefined && s.kind === 'op' && (s.text === '+' || s.text === '-')) {
      negative = s.text === '-';
      k = 1;
    }
    const t = this.peek(k);
    if (t === undefined || t.kind !== 'number') {
      if (k === 1) {
        this.i++;
        throw this.error();
      }
      return null;
    }
    this.i += k + 1;
    return numberArg(t.text, negative);
  }

  /** zone_value: Sconst | IDENT | INTERVAL … | NumericOnly | DEFAULT | LOCAL. */
  private setTimeZone(local: boolean): SessionCommand {
    const name = 'timezone';
    const t = this.peek();
    if (t === undefined) throw this.error();
    if (isWord(t, 'default') || isWord(t, 'local')) {
      this.i++;
      return this.finish({ kind: 'set', tag: 'SET', name, local, value: null, args: [] });
    }
    let arg: SetArg;
    if (t.kind === 'string') {
      this.i++;
      arg = { kind: 'string', value: t.value };
    } else if (isWord(t, 'interval')) {
      this.i++;
      arg = this.zoneInterval();
    } else if (t.kind === 'ident' && (t.quoted || keywordCategory(t.value) === undefined)) {
      this.i++;
      arg = { kind: 'word', value: t.value, quoted: t.quoted };
    } else {
      const n = this.numericOnly();
      if (n === null) throw this.error();
      arg = n;
    }
    const args = [arg];
    return this.finish({ kind: 'set', tag: 'SET', name, local, value: flattenSetArgs(name, args), args });
  }

  /** After INTERVAL: ['(' Iconst ')'] Sconst [HOUR | MINUTE | HOUR TO MINUTE]. */
  private zoneInterval(): SetArg {
    let precision: number | null = null;
    if (this.acceptPunct('(')) {
      const t = this.peek();
      if (t === undefined || t.kind !== 'number' || !isIconst(t.text)) throw this.error();
      this.i++;
      precision = Number(t.text);
      if (!this.acceptPunct(')')) throw this.error();
      return { kind: 'interval', value: this.sconst(), qualifier: null, precision };
    }
    const value = this.sconst();
    const q = this.peek();
    if (q === undefined) return { kind: 'interval', value, qualifier: null, precision };
    const fields = ['year', 'month', 'day', 'hour', 'minute', 'second'];
    if (q.kind !== 'ident' || q.quoted || !fields.includes(q.value)) throw this.error();
    // opt_interval: one field, or field TO field; only HOUR, MINUTE and HOUR TO MINUTE make a time zone.
    this.i++;
    let qualifier = q.value;
    if (q.value === 'second' && this.acceptPunct('(')) {
      const p = this.peek();
      if (p === undefined || p.kind !== 'number' || !isIconst(p.text)) throw this.error();
      this.i++;
      if (!this.acceptPunct(')')) throw this.error();
    }
    if (['year', 'day', 'hour', 'minute'].includes(q.value) && this.acceptWord('to')) {
      const allowed: Record<string, string[]> = {
        year: ['month'],
        day: ['hour', 'minute', 'second'],
        hour: ['minute', 'second'],
        minute: ['second'],
      };
      const to = this.peek();
      if (to === undefined || to.kind !== 'ident' || to.quoted || !allowed[q.value]!.includes(to.value)) throw this.error();
      this.i++;
      if (to.value === 'second' && this.acceptPunct('(')) {
        const p = this.peek();
        if (p === undefined || p.kind !== 'number' || !isIconst(p.text)) throw this.error();
        this.i++;
        if (!this.acceptPunct(')')) throw this.error();
      }
      qualifier += ' to ' + to.value;
    }
    if (qualifier !== 'hour' && qualifier !== 'minute' && qualifier !== 'hour to minute') {
      throw new GatewayError('SYNTAX_ERROR', 'time zone interval must be HOUR or HOUR TO MINUTE', {
        position: positionAt(this.sql, q.start),
      });
    }
    return { kind: 'interval', value, qualifier, precision };
  }

  private show(): SessionCommand {
    if (this.isWord('time') && this.isWord('zone', 1)) {
      this.i += 2;
      return this.finish({ kind: 'show', tag: 'SHOW', name: 'timezone', all: false });
    }
    if (this.isWord('transaction') && this.isWord('isolation', 1)) {
      this.i += 2;
      this.expectWord('level');
      return this.finish({ kind: 'show', tag: 'SHOW', name: 'transaction_isolation', all: false });
    }
    if (this.isWord('session') && this.isWord('authorization', 1)) {
      this.i += 2;
      return this.finish({ kind: 'show', tag: 'SHOW', name: 'session_authorization', all: false });
    }
    if (this.acceptWord('all')) return this.finish({ kind: 'show', tag: 'SHOW', name: 'all', all: true });
    // SHOW "all" is SHOW ALL too: PostgreSQL compares the name.
    const name = this.varName();
    return this.finish({ kind: 'show', tag: 'SHOW', name, all: name === 'all' });
  }

  private reset(): SessionCommand {
    if (this.isWord('time') && this.isWord('zone', 1)) {
      this.i += 2;
      return this.finish({ kind: 'reset', tag: 'RESET', name: 'timezone', all: false });
    }
    if (this.isWord('transaction') && this.isWord('isolation', 1)) {
      this.i += 2;
      this.expectWord('level');
      return this.finish({ kind: 'reset', tag: 'RESET', name: 'transaction_isolation', all: false });
    }
    if (this.isWord('session') && this.isWord('authorization', 1)) {
      this.i += 2;
      return this.finish({ kind: 'reset', tag: 'RESET', name: 'session_authorization', all: false });
    }
    if (this.acceptWord('all')) return this.finish({ kind: 'reset', tag: 'RESET', name: 'all', all: true });
    return this.finish({ kind: 'reset', tag: 'RESET', name: this.varName(), all: false });
  }

  // ---- cursors ----------------------------------------------------------------------------

  private declare(): SessionCommand {
    const name = this.colId();
    const options = { binary: false, insensitive: false, asensitive: false, scroll: false, noScroll: false, hold: false };
    for (;;) {
      if (this.acceptWord('binary')) options.binary = true;
      else if (this.acceptWord('insensitive')) options.insensitive = true;
      else if (this.acceptWord('asensitive')) options.asensitive = true;
      else if (this.acceptWord('scroll')) options.scroll = true;
      else if (this.acceptWord('no')) {
        this.expectWord('scroll');
        options.noScroll = true;
      } else break;
    }
    this.expectWord('cursor');
    if (this.acceptWord('with')) {
      this.expectWord('hold');
      options.hold = true;
    } else if (this.acceptWord('without')) {
      this.expectWord('hold');
    }
    this.expectWord('for');
    const q = this.peek();
    // SelectStmt starts with SELECT, VALUES, TABLE, WITH or '('.
    if (q === undefined || !(isWord(q, 'select') || isWord(q, 'values') || isWord(q, 'table') || isWord(q, 'with') || (q.kind === 'punct' && q.text === '('))) {
      throw this.error();
    }
    const last = this.tokens[this.stop - 1]!;
    this.i = this.stop;
    return this.finish({
      kind: 'declare',
      tag: 'DECLARE CURSOR',
      name,
      options,
      query: this.sql.slice(q.start, last.end),
      queryStart: q.start,
    });
  }

  private fetch(move: boolean): SessionCommand {
    const tag = move ? 'MOVE' : 'FETCH';
    const done = (direction: 'forward' | 'backward' | 'absolute' | 'relative', count: number | 'all'): SessionCommand => {
      // opt_from_in cursor_name
      if (!this.acceptWord('from')) this.acceptWord('in');
      const cursor = this.colId();
      return this.finish({ kind: 'fetch', tag, move, direction, count, cursor });
    };
    // A direction keyword alone is a cursor name (FETCH next → cursor "next").
    if (this.nameAtEnd()) return done('forward', 1);
    const t = this.peek();
    const w = t !== undefined && t.kind === 'ident' && !t.quoted ? t.value : '';
    switch (w) {
      case 'from':
      case 'in':
        return done('forward', 1);
      case 'next':
        this.i++;
        return done('forward', 1);
      case 'prior':
        this.i++;
        return done('backward', 1);
      case 'first':
        this.i++;
        return done('absolute', 1);
      case 'last':
        this.i++;
        return done('absolute', -1);
      case 'absolute':
        this.i++;
        return done('absolute', this.signedIconst());
      case 'relative':
        this.i++;
        return done('relative', this.signedIconst());
      case 'all':
        this.i++;
        return done('forward', 'all');
      case 'forward':
      case 'backward': {
        this.i++;
        const dir = w;
        if (this.acceptWord('all')) return done(dir, 'all');
        const n = this.peek();
        if (n !== undefined && (n.kind === 'number' || (n.kind === 'op' && (n.text === '+' || n.text === '-')))) {
          return done(dir, this.signedIconst());
        }
        return done(dir, 1);
      }
      default:
        break;
    }
    if (t !== undefined && (t.kind === 'number' || (t.kind === 'op' && (t.text === '+' || t.text === '-')))) {
      return done('forward', this.signedIconst());
    }
    return done('forward', 1);
  }

  /** SignedIconst: [+|-] integer within int32. */
  private signedIconst(): number {
    let sign = 1;
    const s = this.peek();
    if (s !== undefined && s.kind === 'op' && (s.text === '+' || s.text === '-')) {
      sign = s.text === '-' ? -1 : 1;
      this.i++;
    }
    const t = this.peek();
    if (t === undefined || t.kind !== 'number' || !isIconst(t.text)) throw this.error();
    this.i++;
    return sign * Number(t.text) || 0;
  }
}

/** True for an integer literal that PostgreSQL reads as an int32 constant (ICONST). */
function isIconst(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return Number(text) <= INT32_MAX;
}

/** A SET number as PostgreSQL prints it: ICONST via %d, FCONST (and int overflow) as written. */
function numberArg(text: string, negative: boolean): SetArg {
  if (isIconst(text)) {
    const v = Number(text);
    return { kind: 'number', value: String(negative ? -v || 0 : v), integer: true };
  }
  return { kind: 'number', value: negative ? '-' + text : text, integer: false };
}
