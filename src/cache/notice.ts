import { formatMoney } from '../billing/index.ts';

/** `tollgate: cache hit, ~$0.0076 saved for team growth (cached 3 min ago)`. */
export function hitNotice(saved: number, team: string, currency: string, ageMs: number): string {
  return `tollgate: cache hit, ~${formatMoney(saved, currency)} saved for team ${team} (cached ${age(ageMs)} ago)`;
}

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86400) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}
