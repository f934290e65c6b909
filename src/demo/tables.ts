/**
 * The demo tables as the rest of tollgate sees them: names, paths, comments and (for tests and docs)
 * the DuckDB/PostgreSQL column types. Docs and examples depend on these names; do not rename.
 */

export interface DemoTable {
  readonly schema: 'lake';
  readonly name: string;
  /** Relative to the data dir; a glob for read_parquet (use hive_partitioning when partitionColumn is set). */
  readonly path: string;
  /** Hive partition column (a 'YYYY-MM' string taken from the directory name), when partitioned. */
  readonly partitionColumn?: string;
  readonly comment: string;
  /** column -> comment, in table order (the partition column last, as DuckDB's hive_partitioning returns it). */
  readonly columns: Readonly<Record<string, string>>;
}

export const DEMO_TABLES: ReadonlyArray<DemoTable> = [
  {
    schema: 'lake',
    name: 'hotels',
    path: 'lake/hotels/hotels.parquet',
    comment: 'Hotels listed on the platform (demo data: real cities, fictional hotels and chains).',
    columns: {
      hotel_id: 'Hotel identifier; hotels of one city have consecutive ids, most popular first.',
      name: 'Display name of the hotel (fictional).',
      city: 'City where the hotel is located.',
      country: 'Country where the hotel is located.',
      star_rating: 'Official star rating, 1 to 5.',
      chain: 'Hotel chain (brand) the hotel belongs to; NULL for independent hotels.',
    },
  },
  {
    schema: 'lake',
    name: 'bookings',
    path: 'lake/bookings/*/*.parquet',
    partitionColumn: 'booking_month',
    comment: 'One row per hotel booking, partitioned by the month it was made (booking_month).',
    columns: {
      booking_id: 'Booking identifier, increasing with booked_at.',
      hotel_id: 'Booked hotel (lake.hotels.hotel_id).',
      user_id: 'User who made the booking; the same user ids appear in lake.searches.',
      booked_at: 'When the booking was made (UTC).',
      checkin_date: 'First night of the stay.',
      nights: 'Number of nights of the stay.',
      rooms: 'Number of rooms booked.',
      price_usd: 'Price of the whole stay (all nights and rooms) in US dollars.',
      currency: 'ISO 4217 code of the currency the user paid in.',
      channel: 'Marketing channel that brought the booking: direct, organic_search, paid_search, metasearch, email or affiliate.',
      device: 'Device used to book: desktop, mobile_web, mobile_app or tablet.',
      user_country: 'Country where the user lives.',
      status: "Current status of the booking: 'confirmed' or 'cancelled'.",
      booking_month: "Month of booked_at as 'YYYY-MM' (partition column).",
    },
  },
  {
    schema: 'lake',
    name: 'searches',
    path: 'lake/searches/*/*.parquet',
    partitionColumn: 'search_month',
    comment: 'One row per hotel search made on the site or app, partitioned by the month of the search (search_month).',
    columns: {
      search_id: 'Search identifier, increasing with searched_at.',
      user_id: 'User who searched; the same user ids appear in lake.bookings.',
      searched_at: 'When the search was made (UTC).',
      destination_city: 'City searched for (matches lake.hotels.city).',
      checkin_date: 'Requested check-in date.',
      nights: 'Requested number of nights.',
      adults: 'Number of adult guests.',
      results_shown: 'Number of available hotels shown; 0 when nothing was available.',
      clicked_hotel_id: 'Hotel the user clicked on (lake.hotels.hotel_id); NULL when the user clicked nothing.',
      latency_ms: 'Time the search took to answer, in milliseconds.',
      search_month: "Month of searched_at as 'YYYY-MM' (partition column).",
    },
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
