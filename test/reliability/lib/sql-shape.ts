/**
 * The parenthesis shape of a statement (outside quotes and comments). Two known gateway bugs depend on
 * it (see the todo tests in sql-fuzz.reliability.ts), so the fuzzer keeps such statements out of its
 * main run and counts them separately:
 *  - parentheses left open, or a syntax error inside a run of '(' (`SELECT ((((((((((((1 +))))))))))))`): the
 *    SQL parser backtracks, taking time exponential in their number and blocking every session;
 *  - nesting thousands deep: the analyzer overflows the stack and answers XX000.
 */
export function parenShape(sql: string): { open: number; maxDepth: number; maxRun: number } {
  let depth = 0;
  let maxDepth = 0;
  let run = 0;
  let maxRun = 0;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      if (end < 0) break;
      i = end;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      if (end < 0) break;
      i = end;
    } else if (c === '(') {
      maxDepth = Math.max(maxDepth, ++depth);
      maxRun = Math.max(maxRun, ++run);
      continue;
    } else if (c === ')') depth = Math.max(0, depth - 1);
    if (!/\s/.test(c!)) run = 0;
  }
  return { open: depth, maxDepth, maxRun };
}

/** Beyond this many unclosed parentheses the parser stalls the gateway for seconds to hours. */
export const MAX_OPEN_PARENS = 6;
/** Nesting this deep overflows the analyzer's stack (2000 is fine, 5000 is not). */
export const MAX_DEPTH = 3000;

/** A run of this many '(' with anything wrong inside stalls the parser for seconds (12: ~6 s). */
export const MAX_PAREN_RUN = 8;

/**
 * Which known bug a statement would run into, or null. `intact` says the statement is a generated
 * nesting left as generated (valid SQL, which parses fast however deep); any other mutation of a long
 * run of '(' may put a syntax error inside it.
 */
export function knownIssue(sql: string, intact: boolean): 'parser stall' | 'stack overflow' | null {
  const s = parenShape(sql);
  if (s.open > MAX_OPEN_PARENS) return 'parser stall';
  if (s.maxRun > MAX_PAREN_RUN && !intact && s.maxDepth < MAX_DEPTH) return 'parser stall';
  if (s.maxDepth >= MAX_DEPTH) return 'stack overflow';
  return null;
}
