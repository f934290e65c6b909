/**
 * The SQL that DuckDB runs to generate the demo lake.
 *
 * Every pseudo-random value is `u(i, salt)`: DuckDB's hash() of (row number, column salt, seed) scaled to
 * [0, 1). No random(), no setseed(): random() depends on which thread draws the value, a hash does not.
 * DuckDB's hash() is an implementation detail and may change between DuckDB versions, which would change
 * the generated data (not its shape); that is acceptable because the DuckDB version is pinned in
 * package-lock.json, and the marker records the version that generated the lake. Likewise sin/ln/exp come
 * from the C library, so a different platform could round a last digit differently.
 */
import {
  CHAINS,
  CHAIN_SHARE_BY_STAR,
  CHAIN_SUFFIXES,
  CITIES,
  CITY_ZIPF_EXPONENT,
  NAME_ADJECTIVES,
  NAME_NOUNS,
  NAME_PATTERNS,
  NIGHTLY_RATE_BY_STAR,
  STAR_SHARES,
  USER_COUNTRIES,
} from './reference.ts';
import type { DemoDay } from './calendar.ts';

/** Resolution of the inverse-CDF lookup tables (city_slots, country_slots). */
export const CITY_SLOTS = 16384;
export const COUNTRY_SLOTS = 1024;

/** Column salts: one per random draw. Integers hash about twice as fast as strings. */
const S = {
  star: 1,
  chain: 2,
  brand: 3,
  suffix: 4,
  pattern: 5,
  adjective: 6,
  noun: 7,
  hotelPrice: 8,
  userCountry: 9,
  // bookings
  bTime: 20,
  bCity: 21,
  bHotel: 22,
  bUser: 23,
  bLead: 24,
  bNights: 25,
  bRooms: 26,
  bDevice: 27,
  bChannel: 28,
  bPrice: 29, // and 30 (normal() draws two)
  bCancel: 31,
  // searches
  sTime: 40,
  sCity: 41,
  sUser: 42,
  sLead: 43,
  sNights: 44,
  sAdults: 45,
  sNoResults: 46,
  sResults: 47,
  sClick: 48,
  sClickHotel: 49,
  sLatency: 50, // and 51
  sTail: 52,
  sTailSize: 53,
} as const;

/** Popularity of hotels within a city: rank = floor(count * u^HOTEL_SKEW); the top 10% get about a third. */
const HOTEL_SKEW = 2.2;
/** Activity of users: user = floor(users * u^USER_SKEW); a minority of frequent travellers. */
const USER_SKEW = 1.7;

export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

function sqlNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`not a finite number: ${n}`);
  return String(n);
}

function stringList(values: readonly string[]): string {
  return `[${values.map(sqlString).join(', ')}]`;
}

/** `list[1 + floor(u * len)]`: a uniform pick from a constant list. */
function pickFromList(values: readonly string[], uExpr: string): string {
  return `${stringList(values)}[1 + floor(${uExpr} * ${values.length})::INTEGER]`;
}

/** A weighted pick: CASE over cumulative thresholds of `x` (uniform in [0,1)). */
export function weightedCase(x: string, choices: ReadonlyArray<readonly [string, number]>): string {
  const total = choices.reduce((a, [, w]) => a + w, 0);
  let cum = 0;
  const whens: string[] = [];
  for (let k = 0; k < choices.length - 1; k++) {
    const [value, weight] = choices[k]!;
    cum += weight;
    whens.push(`WHEN ${x} < ${sqlNumber(cum / total)} THEN ${value}`);
  }
  return `(CASE ${whens.join(' ')} ELSE ${choices[choices.length - 1]![0]} END)`;
}

/** Integer split of `total` in proportion to `weights`, each at least `min`, summing exactly to total. */
export function splitExactly(weights: readonly number[], total: number, min = 0): number[] {
  const rest = total - min * weights.length;
  if (rest < 0) throw new Error(`cannot split ${total} into ${weights.length} parts of at least ${min}`);
  const sum = weights.reduce((a, b) => a + b, 0);
  const out: number[] = [];
  let cum = 0;
  let prev = 0;
  for (let k = 0; k < weights.length; k++) {
    cum += weights[k]!;
    const upto = k === weights.length - 1 ? rest : Math.floor((rest * cum) / sum);
    out.push(min + upto - prev);
    prev = upto;
  }
  return out;
}

export interface Sizes {
  hotels: number;
  bookings: number;
  searches: number;
  users: number;
}

/** Macros and lookup tables; run once per DuckDB connection before the COPY statements. */
export function setupSql(seed: number, sizes: Sizes, days: readonly DemoDay[]): string {
  const cityWeights = CITIES.map((_, r) => 1 / Math.pow(r + 1, CITY_ZIPF_EXPONENT));
  // Hotels per city grow slower than traffic (big cities have more hotels, but not 100x more).
  const hotelCounts = splitExactly(cityWeights.map((w) => Math.pow(w, 0.6)), sizes.hotels, 2);
  const citySlots = splitExactly(cityWeights, CITY_SLOTS, 1);
  let hotelFirst = 1;
  let slotLo = 0;
  const cityRows = CITIES.map((c, k) => {
    const row = `(${k + 1}, ${sqlString(c.name)}, ${sqlString(c.country)}, ${sqlNumber(c.priceIndex)}, ${hotelFirst}, ${hotelCounts[k]}, ${slotLo}, ${slotLo + citySlots[k]!})`;
    hotelFirst += hotelCounts[k]!;
    slotLo += citySlots[k]!;
    return row;
  });
  const countrySlots = splitExactly(USER_COUNTRIES.map((c) => c.share), COUNTRY_SLOTS, 1);
  let cLo = 0;
  const countryRows = USER_COUNTRIES.map((c, k) => {
    const row = `(${sqlString(c.country)}, ${sqlString(c.currency)}, ${cLo}, ${cLo + countrySlots[k]!})`;
    cLo += countrySlots[k]!;
    return row;
  });
  const dayRows = days.map(
    (d) =>
      `(${d.index}, DATE '${d.date}', '${d.month}', ${sqlNumber(d.trend)}, ${d.bookings}, ${d.bookingsStart}, ${d.searches}, ${d.searchesStart})`,
  );
  const starCase = weightedCase(
    'u(h, ' + S.star + ')',
    STAR_SHARES.map((w, k) => [String(k + 1), w] as const),
  );
  return `
    CREATE OR REPLACE MACRO u(i, salt) AS ((hash(i::BIGINT, salt::INTEGER, ${Math.trunc(seed)}::BIGINT) >> 11)::DOUBLE / 9007199254740992.0);
    CREATE OR REPLACE MACRO normal(i, salt) AS (sqrt(-2 * ln(1 - u(i, salt))) * cos(2 * pi() * u(i, salt + 1)));
    -- Time of day in [0,1): a monotone warp of p in [0,1) with one daily cycle (busiest around 20:00 UTC,
    -- quietest around 08:00, three times fewer). Monotone, so stratified p = (k + u) / n gives times
    -- already in the order of k, that is of the row number.
    CREATE OR REPLACE MACRO diurnal(p) AS (p - (0.5 / (2 * pi())) * (sin(2 * pi() * (p - 0.76)) + sin(2 * pi() * 0.76)));
    CREATE OR REPLACE MACRO star_of(h) AS (${starCase});
    CREATE OR REPLACE TABLE cities(city_id INTEGER, name VARCHAR, country VARCHAR, price_index DOUBLE,
      hotel_first INTEGER, hotel_count INTEGER, slot_lo INTEGER, slot_hi INTEGER);
    INSERT INTO cities VALUES ${cityRows.join(',\n')};
    CREATE OR REPLACE TABLE city_slots AS
      SELECT unnest(range(slot_lo, slot_hi))::INTEGER AS slot, city_id, name, hotel_first, hotel_count, price_index FROM cities;
    CREATE OR REPLACE TABLE countries(country VARCHAR, currency VARCHAR, slot_lo INTEGER, slot_hi INTEGER);
    INSERT INTO countries VALUES ${countryRows.join(',\n')};
    CREATE OR REPLACE TABLE country_slots AS
      SELECT unnest(range(slot_lo, slot_hi))::INTEGER AS slot, country, currency FROM countries;
    CREATE OR REPLACE TABLE days(day_index INTEGER, day DATE, month VARCHAR, trend DOUBLE,
      bookings BIGINT, bookings_start BIGINT, searches BIGINT, searches_start BIGINT);
    INSERT INTO days VALUES ${dayRows.join(',\n')};
  `;
}

const PARQUET_OPTIONS = 'FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880';

export function hotelsCopySql(file: string): string {
  // Chain brands available at each star rating, repeated by weight.
  const brandCases = [1, 2, 3, 4, 5]
    .map((star) => {
      const brands: string[] = [];
      for (const c of CHAINS) if (c.stars.includes(star)) for (let w = 0; w < c.weight; w++) brands.push(c.name);
      return `WHEN ${star} THEN ${pickFromList(brands, `u(hotel_id, ${S.brand})`)}`;
    })
    .join(' ');
  const chainShare = `[${CHAIN_SHARE_BY_STAR.map(sqlNumber).join(', ')}][star]`;
  // Hostels and guesthouses (the last two patterns) only below 3 stars.
  const patternCount = `(CASE WHEN star <= 2 THEN ${NAME_PATTERNS.length} ELSE ${NAME_PATTERNS.length - 2} END)`;
  const pattern = `${stringList(NAME_PATTERNS)}[1 + floor(u(hotel_id, ${S.pattern}) * ${patternCount})::INTEGER]`;
  const independentName = `replace(replace(replace(${pattern}, '{a}', ${pickFromList(NAME_ADJECTIVES, `u(hotel_id, ${S.adjective})`)}), '{n}', ${pickFromList(NAME_NOUNS, `u(hotel_id, ${S.noun})`)}), '{c}', city)`;
  return `
    COPY (
      WITH h AS (
        SELECT hotel_first + r AS hotel_id, r, hotel_count, name AS city, country
        FROM (SELECT *, unnest(range(hotel_count))::INTEGER AS r FROM cities)
      ), s AS (
        SELECT *, star_of(hotel_id) AS star FROM h
      ), c AS (
        -- The most popular hotels of a city (low rank) are more often chain hotels.
        SELECT *, CASE WHEN u(hotel_id, ${S.chain}) < ${chainShare} * (1.5 - r / hotel_count)
                       THEN (CASE star ${brandCases} END) END AS chain
        FROM s
      ), n1 AS (
        -- Chain hotels: "<brand> <city> <district>", the districts of one brand in one city taken in turn.
        SELECT *,
          CASE WHEN chain IS NOT NULL THEN
            chain || ' ' || city || ' ' || ${stringList(CHAIN_SUFFIXES)}[1 + ((hash(city, chain) % ${CHAIN_SUFFIXES.length})::INTEGER
              + row_number() OVER (PARTITION BY city, chain ORDER BY hotel_id)::INTEGER - 1) % ${CHAIN_SUFFIXES.length}]
          ELSE ${independentName} END AS name1
        FROM c
      ), n2 AS (
        -- Names are unique within a city: a repeated one gets a district, then a number.
        SELECT *, CASE WHEN row_number() OVER (PARTITION BY city, name1 ORDER BY hotel_id) = 1 THEN name1
                       ELSE name1 || ' ' || ${pickFromList(CHAIN_SUFFIXES, `u(hotel_id, ${S.suffix})`)} END AS name2
        FROM n1
      ), n3 AS (
        SELECT *, row_number() OVER (PARTITION BY city, name2 ORDER BY hotel_id) AS dup FROM n2
      )
      SELECT
        hotel_id::INTEGER AS hotel_id,
        CASE WHEN dup = 1 THEN name2 ELSE name2 || ' ' || dup END AS name,
        city,
        country,
        star::SMALLINT AS star_rating,
        chain
      FROM n3
      ORDER BY hotel_id
    ) TO ${sqlString(file)} (${PARQUET_OPTIONS});
  `;
}

/** Rows of one day, numbered: i is the global 0-based row number, k the number within the day (n rows). */
function dayRowsCte(month: string, count: string, start: string, timeSalt: number): string {
  return `
      d AS (
        SELECT day, trend, ${count} AS n, ${start} AS start, unnest(range(${count})) AS k
        FROM days WHERE month = ${sqlString(month)} AND ${count} > 0
      ), t AS (
        SELECT start + k AS i, trend,
          day::TIMESTAMP + to_microseconds(LEAST(86399999999, floor(86400000000 * diurnal((k + u(start + k, ${timeSalt})) / n)))::BIGINT) AS ts
        FROM d
      )`;
}

const NIGHTS: ReadonlyArray<readonly [string, number]> = [
  ['1', 22], ['2', 24], ['3', 18], ['4', 11], ['5', 7], ['6', 4], ['7', 7], ['8', 1.5], ['9', 1], ['10', 1.2],
  ['11', 0.5], ['12', 0.5], ['13', 0.4], ['14', 1.9],
];
/** Price level by month of stay (Jan..Dec). */
const STAY_SEASON = [0.88, 0.86, 0.95, 1.0, 1.05, 1.18, 1.28, 1.25, 1.05, 0.98, 0.92, 1.12];

export function bookingsCopySql(month: string, file: string, users: number): string {
  const device = `(CASE WHEN x_device < 0.46 - 0.10 * trend THEN 'desktop'
                        WHEN x_device < 0.76 - 0.07 * trend THEN 'mobile_web'
                        WHEN x_device < 0.94 THEN 'mobile_app' ELSE 'tablet' END)`;
  const appChannel = weightedCase('x_channel', [["'direct'", 62], ["'email'", 18], ["'paid_search'", 10], ["'organic_search'", 10]]);
  const webChannel = weightedCase('x_channel', [
    ["'direct'", 22], ["'organic_search'", 24], ["'paid_search'", 21], ["'metasearch'", 17], ["'email'", 8], ["'affiliate'", 8],
  ]);
  const rates = `[${NIGHTLY_RATE_BY_STAR.map(sqlNumber).join(', ')}]`;
  const season = `[${STAY_SEASON.map(sqlNumber).join(', ')}]`;
  return `
    COPY (
      WITH ${dayRowsCte(month, 'bookings', 'bookings_start', S.bTime)},
      c AS (
        -- Joins first, while rows are narrow: the city (Zipf), then the user and where the user lives.
        SELECT i, ts, trend, cs.hotel_first, cs.hotel_count, cs.price_index,
          (1 + floor(${users} * pow(u(i, ${S.bUser}), ${USER_SKEW})))::BIGINT AS user_id
        FROM t JOIN city_slots cs ON cs.slot = floor(u(i, ${S.bCity}) * ${CITY_SLOTS})::INTEGER
      ), cu AS (
        SELECT c.*, co.country AS user_country, co.currency
        FROM c JOIN country_slots co ON co.slot = floor(u(user_id, ${S.userCountry}) * ${COUNTRY_SLOTS})::INTEGER
      ), x AS (
        -- Each random draw once, as a column (a macro used in several CASE branches would be hashed each time).
        SELECT cu.*,
          u(i, ${S.bHotel}) AS x_hotel, u(i, ${S.bLead}) AS x_lead, u(i, ${S.bNights}) AS x_nights,
          u(i, ${S.bRooms}) AS x_rooms, u(i, ${S.bDevice}) AS x_device, u(i, ${S.bChannel}) AS x_channel,
          normal(i, ${S.bPrice}) AS x_price, u(i, ${S.bCancel}) AS x_cancel
        FROM cu
      ), b AS (
        SELECT i, ts, trend, price_index, user_id, user_country, currency, x_channel, x_price, x_cancel,
          (hotel_first + floor(hotel_count * pow(x_hotel, ${HOTEL_SKEW})))::INTEGER AS hotel_id,
          -- Lead time: exponential, median about three weeks, capped at 11 months.
          LEAST(330, floor(-ln(1 - x_lead) * 30))::INTEGER AS lead_days,
          ${weightedCase('x_nights', NIGHTS)}::SMALLINT AS nights,
          ${weightedCase('x_rooms', [['1', 88], ['2', 9], ['3', 2], ['4', 1]])}::SMALLINT AS rooms,
          ${device} AS device
        FROM x
      ), b2 AS (
        SELECT b.*, ts::DATE + lead_days AS checkin_date, star_of(hotel_id) AS star, u(hotel_id, ${S.hotelPrice}) AS hotel_price,
          CASE WHEN device = 'mobile_app' THEN ${appChannel} ELSE ${webChannel} END AS channel
        FROM b
      ), b3 AS (
        SELECT b2.*,
          round(
            ${rates}[star] * price_index * (0.8 + 0.4 * hotel_price)
            * ${season}[month(checkin_date)]
            * (CASE WHEN dayofweek(checkin_date) IN (5, 6) THEN 1.08 ELSE 1.0 END)
            * (1 + 0.04 * trend)
            * exp(0.16 * x_price)
            * nights * rooms * (CASE WHEN nights >= 7 THEN 0.92 ELSE 1.0 END),
          2)::DECIMAL(10, 2) AS price_usd,
          -- Cancellations: more for bookings made far ahead, via metasearch/affiliates, and for several rooms.
          0.095 + 0.26 * lead_days / (lead_days + 40)
            + (CASE channel WHEN 'metasearch' THEN 0.05 WHEN 'affiliate' THEN 0.07 WHEN 'direct' THEN -0.03 WHEN 'email' THEN -0.02 ELSE 0 END)
            + (CASE WHEN rooms > 1 THEN 0.04 ELSE 0 END) AS p_cancel
        FROM b2
      )
      SELECT
        (i + 1)::BIGINT AS booking_id,
        hotel_id,
        user_id,
        ts AS booked_at,
        checkin_date,
        nights,
        rooms,
        price_usd,
        currency,
        channel,
        device,
        user_country,
        CASE WHEN x_cancel < p_cancel THEN 'cancelled' ELSE 'confirmed' END AS status
      FROM b3
      ORDER BY booking_id
    ) TO ${sqlString(file)} (${PARQUET_OPTIONS});
  `;
}

export function searchesCopySql(month: string, file: string, users: number): string {
  const busyMonth = `(CASE WHEN month(ts) IN (7, 8, 12) THEN 0.05 ELSE 0 END)`;
  return `
    COPY (
      WITH ${dayRowsCte(month, 'searches', 'searches_start', S.sTime)},
      c AS (
        SELECT i, ts, cs.name AS destination_city, cs.hotel_first, cs.hotel_count
        FROM t JOIN city_slots cs ON cs.slot = floor(u(i, ${S.sCity}) * ${CITY_SLOTS})::INTEGER
      ), x AS (
        SELECT c.*,
          u(i, ${S.sUser}) AS x_user, u(i, ${S.sLead}) AS x_lead,
          u(i, ${S.sNights}) AS x_nights, u(i, ${S.sAdults}) AS x_adults, u(i, ${S.sNoResults}) AS x_nores,
          u(i, ${S.sResults}) AS x_results, u(i, ${S.sClick}) AS x_click, u(i, ${S.sClickHotel}) AS x_click_hotel,
          normal(i, ${S.sLatency}) AS x_latency, u(i, ${S.sTail}) AS x_tail, u(i, ${S.sTailSize}) AS x_tail_size
        FROM c
      ), s AS (
        SELECT x.*,
          (1 + floor(${users} * pow(x_user, ${USER_SKEW})))::BIGINT AS user_id,
          ts::DATE + LEAST(350, floor(-ln(1 - x_lead) * 38))::INTEGER AS checkin_date,
          ${weightedCase('x_nights', NIGHTS)}::SMALLINT AS nights,
          ${weightedCase('x_adults', [['1', 24], ['2', 56], ['3', 8], ['4', 9], ['5', 2], ['6', 1]])}::SMALLINT AS adults,
          CASE WHEN x_nores < 0.02 + ${busyMonth} THEN 0
               ELSE GREATEST(1, floor(hotel_count * (0.2 + 0.8 * x_results))) END::INTEGER AS results_shown
        FROM x
      )
      SELECT
        (i + 1)::BIGINT AS search_id,
        user_id,
        ts AS searched_at,
        destination_city,
        checkin_date,
        nights,
        adults,
        results_shown,
        CASE WHEN results_shown > 0 AND x_click < 0.42
             THEN (hotel_first + floor(hotel_count * pow(x_click_hotel, ${HOTEL_SKEW})))::INTEGER END AS clicked_hotel_id,
        -- Log-normal around 120 ms, slower for big result lists, a 2% slow tail (cold caches, retries), and one
        -- incident (2025-06-17 14:00-18:30 UTC) where everything was four times slower; a 30 s timeout caps it.
        LEAST(30000, GREATEST(5, round(
          (exp(ln(120) + 0.5 * x_latency) + 0.2 * results_shown)
          * (CASE WHEN x_tail < 0.02 THEN 2 + 28 * pow(x_tail_size, 2) ELSE 1 END)
          * (CASE WHEN ts >= TIMESTAMP '2025-06-17 14:00:00' AND ts < TIMESTAMP '2025-06-17 18:30:00' THEN 4 ELSE 1 END)
        )))::INTEGER AS latency_ms
      FROM s
      ORDER BY search_id
    ) TO ${sqlString(file)} (${PARQUET_OPTIONS});
  `;
}
