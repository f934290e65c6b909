import { LRUCache } from 'lru-cache';

/**
 * A pure function of a statement's text, kept per text: drivers send the same statements all day
 * (Parse before every execution), and each of these lexes the whole text. Bounded by count and by the
 * texts' size. The kept values are shared: callers must not change them.
 */
export function byStatementText<T>(compute: (sql: string) => T, max = 5000): (sql: string) => T {
  const kept = new LRUCache<string, { value: T }>({ max, maxSize: 32 * 2 ** 20, sizeCalculation: (_v, sql) => 2 * sql.length + 64 });
  return (sql) => {
    let entry = kept.get(sql);
    if (entry === undefined) kept.set(sql, (entry = { value: compute(sql) }));
    return entry.value;
  };
}
