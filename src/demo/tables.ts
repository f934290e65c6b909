/**
 * The demo tables the generator writes: names, paths, column order and (for tests and docs) the DuckDB
 * column types. Docs and examples depend on these names; do not rename. Their descriptions live in the
 * data catalog, config/demo.yaml, which is what BI tools show.
 */

export interface DemoTable {
  readonly schema: 'lake';
  readonly name: string;
  /** Relative to the data dir; a glob for read_parquet (use hive_partitioning when partitionColumn is set). */
  readonly path: string;
  /** Hive partition column (a 'YYYY-MM' string taken from the directory name), when partitioned. */
  readonly partitionColumn?: string;
  /** Column names in table order (the partition column last, as DuckDB's hive_partitioning returns it). */
  readonly columns: readonly string[];
}

export const DEMO_TABLES: ReadonlyArray<DemoTable> = [
  {
    schema: 'lake',
    name: 'hotels',
    path: 'lake/hotels/hotels.parquet',
    columns: ['hotel_id', 'name', 'city', 'country', 'star_rating', 'chain'],
  },
  {
    schema: 'lake',
    name: 'bookings',
    path: 'lake/bookings/*/*.parquet',
    partitionColumn: 'booking_month',
    columns: ['booking_id', 'hotel_id', 'user_id', 'booked_at', 'checkin_date', 'nights', 'rooms', 'price_usd', 'currency', 'channel', 'device', 'user_country', 'status', 'booking_month'],
  },
  {
    schema: 'lake',
    name: 'searches',
    path: 'lake/searches/*/*.parquet',
    partitionColumn: 'search_month',
    columns: ['search_id', 'user_id', 'searched_at', 'destination_city', 'checkin_date', 'nights', 'adults', 'results_shown', 'clicked_hotel_id', 'latency_ms', 'search_month'],
  },
];

/** DuckDB type of every column, as read back with hive_partitioning (all map cleanly to PostgreSQL types). */
export const DEMO_COLUMN_TYPES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  hotels: {
    hotel_id: 'INTEGER',
    name: 'VARCHAR',
    city: 'VARCHAR',
    country: 'VARCHAR',
    star_rating: 'SMALLINT',
    chain: 'VARCHAR',
  },
  bookings: {
    booking_id: 'BIGINT',
    hotel_id: 'INTEGER',
    user_id: 'BIGINT',
    booked_at: 'TIMESTAMP',
    checkin_date: 'DATE',
    nights: 'SMALLINT',
    rooms: 'SMALLINT',
    price_usd: 'DECIMAL(10,2)',
    currency: 'VARCHAR',
    channel: 'VARCHAR',
    device: 'VARCHAR',
    user_country: 'VARCHAR',
    status: 'VARCHAR',
    booking_month: 'VARCHAR',
  },
  searches: {
    search_id: 'BIGINT',
    user_id: 'BIGINT',
    searched_at: 'TIMESTAMP',
    destination_city: 'VARCHAR',
    checkin_date: 'DATE',
    nights: 'SMALLINT',
    adults: 'SMALLINT',
    results_shown: 'INTEGER',
    clicked_hotel_id: 'INTEGER',
    latency_ms: 'INTEGER',
    search_month: 'VARCHAR',
  },
};
