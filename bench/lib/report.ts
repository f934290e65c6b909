import { formatTable } from './table.ts';

/**
 * The report of `npm run bench`: benchmarks grouped in sections (one per issue's benchmark), each row
 * [benchmark, client, tollgate, baseline, ratio, target] as the bench modules return them, printed as ONE
 * table whose columns put baseline, measured, ratio, target and whether it is met side by side.
 */
export interface Section {
  title: string;
  /** Where the target comes from, e.g. 'issue 2'. */
  issue: string;
  /** What the benchmark measures and against what (RESULTS.md). */
  measures: string;
  /** Rows as the bench modules return them: [benchmark, client, tollgate, baseline, ratio, target]. */
  lines: string[][];
  /** Set when the benchmark did not run or failed: shown in the table instead of figures. */
  problem?: string;
  /** Extra markdown for RESULTS.md (per-step tables, per-query figures). */
  details?: string;
  seconds?: number;
}

export const REPORT_HEADERS = ['benchmark', 'client', 'baseline (same run)', 'tollgate', 'ratio', 'target', 'met', 'measured / target'];

/** A number with its unit from a cell: `1.61 ms`, `8.8 µs`, `280 MB`, `1.19x`. Times in microseconds. */
function parseValue(cell: string, unit: string): number | undefined {
  if (unit === 'x') {
    const m = /(-?[\d.,]+)x/.exec(cell);
    return m ? Number(m[1]!.replaceAll(',', '')) : undefined;
  }
  if (unit === 'MB') {
    const m = /([\d.,]+)\s*MB/.exec(cell);
    return m ? Number(m[1]!.replaceAll(',', '')) : undefined;
  }
  if (unit === 'ms' || unit === 'µs' || unit === 's') {
    const m = /([\d.,]+)\s*(ms|µs|us|s)\b/.exec(cell);
    if (!m) return undefined;
    const v = Number(m[1]!.replaceAll(',', ''));
    return m[2] === 'ms' ? v * 1000 : m[2] === 's' ? v * 1e6 : v;
  }
  return undefined;
}

const toUs = (v: number, unit: string): number => (unit === 'ms' ? v * 1000 : unit === 's' ? v * 1e6 : v);

/**
 * Whether a row meets its target. Targets as the bench modules write them: `>= 1.00x` / `≤ 2x` (on the ratio
 * column), `< 1 ms`, `< 50 µs`, `< 400 MB` (on the measured column), `median < 5%, p90 < 15%` (named
 * figures in the measured column). Returns '' when the row has no target or it cannot be read, and the
 * measured value over the target's bound (the worst one when there are several).
 */
export function judge(row: readonly string[]): { met: string; vsTarget: string } {
  const [, , measured = '', , ratio = '', target = ''] = row;
  if (target.trim() === '') return { met: '', vsTarget: '' };
  let all = true;
  let worst: { badness: number; rel: number } | undefined;
  let understood = 0;
  for (const part of target.split(',')) {
    const m = /^\s*(\w+\s+)?(>=|≥|<=|≤|<|>)\s*([\d.]+)\s*(x|ms|µs|us|s|MB|%)\s*$/.exec(part);
    if (!m) continue;
    const [, name, op, boundText, unitRaw] = m;
    const unit = unitRaw === 'us' ? 'µs' : unitRaw!;
    let value: number | undefined;
    let bound = Number(boundText);
    if (unit === '%') {
      const v = name ? new RegExp(`${name.trim()}\\s+(-?[\\d.]+)%`).exec(measured) : /(-?[\d.]+)%/.exec(measured);
      value = v ? Math.abs(Number(v[1])) : undefined;
    } else if (unit === 'x') {
      value = parseValue(ratio, 'x');
    } else if (unit === 'MB') {
      value = parseValue(measured, 'MB');
    } else {
      value = parseValue(measured, unit);
      bound = toUs(bound, unit);
    }
    if (value === undefined || !Number.isFinite(value)) continue;
    understood++;
    const lower = op === '>=' || op === '≥' || op === '>';
    const ok = op === '>=' || op === '≥' ? value >= bound : op === '>' ? value > bound : op === '<' ? value < bound : value <= bound;
    if (!ok) all = false;
    const rel = bound === 0 ? 0 : value / bound;
    // How far from the bound in the bad direction: > 1 means missed.
    const badness = lower ? (value === 0 ? Infinity : bound / value) : rel;
    if (worst === undefined || badness > worst.badness) worst = { badness, rel };
  }
  if (understood === 0) return { met: '?', vsTarget: '' };
  return { met: all ? 'yes' : 'NO', vsTarget: worst === undefined ? '' : worst.rel.toFixed(2) };
}

/** The one table: a heading row per section, then its rows with met / measured-over-target filled in. */
export function reportTable(sections: readonly Section[]): string {
  const rows: string[][] = [];
  for (const s of sections) {
    rows.push([`[${s.title}] (${s.issue})`, '', '', '', '', '', '', '']);
    if (s.problem) rows.push([`  ${s.problem}`, '', '', '', '', '', 'NOT RUN', '']);
    for (const line of s.lines) {
      const [benchmark = '', client = '', measured = '', baseline = '', ratio = '', target = ''] = line;
      const { met, vsTarget } = judge(line);
      rows.push([`  ${benchmark}`, client, baseline, measured, ratio, target, met, vsTarget]);
    }
  }
  return formatTable(REPORT_HEADERS, rows);
}

/** Counts of rows with a target, met and not met. */
export function tally(sections: readonly Section[]): { targets: number; met: number; missed: string[]; notRun: string[] } {
  let targets = 0;
  let met = 0;
  const missed: string[] = [];
  const notRun: string[] = [];
  for (const s of sections) {
    if (s.problem) notRun.push(`${s.title}: ${s.problem}`);
    for (const line of s.lines) {
      const j = judge(line);
      if (j.met === '') continue;
      targets++;
      if (j.met === 'yes') met++;
      else missed.push(`${s.title}: ${line[0]} (${line[2]}${line[4] ? `, ${line[4]}` : ''} vs ${line[5]})`);
    }
  }
  return { targets, met, missed, notRun };
}
