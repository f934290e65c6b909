import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { lex, quoteIdentifier, type Token } from '../parser/index.ts';

/**
 * A statement's shape without its values, so that the same query with other literals groups together
 * ("top queries by cost"): comments and whitespace dropped, keywords and unquoted names in lower case,
 * every constant and parameter a `?`, and a list of constants `(?, ?, ?)` one `(?)` whatever its length.
 * Statements the lexer cannot read keep their trimmed text.
 */
export function normalizeStatement(sql: string): string {
  let tokens: Token[];
  try {
    tokens = lex(sql);
  } catch {
    return sql.trim().replace(/\s+/g, ' ');
  }
  const out: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'punct' && t.text === ';') continue;
    if (t.kind === 'string' || t.kind === 'number' || t.kind === 'param' || t.kind === 'bitstring') {
      // A sign glued to a constant is part of it: `x = -5` and `x = 5` are one shape.
      if (out.length >= 2 && out[out.length - 1] === '-' && /^[(,=<>]$|^(<=|>=|<>|!=)$/.test(out[out.length - 2]!)) out.pop();
      out.push('?');
      continue;
    }
    if (t.kind === 'ident') out.push(t.quoted ? quoteIdentifier(t.value) : t.value);
    else out.push(t.text);
  }
  // (?, ?, ?) → (?)
  const collapsed: string[] = [];
  for (let i = 0; i < out.length; i++) {
    if (out[i] === '(' && out[i + 1] === '?') {
      let j = i + 1;
      while (out[j] === '?' && out[j + 1] === ',' && out[j + 2] === '?') j += 2;
      if (out[j] === '?' && out[j + 1] === ')') {
        collapsed.push('(', '?', ')');
        i = j + 1;
        continue;
      }
    }
    collapsed.push(out[i]!);
  }
  // Joined with single spaces, except around punctuation and where a name is called: f(x), a.b, x[1].
  let text = '';
  for (let i = 0; i < collapsed.length; i++) {
    const t = collapsed[i]!;
    const prev = collapsed[i - 1];
    const glued =
      prev === undefined ||
      t === ',' || t === ')' || t === ']' || t === '.' || prev === '(' || prev === '[' || prev === '.' || t === '[' ||
      (t === '(' && /^[a-z_"]/i.test(prev) && !SPACED_BEFORE_PAREN.has(prev));
    text += glued ? t : ` ${t}`;
  }
  return text;
}

/** Keywords followed by a parenthesis that is not a call: `in (?)`, `exists (select`, `over (partition`. */
const SPACED_BEFORE_PAREN = new Set(['in', 'exists', 'from', 'join', 'as', 'and', 'or', 'not', 'on', 'over', 'filter', 'select', 'where', 'values', 'using', 'by', 'when', 'then', 'else', 'union', 'all', 'any', 'some', 'with', 'lateral', 'between', 'is', 'like', 'ilike', 'distinct']);

/** Statements repeat (BI tools, drivers): their fingerprints are kept by text. */
const cache = new LRUCache<string, string>({ max: 5000, maxSize: 16 * 1024 * 1024, sizeCalculation: (_v, k) => k.length + 16 });

/** 16 hex digits of the SHA-256 of the normalized statement. */
export function fingerprint(sql: string): string {
  let f = cache.get(sql);
  if (f === undefined) {
    f = createHash('sha256').update(normalizeStatement(sql)).digest('hex').slice(0, 16);
    cache.set(sql, f);
  }
  return f;
}
