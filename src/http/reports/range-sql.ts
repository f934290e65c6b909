/**
 * The SQL condition "started in [from, to] in the zone", with from = $2, to = $3 and the zone = $4 (local
 * dates, `to` included): local midnights turned into instants by PostgreSQL's own time zone rules.
 */
export const IN_RANGE = `s.started_at >= ($2::date::timestamp AT TIME ZONE $4)
  AND s.started_at < (($3::date + 1)::timestamp AT TIME ZONE $4)`;

/** numeric and bigint arrive as text (they may not fit a double exactly); the API sends JSON numbers. */
export function num(v: string | number | null | undefined): number {
  return v === null || v === undefined ? 0 : Number(v);
}

export function numOrNull(v: string | number | null | undefined): number | null {
  return v === null || v === undefined ? null : Number(v);
}
