/**
 * parser/: the lexical layer (PostgreSQL tokens, statement splitting), the session-statement
 * layer (SET/SHOW/BEGIN … recognised without node-sql-parser), and token-level helpers for
 * substituting session functions. Full query analysis on node-sql-parser comes on top of this.
 */
export {
  lex,
  positionAt,
  syntaxErrorAt,
  foldIdentifier,
  truncateIdentifier,
  MAX_IDENTIFIER_BYTES,
  type Token,
  type TokenKind,
  type LexOptions,
} from './lexer.ts';
export { keywordCategory, isColId, isNonReservedWord, type KeywordCategory } from './keywords.ts';
export { splitStatements, type SplitStatement, type SplitResult } from './split.ts';
export { qualifyTables } from './qualify.ts';
export {
  classifySessionStatement,
  flattenSetArgs,
  quoteIdentifier,
  type SessionCommand,
  type SessionCommandKind,
  type SetArg,
  type TransactionModes,
  type IsolationLevel,
} from './session-statements.ts';
export {
  findFunctionCalls,
  replaceRanges,
  constantValue,
  quoteLiteral,
  type FunctionCall,
  type Replacement,
  type ConstantValue,
} from './local-functions.ts';
export { classifyCopy, type CopyOptions, type CopyToStdout } from './copy.ts';
export {
  analyzeQuery,
  type Analysis,
  type AnalyzeOptions,
  type TableRead,
  type TableColumns,
  type Predicate,
  type ComparisonOp,
  type RelationRef,
} from './analyze.ts';
