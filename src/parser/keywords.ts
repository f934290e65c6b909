/**
 * PostgreSQL 15 keywords and their grammar categories, as reported by `pg_get_keywords()`.
 * The category decides where a word may stand: an unreserved keyword can be any identifier, a
 * column-name keyword can name a column or a SET parameter but not a function or type, a
 * type/function-name keyword can name a function or type, a reserved keyword only a column label after AS.
 * (Generated from a PostgreSQL 15.18 server; regenerate with
 * `select catcode, string_agg(word, ' ' order by word) from pg_get_keywords() group by 1`.)
 */
export type KeywordCategory = 'unreserved' | 'col_name' | 'type_func_name' | 'reserved';

// The word lists are stored as text (one space between words) so this file stays small.
const UNRESERVED =
  'abort absolute access action add admin after aggregate also alter always asensitive assertion ' +
  'assignment at atomic attach attribute backward before begin breadth by cache call called cascade ' +
  'cascaded catalog chain characteristics checkpoint class close cluster columns comment comments ' +
  'commit committed compression configuration conflict connection constraints content continue ' +
  'conversion copy cost csv cube current cursor cycle data database day deallocate declare defaults ' +
  'deferred definer delete delimiter delimiters depends depth detach dictionary disable discard ' +
  'document domain double drop each enable encoding encrypted enum escape event exclude excluding ' +
  'exclusive execute explain expression extension external family filter finalize first following ' +
  'force forward function functions generated global granted groups handler header hold hour identity ' +
  'if immediate immutable implicit import include including increment index indexes inherit inherits ' +
  'inline input insensitive insert instead invoker isolation key label language large last leakproof ' +
  'level listen load local location lock locked logged mapping match matched materialized maxvalue ' +
  'merge method minute minvalue mode month move name names new next nfc nfd nfkc nfkd no normalized ' +
  'nothing notify nowait nulls object of off oids old operator option options ordinality others over ' +
  'overriding owned owner parallel parameter parser partial partition passing password plans policy ' +
  'preceding prepare prepared preserve prior privileges procedural procedure procedures program ' +
  'publication quote range read reassign recheck recursive ref referencing refresh reindex relative ' +
  'release rename repeatable replace replica reset restart restrict return returns revoke role ' +
  'rollback rollup routine routines rows rule savepoint schema schemas scroll search second security ' +
  'sequence sequences serializable server session set sets share show simple skip snapshot sql stable ' +
  'standalone start statement statistics stdin stdout storage stored strict strip subscription support ' +
  'sysid system tables tablespace temp template temporary text ties transaction transform trigger ' +
  'truncate trusted type types uescape unbounded uncommitted unencrypted unknown unlisten unlogged ' +
  'until update vacuum valid validate validator value varying version view views volatile whitespace ' +
  'within without work wrapper write xml year yes zone'
;
const COL_NAME =
  'between bigint bit boolean char character coalesce dec decimal exists extract float greatest ' +
  'grouping inout int integer interval least national nchar none normalize nullif numeric out overlay ' +
  'position precision real row setof smallint substring time timestamp treat trim values varchar ' +
  'xmlattributes xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot ' +
  'xmlserialize xmltable'
;
const TYPE_FUNC_NAME =
  'authorization binary collation concurrently cross current_schema freeze full ilike inner is isnull ' +
  'join left like natural notnull outer overlaps right similar tablesample verbose'
;
const RESERVED =
  'all analyse analyze and any array as asc asymmetric both case cast check collate column constraint ' +
  'create current_catalog current_date current_role current_time current_timestamp current_user ' +
  'default deferrable desc distinct do else end except false fetch for foreign from grant group having ' +
  'in initially intersect into lateral leading limit localtime localtimestamp not null offset on only ' +
  'or order placing primary references returning select session_user some symmetric table then to ' +
  'trailing true union unique user using variadic when where window with'
;

const KEYWORDS: ReadonlyMap<string, KeywordCategory> = (() => {
  const m = new Map<string, KeywordCategory>();
  const add = (words: string, category: KeywordCategory): void => {
    for (const w of words.split(' ')) m.set(w, category);
  };
  add(UNRESERVED, 'unreserved');
  add(COL_NAME, 'col_name');
  add(TYPE_FUNC_NAME, 'type_func_name');
  add(RESERVED, 'reserved');
  return m;
})();

/** The category of `word` (already lower-cased) if it is a PostgreSQL keyword, else undefined. */
export function keywordCategory(word: string): KeywordCategory | undefined {
  return KEYWORDS.get(word);
}

/** True when `word` (lower-cased) may be used as a column/parameter name without quotes (PG's ColId). */
export function isColId(word: string): boolean {
  const c = KEYWORDS.get(word);
  return c === undefined || c === 'unreserved' || c === 'col_name';
}

/** True when `word` (lower-cased) is a NonReservedWord: anything but a reserved keyword. */
export function isNonReservedWord(word: string): boolean {
  return KEYWORDS.get(word) !== 'reserved';
}
