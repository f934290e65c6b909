import { lex, quoteIdentifier, quoteLiteral, type Token } from '../parser/index.ts';

/**
 * The statement text as a cache key sees it: comments and whitespace dropped, keywords and unquoted names
 * in lower case, string constants re-quoted from their decoded value ('it''s', E'it\'s' and $$it's$$ are
 * one), number constants as written but for the exponent's case. Nothing that could change the result is
 * rewritten: literal values, their order, `1.5` vs `1.50` (a numeric's scale shows) all stay.
 * Unlike ledger/fingerprint.ts, constants are kept: two statements with other literals are other results.
 * Returns null when the lexer cannot read the statement (such a statement is not cached).
 */
export function cacheText(sql: string): string | null {
  let tokens: Token[];
  try {
    tokens = lex(sql);
  } catch {
    return null;
  }
  const out: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'punct' && t.text === ';') continue;
    switch (t.kind) {
      case 'ident':
        out.push(t.quoted ? quoteIdentifier(t.value) : t.value);
        break;
      case 'string':
        out.push(quoteLiteral(t.value));
        break;
      case 'number':
        out.push(t.value.toLowerCase());
        break;
      case 'param':
        out.push(`$${t.value}`);
        break;
      default:
        out.push(t.kind === 'bitstring' ? t.value : t.text);
    }
  }
  // Tokens joined by one space: `a.b` and `a . b` are one statement to PostgreSQL too.
  return out.join(' ');
}
