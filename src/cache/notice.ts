import { formatMoney } from '../billing/index.ts';

/** The last notice per saved amount, team and age: a hot dashboard query repeats the same one (Intl formatting is slow). */
const recent = new Map<string, string>();
const MAX_RECENT = 256;

/**
 * The very last notice made, compared field by field before any key is built: concurrent hits on one
 * entry ask for the same notice within the same second (building the key, with the amount as a string,
 * cost ~2% of a hit).
 */
let last: { saved: number; team: string; currency: string; seconds: number; notice: string } | null = null;

/** `tollgate: cache hit, ~$0.0076 saved for team growth (cached 3 min ago)`. */
export function hitNotice(saved: number, team: string, currency: string, ageMs: number): string {
  const seconds = ageSeconds(ageMs);
  if (last !== null && last.saved === saved && last.seconds === seconds && last.team === team && last.currency === currency) return last.notice;
  const key = `${saved}\u0000${team}\u0000${currency}\u0000${age(seconds)}`;
  let notice = recent.get(key);
  if (notice === undefined) {
    if (recent.size >= MAX_RECENT) recent.clear();
    notice = `tollgate: cache hit, ~${formatMoney(saved, currency)} saved for team ${team} (cached ${age(seconds)} ago)`;
    recent.set(key, notice);
  }
  last = { saved, team, currency, seconds, notice };
  return notice;
}

function ageSeconds(ms: number): number {
  return Math.max(0, Math.round(ms / 1000));
}

function age(s: number): string {
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86400) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}
