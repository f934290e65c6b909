import { formatMoney } from '../billing/index.ts';

/** The last notice per saved amount, team and age: a hot dashboard query repeats the same one (Intl formatting is slow). */
const recent = new Map<string, string>();
const MAX_RECENT = 256;

/** `tollgate: cache hit, ~$0.0076 saved for team growth (cached 3 min ago)`. */
export function hitNotice(saved: number, team: string, currency: string, ageMs: number): string {
  const key = `${saved}\u0000${team}\u0000${currency}\u0000${age(ageMs)}`;
  let notice = recent.get(key);
  if (notice === undefined) {
    if (recent.size >= MAX_RECENT) recent.clear();
    notice = `tollgate: cache hit, ~${formatMoney(saved, currency)} saved for team ${team} (cached ${age(ageMs)} ago)`;
    recent.set(key, notice);
  }
  return notice;
}

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86400) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}
