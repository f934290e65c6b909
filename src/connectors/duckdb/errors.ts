/**
 * DuckDB errors → GatewayError, at the connector edge.
 *
 * DuckDB reports every failure as a plain Error whose message is `<Class> Error: <text>`, optionally
 * followed by advice lines ("Did you mean ...", "Candidate bindings: ...") and a caret drawing:
 *
 *     Binder Error: Referenced column "amout" not found in FROM clause!
 *     Candidate bindings: "amount", "name"
 *
 *     LINE 3:   amout
 *               ^
 *
 * We keep the first sentence as the message, turn advice into a HINT, other lines into a DETAIL, and
 * the caret into PostgreSQL's 1-based character POSITION within the statement.
 */
import { GatewayError, type ErrorCode } from '../../errors/index.ts';

export interface ErrorContext {
  /** The statement text as the user wrote it (positions are computed against it). */
  sql?: string;
  /** Lines DuckDB saw before the user's first line (when the statement was wrapped). */
  lineOffset?: number;
}

export interface ParsedDuckDBError {
  /** DuckDB's exception class, e.g. 'Binder', 'Catalog', 'Parser'; undefined when the message has none. */
  errorClass?: string;
  message: string;
  hint?: string;
  detail?: string;
  /** 1-based character position in the statement, when DuckDB drew a caret. */
  position?: number;
}

const CLASS_RE = /^([A-Za-z][A-Za-z -]*?) Error: /;
const ADVICE_RE = /^(Did you mean|Candidate bindings|Candidate functions|Either add|You might need|Perhaps|Try |HINT:|Please )/i;
const LINE_RE = /^LINE (\d+): (.*)$/;

/** Splits a DuckDB message into class, first sentence, advice, detail and position. */
export function parseDuckDBMessage(raw: string, ctx: ErrorContext = {}): ParsedDuckDBError {
  let text = raw;
  // Some binding paths prefix their own words: 'Failed to bind varchar: Invalid Input Error: ...'.
  text = text.replace(/^Failed to [^:\n]{1,60}: (?=[A-Za-z][A-Za-z -]*? Error: )/, '');
  let errorClass: string | undefined;
  const m = CLASS_RE.exec(text);
  if (m) {
    errorClass = m[1];
    text = text.slice(m[0].length);
  }
  const lines = text.split('\n');
  let position: number | undefined;
  const body: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const lm = LINE_RE.exec(line);
    if (lm && i + 1 < lines.length && lines[i + 1]!.trimEnd().endsWith('^')) {
      const prefix = line.length - lm[2]!.length;
      const caret = lines[i + 1]!.indexOf('^') - prefix;
      position = caretToPosition(ctx.sql, Number(lm[1]) - (ctx.lineOffset ?? 0), lm[2]!, caret);
      i++;
      continue;
    }
    body.push(line);
  }
  while (body.length > 0 && body[body.length - 1]!.trim() === '') body.pop();
  const first = (body.shift() ?? '').trim();
  const hint: string[] = [];
  const detail: string[] = [];
  let target = detail;
  for (const line of body) {
    const t = line.trim();
    if (t === '') continue;
    if (ADVICE_RE.test(t)) target = hint;
    else if (!line.startsWith('\t') && !line.startsWith(' ')) target = detail;
    target.push(t);
  }
  const out: ParsedDuckDBError = { message: tidy(first) };
  if (errorClass !== undefined) out.errorClass = errorClass;
  if (hint.length > 0) out.hint = hint.join('\n');
  if (detail.length > 0) out.detail = detail.join('\n');
  if (position !== undefined) out.position = position;
  return out;
}

function tidy(message: string): string {
  // DuckDB ends many messages with '!'; PostgreSQL's house style has no trailing punctuation.
  return message.replace(/!+$/, '');
}

/**
 * DuckDB draws a caret under the context line, counting display columns (East Asian wide characters
 * count two) and eliding long lines with "...". Maps it back to a character index in the statement.
 */
function caretToPosition(sql: string | undefined, lineNo: number, context: string, caret: number): number | undefined {
  if (sql === undefined || caret < 0 || lineNo < 1) return undefined;
  const lines = sql.split('\n');
  if (lineNo > lines.length) return undefined;
  const line = lines[lineNo - 1]!;
  let lineStart = 0;
  for (let i = 0; i < lineNo - 1; i++) lineStart += lines[i]!.length + 1;
  let startInLine = 0;
  let ctx = context;
  if (ctx.startsWith('...')) {
    ctx = ctx.slice(3);
    caret -= 3;
    let core = ctx.endsWith('...') ? ctx.slice(0, -3) : ctx;
    core = core.slice(0, 40);
    const found = line.indexOf(core);
    if (found < 0) return undefined;
    startInLine = found;
  }
  // Walk characters of the line from startInLine, consuming display columns until the caret.
  const chars = Array.from(line.slice(startInLine));
  let col = 0;
  let units = 0;
  for (const ch of chars) {
    if (col >= caret) break;
    col += displayWidth(ch.codePointAt(0)!);
    units += ch.length;
  }
  if (col < caret) return undefined;
  const index = lineStart + startInLine + units;
  // PostgreSQL positions count characters (code points), not UTF-16 units.
  return Array.from(sql.slice(0, index)).length + 1;
}

function displayWidth(cp: number): number {
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

/** Chooses the GatewayError code for a DuckDB error class and message. */
export function codeFor(errorClass: string | undefined, message: string): ErrorCode {
  const cls = (errorClass ?? '').toLowerCase();
  switch (cls) {
    case 'parser':
    case 'syntax':
      return 'SYNTAX_ERROR';
    case 'catalog':
      if (/^(Table|View|Table Function) with name .* does not exist/.test(message)) {
        return message.startsWith('Table Function') ? 'UNDEFINED_FUNCTION' : 'UNDEFINED_TABLE';
      }
      if (/^Schema with name .* does not exist/.test(message)) return 'UNDEFINED_TABLE';
      if (/Function with name .* does not exist/.test(message)) return 'UNDEFINED_FUNCTION';
      if (/^Type with name .* does not exist/.test(message)) return 'UNDEFINED_OBJECT';
      return 'UNDEFINED_OBJECT';
    case 'binder':
      if (/^Referenced column .* not found/.test(message) || /^Values list .* does not have a column/.test(message)) {
        return 'UNDEFINED_COLUMN';
      }
      if (/^Referenced table .* not found/.test(message)) return 'UNDEFINED_TABLE';
      if (/^Ambiguous reference/.test(message)) return 'AMBIGUOUS_COLUMN';
      if (/GROUP BY clause/.test(message) || /aggregate function/.test(message)) return 'GROUPING_ERROR';
      if (/^(No function matches|Could not choose a best candidate function)/.test(message)) return 'UNDEFINED_FUNCTION';
      if (/^(Cannot compare|Cannot mix|Cannot deduce|Type .* does not|Could not convert)/.test(message)) {
        return 'DATATYPE_MISMATCH';
      }
      return 'SYNTAX_ERROR';
    case 'conversion':
      if (/out of range/i.test(message) && !/date|time/i.test(message)) return 'NUMERIC_VALUE_OUT_OF_RANGE';
      return 'INVALID_TEXT_REPRESENTATION';
    case 'out of range':
    case 'decimal':
      return 'NUMERIC_VALUE_OUT_OF_RANGE';
    case 'divide by zero':
      return 'DIVISION_BY_ZERO';
    case 'invalid input':
      if (message === 'division by zero') return 'DIVISION_BY_ZERO'; // raised by the tollgate_nonzero macro
      if (/configuration has been locked/.test(message)) return 'CANT_CHANGE_RUNTIME_PARAM';
      if (/^Values were not provided for the following prepared statement parameters/.test(message)) {
        return 'INVALID_PARAMETER_VALUE';
      }
      if (/^No statement to prepare/.test(message)) return 'SYNTAX_ERROR';
      if (/^Cannot prepare multiple statements/.test(message)) return 'FEATURE_NOT_SUPPORTED';
      if (/^(Malformed JSON|Could not parse|Invalid unicode)/i.test(message)) return 'INVALID_TEXT_REPRESENTATION';
      return 'DATA_EXCEPTION';
    case 'mismatch type':
    case 'invalid type':
    case 'parameter not resolved':
    case 'parameter not allowed':
      return 'DATATYPE_MISMATCH';
    case 'interrupt':
      return 'QUERY_CANCELED';
    case 'constraint':
      return 'DATA_EXCEPTION';
    case 'permission':
    case 'not implemented':
    case 'missing extension':
    case 'auto-load':
      return 'FEATURE_NOT_SUPPORTED';
    case 'out of memory':
      return 'OUT_OF_MEMORY';
    case 'fatal':
      return 'ENGINE_UNAVAILABLE';
    default:
      if (/database has been invalidated/.test(message)) return 'ENGINE_UNAVAILABLE';
      return 'ENGINE_ERROR';
  }
}

/** Turns anything DuckDB threw into a GatewayError. GatewayErrors pass through unchanged. */
export function mapDuckDBError(e: unknown, ctx: ErrorContext = {}): GatewayError {
  if (e instanceof GatewayError) return e;
  const raw = e instanceof Error ? e.message : String(e);
  const parsed = parseDuckDBMessage(raw, ctx);
  const code = codeFor(parsed.errorClass, parsed.message);
  let message = parsed.message === '' ? raw : parsed.message;
  let hint = parsed.hint;
  if (code === 'QUERY_CANCELED') {
    message = 'canceling statement due to user request';
  } else if (parsed.errorClass === 'Permission') {
    message = `${message} (tollgate lets DuckDB read only the configured lake directories)`;
  } else if (parsed.errorClass === undefined) {
    message = `DuckDB: ${message}`;
  }
  if (code === 'ENGINE_UNAVAILABLE' && hint === undefined) hint = 'the DuckDB engine must be restarted';
  const opts: ConstructorParameters<typeof GatewayError>[2] = { cause: e };
  if (hint !== undefined) opts.hint = hint;
  if (parsed.detail !== undefined) opts.detail = parsed.detail;
  if (parsed.position !== undefined) opts.position = parsed.position;
  // DuckDB draws no caret at the end of the input; PostgreSQL points just past the last character.
  else if (code === 'SYNTAX_ERROR' && /at end of input$/.test(message) && ctx.sql !== undefined) opts.position = Array.from(ctx.sql).length + 1;
  return new GatewayError(code, message, opts);
}

export function canceledError(cause?: unknown): GatewayError {
  return new GatewayError('QUERY_CANCELED', 'canceling statement due to user request', cause === undefined ? {} : { cause });
}
