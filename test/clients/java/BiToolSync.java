import java.sql.*;
import java.util.*;

/**
 * What Metabase's sync and DBeaver's navigator send through pgjdbc on connect and while reading the
 * structure of tollgate's demo tables, statement for statement, with the drivers' own SQL text and
 * catalog features (regclass casts, ANY(array), format_type, pg_get_expr, has_*_privilege, ...).
 *
 * Metabase: the PostgreSQL driver and its sql-jdbc parent as on master in the 0.57+ "driver-api" era
 * (src/metabase/driver/postgres.clj at commit 008fd6675457cdd62da2265628bed3b725a607ea, with describe-database*
 * and :transforms/table; sql_jdbc/sync/describe_database.clj and describe_table.clj, execute.clj,
 * connection.clj and common/table_rows_sample.clj of the same era). Its queries are HoneySQL 2 with the
 * :ansi dialect (quoted identifiers; strings and numbers bound as parameters; :inline and :raw parts in
 * the text), written out here as HoneySQL renders them.
 * DBeaver: plugins/org.jkiss.dbeaver.ext.postgresql model classes of DBeaver 24.x-25.x: PostgreSchema (the
 * sources headed "Copyright 2010-2024"), PostgreDataTypeCache ("2010-2025"), PostgreDatabase,
 * PostgreDataSource and PostgreExecutionContext (statements unchanged since the 2021 sources); the
 * pg_attribute statement is the one DBeaver 25.3.3 sends (seen in a pg_stat_activity capture).
 *
 * Prints "ok NAME" or "not ok NAME: why" per check, then "done"; exits 1 when a check failed.
 * Usage: java -cp pgjdbc.jar BiToolSync.java metabase|dbeaver HOST PORT DATABASE USER PASSWORD
 *        java -cp pgjdbc.jar BiToolSync.java bench HOST PORT DATABASE USER PASSWORD [ITERATIONS [WARMUP]]
 * bench prints "lat NAME MICROSECONDS" per timed iteration of pgjdbc's getColumns(lake.bookings) fully
 * read and of Metabase's whole metadata sync, each result checked, then "step MICROSECONDS NAME": the
 * sync's time per step, summed over the timed iterations.
 */
public class BiToolSync {
  static boolean failed = false;

  interface Check { void run() throws Exception; }

  static void check(String name, Check c) {
    try {
      c.run();
      System.out.println("ok " + name);
    } catch (Throwable t) {
      failed = true;
      System.out.println("not ok " + name + ": " + String.valueOf(t).replace('\n', ' '));
    }
  }

  static void expect(boolean cond, String what) {
    if (!cond) throw new AssertionError(what);
  }

  // ------------------------------------------------------------------------------------- demo catalog

  static final List<String> TABLES = List.of("bookings", "hotels", "searches");

  /** Table comments from config/demo.yaml. */
  static final Map<String, String> TABLE_COMMENTS = Map.of(
      "hotels", "Hotels listed on the platform (demo data: real cities, fictional hotels and chains).",
      "bookings", "One row per hotel booking, partitioned by the month it was made (booking_month).",
      "searches", "One row per hotel search made on the site or app, partitioned by the month of the search (search_month).");

  /** lake.bookings in column order: name, PostgreSQL type name, comment (config/demo.yaml). */
  static final String[][] BOOKINGS = {
    {"booking_id", "int8", "Booking identifier, increasing with booked_at."},
    {"hotel_id", "int4", "Booked hotel (lake.hotels.hotel_id)."},
    {"user_id", "int8", "User who made the booking; the same user ids appear in lake.searches."},
    {"booked_at", "timestamp", "When the booking was made (UTC)."},
    {"checkin_date", "date", "First night of the stay."},
    {"nights", "int2", "Number of nights of the stay."},
    {"rooms", "int2", "Number of rooms booked."},
    {"price_usd", "numeric", "Price of the whole stay (all nights and rooms) in US dollars."},
    {"currency", "text", "ISO 4217 code of the currency the user paid in."},
    {"channel", "text", "Marketing channel that brought the booking: direct, organic_search, paid_search, metasearch, email or affiliate."},
    {"device", "text", "Device used to book: desktop, mobile_web, mobile_app or tablet."},
    {"user_country", "text", "Country where the user lives."},
    {"status", "text", "Current status of the booking: 'confirmed' or 'cancelled'."},
    {"booking_month", "text", "Month of booked_at as 'YYYY-MM' (partition column)."},
  };

  static final List<String> HOTELS_COLUMNS = List.of("hotel_id", "name", "city", "country", "star_rating", "chain");
  static final List<String> SEARCHES_COLUMNS = List.of("search_id", "user_id", "searched_at", "destination_city", "checkin_date",
      "nights", "adults", "results_shown", "clicked_hotel_id", "latency_ms", "search_month");

  static List<String> columnsOf(String table) {
    switch (table) {
      case "bookings": { List<String> l = new ArrayList<>(); for (String[] c : BOOKINGS) l.add(c[0]); return l; }
      case "hotels": return HOTELS_COLUMNS;
      default: return SEARCHES_COLUMNS;
    }
  }

  // ------------------------------------------------------------------------------------------ helpers

  /** A prepared statement with bound parameters, every row read (getObject on every column), as maps by label. */
  static List<Map<String, Object>> query(Connection c, String sql, Object... params) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) s.setObject(i + 1, params[i]);
      try (ResultSet rs = s.executeQuery()) { return rows(rs); }
    }
  }

  static List<Map<String, Object>> rows(ResultSet rs) throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    int n = md.getColumnCount();
    // As DBeaver and Metabase do for every result: the JDBC type of each column (pgjdbc looks unknown ones up in pg_type).
    for (int i = 1; i <= n; i++) { md.getColumnType(i); md.getColumnTypeName(i); }
    List<Map<String, Object>> out = new ArrayList<>();
    while (rs.next()) {
      Map<String, Object> row = new LinkedHashMap<>();
      for (int i = 1; i <= n; i++) row.put(md.getColumnLabel(i), rs.getObject(i));
      out.add(row);
    }
    return out;
  }

  static String str(Object o) { return o == null ? null : o.toString(); }

  static long num(Object o) { return ((Number) o).longValue(); }

  static boolean bool(Object o) { return o instanceof Boolean ? (Boolean) o : "t".equals(str(o)) || "true".equals(str(o)); }

  static String placeholders(int n) { return String.join(", ", Collections.nCopies(n, "?")); }

  /** Microseconds per step of Metabase's sync while the bench times it (null otherwise). */
  static Map<String, Long> stepMicros = null;

  static void timed(String step, long startNanos) {
    if (stepMicros != null) stepMicros.merge(step, (System.nanoTime() - startNanos) / 1000, Long::sum);
  }

  // ======================================================================================== Metabase

  static final String MB_APP = "Metabase v0.58 [tollgate test]";

  /** metabase.db.spec/spec :postgres + connection-details->spec: what a Metabase PostgreSQL connection is opened with. */
  static Connection metabaseConnection(String url, String user, String password, Properties extra) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", user);
    p.setProperty("password", password);
    p.setProperty("OpenSourceSubProtocolOverride", "true");
    p.setProperty("ApplicationName", MB_APP);
    p.setProperty("sslmode", "disable");
    if (extra != null) p.putAll(extra);
    return DriverManager.getConnection(url, p);
  }

  /**
   * sql-jdbc.execute/set-default-connection-options, run on every connection checkout: the least-locking
   * isolation level pgjdbc supports (READ UNCOMMITTED: pgjdbc sends SET SESSION CHARACTERISTICS AS
   * TRANSACTION ISOLATION LEVEL READ UNCOMMITTED), the report time zone through set-timezone-sql when one
   * is set (query-processor runs; sync runs without), read-only, auto-commit and holdability.
   */
  static void metabaseCheckout(Connection c, String sessionTimezone) throws SQLException {
    long t0 = System.nanoTime();
    DatabaseMetaData m = c.getMetaData();
    if (m.supportsTransactionIsolationLevel(Connection.TRANSACTION_READ_UNCOMMITTED)) c.setTransactionIsolation(Connection.TRANSACTION_READ_UNCOMMITTED);
    if (sessionTimezone != null) {
      c.setReadOnly(false);
      try (Statement s = c.createStatement()) { s.execute(String.format("SET SESSION TIMEZONE TO %s;", "'" + sessionTimezone + "'")); }
    }
    c.setReadOnly(true);
    c.setAutoCommit(true);
    c.setHoldability(ResultSet.CLOSE_CURSORS_AT_COMMIT);
    timed("connection options (SET ... ISOLATION LEVEL)", t0);
  }

  /** sql-jdbc.sync/current-user-table-privileges :postgres (clojure.java.jdbc/query: a prepared statement). */
  static final String MB_TABLE_PRIVILEGES = String.join("\n",
      "with table_privileges as (",
      " select",
      "   NULL as role,",
      "   t.schemaname as schema,",
      "   t.objectname as table,",
      "   pg_catalog.has_any_column_privilege(current_user, '\"' || replace(t.schemaname, '\"', '\"\"') || '\"' || '.' || '\"' || replace(t.objectname, '\"', '\"\"') || '\"',  'update') as update,",
      "   pg_catalog.has_any_column_privilege(current_user, '\"' || replace(t.schemaname, '\"', '\"\"') || '\"' || '.' || '\"' || replace(t.objectname, '\"', '\"\"') || '\"',  'select') as select,",
      "   pg_catalog.has_any_column_privilege(current_user, '\"' || replace(t.schemaname, '\"', '\"\"') || '\"' || '.' || '\"' || replace(t.objectname, '\"', '\"\"') || '\"',  'insert') as insert,",
      "   pg_catalog.has_table_privilege(     current_user, '\"' || replace(t.schemaname, '\"', '\"\"') || '\"' || '.' || '\"' || replace(t.objectname, '\"', '\"\"') || '\"',  'delete') as delete",
      " from (",
      "   select schemaname, tablename as objectname from pg_catalog.pg_tables",
      "   union",
      "   select schemaname, viewname as objectname from pg_catalog.pg_views",
      "   union",
      "   select schemaname, matviewname as objectname from pg_catalog.pg_matviews",
      " ) t",
      " where t.schemaname !~ '^pg_'",
      "   and t.schemaname <> 'information_schema'",
      "   and pg_catalog.has_schema_privilege(current_user, t.schemaname, 'usage')",
      ")",
      "select t.*",
      "from table_privileges t");

  /** postgres.clj get-tables-sql (describe-database*), for the syncable schemas. */
  static String mbGetTablesSql(int schemas) {
    return "SELECT \"n\".\"nspname\" AS \"schema\", \"c\".\"relname\" AS \"name\", CASE \"c\".\"relkind\" WHEN 'r' THEN 'TABLE' WHEN 'p' THEN 'PARTITIONED TABLE'"
        + " WHEN 'v' THEN 'VIEW' WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE NULL END AS \"type\", \"d\".\"description\" AS \"description\","
        + " \"stat\".\"n_live_tup\" AS \"estimated_row_count\" FROM \"pg_catalog\".\"pg_class\" AS \"c\" INNER JOIN \"pg_catalog\".\"pg_namespace\" AS \"n\""
        + " ON \"c\".\"relnamespace\" = \"n\".\"oid\" LEFT JOIN \"pg_catalog\".\"pg_description\" AS \"d\" ON (\"c\".\"oid\" = \"d\".\"objoid\") AND (\"d\".\"objsubid\" = ?)"
        + " AND (\"d\".\"classoid\" = 'pg_class'::regclass) LEFT JOIN \"pg_stat_user_tables\" AS \"stat\" ON (\"n\".\"nspname\" = \"stat\".\"schemaname\")"
        + " AND (\"c\".\"relname\" = \"stat\".\"relname\") WHERE (\"c\".\"relnamespace\" = \"n\".\"oid\") AND (\"n\".\"nspname\" !~ ?) AND (\"n\".\"nspname\" <> ?)"
        + " AND c.relkind in ('r', 'p', 'v', 'f', 'm') AND (\"n\".\"nspname\" IN (" + placeholders(schemas) + ")) ORDER BY \"type\" ASC, \"schema\" ASC, \"name\" ASC";
  }

  /** postgres.clj enum-types, run before every describe-fields (describe-fields-pre-process-xf). */
  static final String MB_ENUM_TYPES = "SELECT nspname, typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid IN (SELECT DISTINCT enumtypid FROM pg_enum e)";

  /** postgres.clj describe-fields-sql for :schema-names and :table-names. */
  static String mbDescribeFieldsSql(int schemas, int tables) {
    return "SELECT \"c\".\"column_name\" AS \"name\", CASE WHEN \"c\".\"udt_schema\" IN ('public', 'pg_catalog') THEN FORMAT('%s', \"c\".\"udt_name\")"
        + " ELSE FORMAT('\"%s\".\"%s\"', \"c\".\"udt_schema\", \"c\".\"udt_name\") END AS \"database-type\", \"c\".\"ordinal_position\" - 1 AS \"database-position\","
        + " \"c\".\"table_schema\" AS \"table-schema\", \"c\".\"table_name\" AS \"table-name\", \"pk\".\"column_name\" IS NOT NULL AS \"pk?\","
        + " COL_DESCRIPTION(CAST(CAST(FORMAT('%I.%I', CAST(\"c\".\"table_schema\" AS TEXT), CAST(\"c\".\"table_name\" AS TEXT)) AS REGCLASS) AS OID), \"c\".\"ordinal_position\") AS \"field-comment\","
        + " ((\"column_default\" IS NULL) OR (LOWER(\"column_default\") = 'null')) AND (\"is_nullable\" = 'NO') AND NOT (((\"column_default\" IS NOT NULL)"
        + " AND (\"column_default\" LIKE '%nextval(%')) OR (\"is_identity\" <> 'NO')) AS \"database-required\","
        + " ((\"column_default\" IS NOT NULL) AND (\"column_default\" LIKE '%nextval(%')) OR (\"is_identity\" <> 'NO') AS \"database-is-auto-increment\""
        + " FROM \"information_schema\".\"columns\" AS \"c\" LEFT JOIN (SELECT \"tc\".\"table_schema\", \"tc\".\"table_name\", \"kc\".\"column_name\""
        + " FROM \"information_schema\".\"table_constraints\" AS \"tc\" INNER JOIN \"information_schema\".\"key_column_usage\" AS \"kc\""
        + " ON (\"tc\".\"constraint_name\" = \"kc\".\"constraint_name\") AND (\"tc\".\"table_schema\" = \"kc\".\"table_schema\") AND (\"tc\".\"table_name\" = \"kc\".\"table_name\")"
        + " WHERE \"tc\".\"constraint_type\" = 'PRIMARY KEY') AS \"pk\" ON (\"c\".\"table_schema\" = \"pk\".\"table_schema\") AND (\"c\".\"table_name\" = \"pk\".\"table_name\")"
        + " AND (\"c\".\"column_name\" = \"pk\".\"column_name\") WHERE c.table_schema !~ '^information_schema|catalog_history|pg_'"
        + " AND (\"c\".\"table_schema\" IN (" + placeholders(schemas) + ")) AND (\"c\".\"table_name\" IN (" + placeholders(tables) + "))"
        + " UNION ALL SELECT \"pa\".\"attname\" AS \"name\", CASE WHEN \"ptn\".\"nspname\" IN ('public', 'pg_catalog') THEN FORMAT('%s', \"pt\".\"typname\")"
        + " ELSE FORMAT('\"%s\".\"%s\"', \"ptn\".\"nspname\", \"pt\".\"typname\") END AS \"database-type\", \"pa\".\"attnum\" - 1 AS \"database-position\","
        + " \"pn\".\"nspname\" AS \"table-schema\", \"pc\".\"relname\" AS \"table-name\", FALSE AS \"pk?\", NULL AS \"field-comment\", FALSE AS \"database-required\","
        + " FALSE AS \"database-is-auto-increment\" FROM \"pg_catalog\".\"pg_class\" AS \"pc\" INNER JOIN \"pg_catalog\".\"pg_namespace\" AS \"pn\" ON \"pn\".\"oid\" = \"pc\".\"relnamespace\""
        + " INNER JOIN \"pg_catalog\".\"pg_attribute\" AS \"pa\" ON \"pa\".\"attrelid\" = \"pc\".\"oid\" INNER JOIN \"pg_catalog\".\"pg_type\" AS \"pt\" ON \"pt\".\"oid\" = \"pa\".\"atttypid\""
        + " INNER JOIN \"pg_catalog\".\"pg_namespace\" AS \"ptn\" ON \"ptn\".\"oid\" = \"pt\".\"typnamespace\" WHERE (\"pc\".\"relkind\" = 'm') AND (\"pa\".\"attnum\" >= 1)"
        + " AND (\"pn\".\"nspname\" IN (" + placeholders(schemas) + ")) AND (\"pc\".\"relname\" IN (" + placeholders(tables) + "))"
        + " ORDER BY \"table-schema\" ASC, \"table-name\" ASC, \"database-position\" ASC";
  }

  /** postgres.clj describe-fks-sql (the select list is a map literal, in its written order). */
  static String mbDescribeFksSql(int tables, int schemas) {
    return "SELECT \"fk_ns\".\"nspname\" AS \"fk-table-schema\", \"fk_table\".\"relname\" AS \"fk-table-name\", \"fk_column\".\"attname\" AS \"fk-column-name\","
        + " \"pk_ns\".\"nspname\" AS \"pk-table-schema\", \"pk_table\".\"relname\" AS \"pk-table-name\", \"pk_column\".\"attname\" AS \"pk-column-name\""
        + " FROM \"pg_constraint\" AS \"c\" INNER JOIN \"pg_class\" AS \"fk_table\" ON \"c\".\"conrelid\" = \"fk_table\".\"oid\""
        + " INNER JOIN \"pg_namespace\" AS \"fk_ns\" ON \"c\".\"connamespace\" = \"fk_ns\".\"oid\" INNER JOIN \"pg_attribute\" AS \"fk_column\" ON \"c\".\"conrelid\" = \"fk_column\".\"attrelid\""
        + " INNER JOIN \"pg_class\" AS \"pk_table\" ON \"c\".\"confrelid\" = \"pk_table\".\"oid\" INNER JOIN \"pg_namespace\" AS \"pk_ns\" ON \"pk_table\".\"relnamespace\" = \"pk_ns\".\"oid\""
        + " INNER JOIN \"pg_attribute\" AS \"pk_column\" ON \"c\".\"confrelid\" = \"pk_column\".\"attrelid\" WHERE fk_ns.nspname !~ '^information_schema|catalog_history|pg_'"
        + " AND (\"c\".\"contype\" = 'f'::char) AND (\"fk_column\".\"attnum\" = ANY(c.conkey)) AND (\"pk_column\".\"attnum\" = ANY(c.confkey))"
        + " AND (\"fk_table\".\"relname\" IN (" + placeholders(tables) + ")) AND (\"fk_ns\".\"nspname\" IN (" + placeholders(schemas) + "))"
        + " ORDER BY \"fk-table-schema\" ASC, \"fk-table-name\" ASC";
  }

  /** postgres.clj describe-indexes-sql (first column of every unfiltered index). */
  static String mbDescribeIndexesSql(int schemas, int tables) {
    return "SELECT \"tmp\".\"table-schema\", \"tmp\".\"table-name\", TRIM(BOTH '\"' FROM PG_CATALOG.PG_GET_INDEXDEF(\"tmp\".\"ci_oid\", \"tmp\".\"pos\", FALSE)) AS \"field-name\""
        + " FROM (SELECT \"n\".\"nspname\" AS \"table-schema\", \"ct\".\"relname\" AS \"table-name\", \"ci\".\"oid\" AS \"ci_oid\","
        + " (INFORMATION_SCHEMA._PG_EXPANDARRAY(\"i\".\"indkey\")).\"n\" AS \"pos\" FROM \"pg_catalog\".\"pg_class\" AS \"ct\""
        + " INNER JOIN \"pg_catalog\".\"pg_namespace\" AS \"n\" ON \"ct\".\"relnamespace\" = \"n\".\"oid\" INNER JOIN \"pg_catalog\".\"pg_index\" AS \"i\" ON \"ct\".\"oid\" = \"i\".\"indrelid\""
        + " INNER JOIN \"pg_catalog\".\"pg_class\" AS \"ci\" ON \"ci\".\"oid\" = \"i\".\"indexrelid\" WHERE (PG_CATALOG.PG_GET_EXPR(\"i\".\"indpred\", \"i\".\"indrelid\") IS NULL)"
        + " AND n.nspname !~ '^information_schema|catalog_history|pg_' AND (\"n\".\"nspname\" IN (" + placeholders(schemas) + "))"
        + " AND (\"ct\".\"relname\" IN (" + placeholders(tables) + "))) AS \"tmp\" WHERE \"tmp\".\"pos\" = ?";
  }

  /** The remark the query processor puts before every statement it runs (sql-jdbc.execute/inject-remark). */
  static final String MB_REMARK = "-- Metabase:: userID: null queryType: MBQL queryHash: 3f0c1b9a0c4e8d2f6a7b5e1d9c8f7a6b5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b\n";

  /** table-rows-sample for fingerprinting: every field, text ones truncated with SUBSTRING, LIMIT 10000. */
  static String mbFingerprintSql(String table, Set<String> textColumns) {
    List<String> select = new ArrayList<>();
    int gensym = 21470;
    for (String col : columnsOf(table)) {
      String ref = "\"lake\".\"" + table + "\".\"" + col + "\"";
      select.add(textColumns.contains(col) ? "SUBSTRING(" + ref + ", 1, 1234) AS \"substring" + (gensym++) + "\"" : ref + " AS \"" + col + "\"");
    }
    return MB_REMARK + "SELECT " + String.join(", ", select) + " FROM \"lake\".\"" + table + "\" LIMIT 10000";
  }

  /** The query processor's prepared statement (sql-jdbc.execute/prepared-statement). */
  static List<Map<String, Object>> mbProcessQuery(Connection c, String sql) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY, ResultSet.CLOSE_CURSORS_AT_COMMIT)) {
      s.setFetchDirection(ResultSet.FETCH_FORWARD);
      s.setFetchSize(500);
      try (ResultSet rs = s.executeQuery()) { return rows(rs); }
    }
  }

  /** Result of one describe-database: table name -> [description, select?, write?]. */
  static Map<String, Object[]> mbDescribeDatabase(Connection c) throws SQLException {
    metabaseCheckout(c, null);
    // driver/syncable-schemas: DatabaseMetaData.getSchemas minus excluded-schemas and metabase_cache*.
    List<String> schemas = new ArrayList<>();
    long t0 = System.nanoTime();
    try (ResultSet rs = c.getMetaData().getSchemas()) {
      while (rs.next()) {
        String s = rs.getString("TABLE_SCHEM");
        if (!s.equals("information_schema") && !s.equals("pg_catalog") && !s.startsWith("metabase_cache")) schemas.add(s);
      }
    }
    timed("getSchemas", t0);
    // have-privilege-fn: the privilege map from current-user-table-privileges.
    Map<String, boolean[]> privileges = new HashMap<>();
    t0 = System.nanoTime();
    List<Map<String, Object>> privilegeRows = query(c, MB_TABLE_PRIVILEGES);
    timed("current-user-table-privileges", t0);
    for (Map<String, Object> r : privilegeRows) {
      privileges.put(str(r.get("schema")) + "." + str(r.get("table")),
          new boolean[] {bool(r.get("select")), bool(r.get("insert")) && bool(r.get("update")) && bool(r.get("delete"))});
    }
    List<Object> params = new ArrayList<>(List.of(0L, "^pg_", "information_schema"));
    params.addAll(schemas);
    Map<String, Object[]> tables = new TreeMap<>();
    t0 = System.nanoTime();
    List<Map<String, Object>> tableRows = query(c, mbGetTablesSql(schemas.size()), params.toArray());
    timed("get-tables (describe-database)", t0);
    for (Map<String, Object> r : tableRows) {
      String key = str(r.get("schema")) + "." + str(r.get("name"));
      boolean[] p = privileges.getOrDefault(key, new boolean[] {false, false});
      if (!p[0]) continue;
      tables.put(key, new Object[] {str(r.get("description")), p[0], p[1], str(r.get("type"))});
    }
    return tables;
  }

  /** describe-fields for one table (sync-fields table by table), after the enum lookup it always makes. */
  static List<Map<String, Object>> mbDescribeFields(Connection c, String schema, String table) throws SQLException {
    Set<String> enums = new HashSet<>();
    long t0 = System.nanoTime();
    for (Map<String, Object> r : query(c, MB_ENUM_TYPES)) enums.add(str(r.get("typname")));
    timed("enum types", t0);
    t0 = System.nanoTime();
    List<Map<String, Object>> fields = query(c, mbDescribeFieldsSql(1, 1), schema, table, schema, table);
    timed("describe-fields", t0);
    for (Map<String, Object> f : fields) expect(!enums.contains(str(f.get("database-type"))), "no enum types in the demo tables");
    return fields;
  }

  /** Metabase's sync-metadata steps, as sync runs them on a pooled connection. Returns the number of fields seen. */
  static int mbSyncOnce(Connection c) throws SQLException {
    metabaseCheckout(c, null);
    DatabaseMetaData m = c.getMetaData();
    expect(m.getDatabaseProductName().equals("PostgreSQL") && m.getDatabaseMajorVersion() == 15, "dbms version");
    metabaseCheckout(c, null);
    long t0 = System.nanoTime();
    try (PreparedStatement s = c.prepareStatement("show timezone;"); ResultSet rs = s.executeQuery()) { expect(rs.next(), "show timezone"); }
    timed("show timezone;", t0);
    Map<String, Object[]> tables = mbDescribeDatabase(c);
    expect(tables.keySet().containsAll(List.of("lake.bookings", "lake.hotels", "lake.searches")), "tables " + tables.keySet());
    int fields = 0;
    for (String t : TABLES) {
      metabaseCheckout(c, null);
      fields += mbDescribeFields(c, "lake", t).size();
    }
    metabaseCheckout(c, null);
    List<Object> fkParams = new ArrayList<>(TABLES);
    fkParams.add("lake");
    t0 = System.nanoTime();
    query(c, mbDescribeFksSql(TABLES.size(), 1), fkParams.toArray());
    timed("describe-fks", t0);
    // sync-table-privileges (the :table-privileges feature)
    metabaseCheckout(c, null);
    t0 = System.nanoTime();
    query(c, MB_TABLE_PRIVILEGES);
    timed("current-user-table-privileges", t0);
    return fields;
  }

  static void metabase(String url, String user, String password) throws Exception {
    check("metabase_can_connect", () -> {
      // can-connect-with-spec?: its own connection, `SELECT 1` through clojure.java.jdbc/query.
      try (Connection c = metabaseConnection(url, user, password, null)) {
        List<Map<String, Object>> r = query(c, "SELECT 1");
        expect(r.size() == 1 && num(r.get(0).values().iterator().next()) == 1, "SELECT 1 gave " + r);
        expect(c.isValid(5), "isValid (the pool's connection test)");
      }
    });
    try (Connection c = metabaseConnection(url, user, password, null)) {
      check("metabase_connection_options", () -> {
        metabaseCheckout(c, "UTC");
        expect(c.getTransactionIsolation() == Connection.TRANSACTION_READ_UNCOMMITTED, "isolation " + c.getTransactionIsolation());
        expect(c.isReadOnly() && c.getAutoCommit(), "read-only, auto-commit");
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW TimeZone")) {
          expect(rs.next() && rs.getString(1).equals("UTC"), "time zone after SET SESSION TIMEZONE");
        }
      });
      check("metabase_dbms_version", () -> {
        // sync-dbms-version: DatabaseMetaData only.
        DatabaseMetaData m = c.getMetaData();
        expect(m.getDatabaseProductName().equals("PostgreSQL"), m.getDatabaseProductName());
        expect(m.getDatabaseMajorVersion() == 15, "major " + m.getDatabaseMajorVersion());
        expect(m.getDatabaseProductVersion().startsWith("15."), "version " + m.getDatabaseProductVersion());
      });
      check("metabase_db_default_timezone", () -> {
        metabaseCheckout(c, null);
        try (PreparedStatement s = c.prepareStatement("show timezone;"); ResultSet rs = s.executeQuery()) {
          expect(rs.next(), "a row");
          expect(java.time.ZoneId.of(rs.getString(1)) != null, "zone " + rs.getString(1));
        }
      });
      check("metabase_describe_database", () -> {
        Map<String, Object[]> tables = mbDescribeDatabase(c);
        // The lake tables, and the ledger's own views (tollgate.queries, tollgate.costs_daily, tollgate.budget_status...) that analysts chart in Metabase.
        expect(tables.keySet().equals(new TreeSet<>(List.of("lake.bookings", "lake.hotels", "lake.searches", "tollgate.budget_status", "tollgate.costs_daily", "tollgate.queries", "tollgate.storage_daily"))), "tables " + tables.keySet());
        for (String t : TABLES) {
          Object[] info = tables.get("lake." + t);
          expect(TABLE_COMMENTS.get(t).equals(info[0]), t + " description " + info[0]);
          expect(Boolean.TRUE.equals(info[1]) && Boolean.FALSE.equals(info[2]), t + " select without write");
          expect("TABLE".equals(info[3]), t + " type " + info[3]);
        }
      });
      // sync-fields table by table, in the first sync and again in the next one: the same two statements
      // six times on one connection, past pgjdbc's prepareThreshold (named server statements, binary results).
      check("metabase_describe_fields", () -> {
        for (int pass = 0; pass < 2; pass++) {
          for (String t : TABLES) {
            metabaseCheckout(c, null);
            List<Map<String, Object>> fields = mbDescribeFields(c, "lake", t);
            List<String> names = new ArrayList<>();
            for (int i = 0; i < fields.size(); i++) {
              Map<String, Object> f = fields.get(i);
              names.add(str(f.get("name")));
              expect(num(f.get("database-position")) == i, t + " position of " + f.get("name") + ": " + f.get("database-position"));
              expect("lake".equals(str(f.get("table-schema"))) && t.equals(str(f.get("table-name"))), "table of " + f);
              expect(!bool(f.get("pk?")) && !bool(f.get("database-required")) && !bool(f.get("database-is-auto-increment")), "flags of " + f);
              expect(f.get("field-comment") != null && str(f.get("field-comment")).length() > 5, t + "." + f.get("name") + " comment " + f.get("field-comment"));
            }
            expect(names.equals(columnsOf(t)), t + " columns " + names);
            if (t.equals("bookings")) {
              for (int i = 0; i < BOOKINGS.length; i++) {
                Map<String, Object> f = fields.get(i);
                expect(BOOKINGS[i][1].equals(str(f.get("database-type"))), BOOKINGS[i][0] + " database-type " + f.get("database-type"));
                expect(BOOKINGS[i][2].equals(str(f.get("field-comment"))), BOOKINGS[i][0] + " comment " + f.get("field-comment"));
              }
            }
          }
        }
      });
      check("metabase_describe_fks", () -> {
        metabaseCheckout(c, null);
        List<Object> params = new ArrayList<>(TABLES);
        params.add("lake");
        List<Map<String, Object>> fks = query(c, mbDescribeFksSql(TABLES.size(), 1), params.toArray());
        expect(fks.isEmpty(), "no foreign keys declared: " + fks);
      });
      check("metabase_describe_indexes", () -> {
        // sync-indexes (runs where the :index-info feature is on; off for postgres in this version).
        metabaseCheckout(c, null);
        List<Object> params = new ArrayList<>(List.of("lake"));
        params.addAll(TABLES);
        params.add(1L);
        List<Map<String, Object>> idx = query(c, mbDescribeIndexesSql(1, TABLES.size()), params.toArray());
        expect(idx.isEmpty(), "no indexes: " + idx);
      });
      check("metabase_select_probe", () -> {
        // have-select-privilege? (tables the privilege query cannot answer for): simple-select-probe-query.
        try (PreparedStatement s = c.prepareStatement("SELECT TRUE AS \"_\" FROM \"lake\".\"hotels\" WHERE 1 <> 1 LIMIT 0")) {
          s.setMaxRows(0);
          s.setQueryTimeout(15);
          s.execute();
          try (ResultSet rs = s.getResultSet()) {
            expect(rs.getMetaData().getColumnLabel(1).equals("_"), "column " + rs.getMetaData().getColumnLabel(1));
            expect(!rs.next(), "no rows");
          }
        }
      });
      check("metabase_fingerprint_sample", () -> {
        // analyze: fingerprinting reads up to 10,000 rows of every table through the query processor.
        for (String t : TABLES) {
          metabaseCheckout(c, "UTC");
          Set<String> text = new HashSet<>();
          for (Map<String, Object> f : mbDescribeFields(c, "lake", t)) {
            String type = str(f.get("database-type"));
            if (type.equals("text") || type.equals("varchar") || type.equals("bpchar")) text.add(str(f.get("name")));
          }
          expect(!text.isEmpty(), t + " has text columns");
          List<Map<String, Object>> rows = mbProcessQuery(c, mbFingerprintSql(t, text));
          expect(rows.size() > 0 && rows.size() <= 10000, t + " sample rows " + rows.size());
          expect(rows.get(0).size() == columnsOf(t).size(), t + " sample columns " + rows.get(0).keySet());
          for (Map<String, Object> row : rows.subList(0, Math.min(rows.size(), 100))) {
            for (Map.Entry<String, Object> e : row.entrySet()) {
              if (e.getKey().startsWith("substring") && e.getValue() != null) expect(e.getValue() instanceof String, "substring value " + e);
            }
          }
        }
      });
      check("metabase_field_values", () -> {
        // field values of a category field: the distinct values, through the query processor.
        metabaseCheckout(c, "UTC");
        List<Map<String, Object>> rows = mbProcessQuery(c, MB_REMARK
            + "SELECT \"lake\".\"hotels\".\"city\" AS \"city\" FROM \"lake\".\"hotels\" GROUP BY \"lake\".\"hotels\".\"city\" ORDER BY \"lake\".\"hotels\".\"city\" ASC LIMIT 1000");
        expect(rows.size() > 1, "cities " + rows.size());
        List<String> cities = new ArrayList<>();
        for (Map<String, Object> r : rows) cities.add(str(r.get("city")));
        List<String> sorted = new ArrayList<>(cities);
        Collections.sort(sorted);
        expect(new HashSet<>(cities).size() == cities.size(), "distinct");
        expect(cities.equals(sorted), "ascending (code point order, as the C collation sorts): " + cities);
      });
    }
    check("metabase_read_only_session", () -> {
      // With readOnlyMode=always in the connection's additional options, pgjdbc turns setReadOnly(true) into
      // SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY; metadata and data reads go on.
      Properties extra = new Properties();
      extra.setProperty("readOnlyMode", "always");
      try (Connection c = metabaseConnection(url, user, password, extra)) {
        metabaseCheckout(c, null);
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW transaction_read_only")) {
          expect(rs.next() && rs.getString(1).equals("on"), "transaction_read_only " + rs.getString(1));
        }
        expect(mbDescribeDatabase(c).size() == 7, "describe-database in a read-only session");
        expect(mbProcessQuery(c, "SELECT COUNT(*) AS \"count\" FROM \"lake\".\"hotels\"").size() == 1, "a data query");
      }
    });
  }

  // ========================================================================================= DBeaver

  static final String DBEAVER = "DBeaver 24.3.0";

  /** JDBCDataSource.openConnection + PostgreDataSource: the client name goes in through setClientInfo (SET application_name). */
  static Connection dbeaverConnection(String url, String user, String password, String context, String database) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", user);
    p.setProperty("password", password);
    Connection c = DriverManager.getConnection(url, p);
    c.setClientInfo("ApplicationName", DBEAVER + " - " + context + " <" + database + ">");
    c.setAutoCommit(true);
    return c;
  }

  /** PostgreExecutionContext.refreshDefaults: current schema and user, then the schema list, then the search path. */
  static String[] dbeaverRefreshDefaults(Connection c) throws SQLException {
    List<Map<String, Object>> r = query(c, "SELECT current_schema(),session_user");
    dbeaverSchemas(c);
    List<Map<String, Object>> sp = query(c, "SHOW search_path");
    return new String[] {str(r.get(0).get("current_schema")), str(r.get(0).get("session_user")), str(sp.get(0).values().iterator().next())};
  }

  /** PostgreDatabase.SchemaCache (no navigator filter). */
  static Map<String, Map<String, Object>> dbeaverSchemas(Connection c) throws SQLException {
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    for (Map<String, Object> r : query(c, "SELECT n.oid,n.*,d.description FROM pg_catalog.pg_namespace n\n"
        + "LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=n.oid AND d.objsubid=0 AND d.classoid='pg_namespace'::regclass\n"
        + " ORDER BY nspname")) {
      out.put(str(r.get("nspname")), r);
    }
    return out;
  }

  /** PostgreDatabase.cacheDataTypes (PostgreSQL 10+: typcategory known; base_type_name by format_type). */
  static final String DB_DATA_TYPES = "SELECT t.oid,t.*,c.relkind,format_type(nullif(t.typbasetype, 0), t.typtypmod) as base_type_name, d.description\n"
      + "FROM pg_catalog.pg_type t\n"
      + "LEFT OUTER JOIN pg_catalog.pg_type et ON et.oid=t.typelem \n"
      + "LEFT OUTER JOIN pg_catalog.pg_class c ON c.oid=t.typrelid\n"
      + "LEFT OUTER JOIN pg_catalog.pg_description d ON t.oid=d.objoid\n"
      + "WHERE t.typname IS NOT NULL\n"
      + "AND (c.relkind IS NULL OR c.relkind = 'c') AND (et.typcategory IS NULL OR et.typcategory <> 'C')";

  /** PostgreDataTypeCache.resolveDataType by OID, for a type the cache does not hold. */
  static final String DB_RESOLVE_TYPE = "SELECT t.oid,t.*,c.relkind,format_type(nullif(t.typbasetype, 0), t.typtypmod) as base_type_name FROM pg_catalog.pg_type t\n"
      + "LEFT OUTER JOIN pg_class c ON c.oid=t.typrelid\n"
      + "WHERE t.oid=? ";

  /** PostgreSchema.TableCache, whole schema (server 10+: partition expression and key). */
  static final String DB_TABLES = "SELECT c.oid,c.*,d.description,pg_catalog.pg_get_expr(c.relpartbound, c.oid) as partition_expr,  pg_catalog.pg_get_partkeydef(c.oid) as partition_key \n"
      + "FROM pg_catalog.pg_class c\n"
      + "LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0 AND d.classoid='pg_class'::regclass\n"
      + "WHERE c.relnamespace=? AND c.relkind not in ('i','I','c')";

  /** PostgreSchema.TableCache children: the columns of one table (c.oid=?) or of the whole schema (c.relnamespace=?). */
  static String dbColumnsSql(boolean forTable) {
    return "SELECT c.relname,a.*,pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) as def_value,dsc.description,dep.objid\n"
        + "FROM pg_catalog.pg_attribute a\n"
        + "INNER JOIN pg_catalog.pg_class c ON (a.attrelid=c.oid)\n"
        + "LEFT OUTER JOIN pg_catalog.pg_attrdef ad ON (a.attrelid=ad.adrelid AND a.attnum = ad.adnum)\n"
        + "LEFT OUTER JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid)\n"
        + "LEFT OUTER JOIN pg_depend dep on dep.refobjid = a.attrelid AND dep.deptype = 'i' and dep.refobjsubid = a.attnum and dep.classid = dep.refclassid\n"
        + "WHERE NOT a.attisdropped AND c.relkind not in ('i','I','c')" + (forTable ? " AND c.oid=?" : " AND c.relnamespace=?") + "\n"
        + "ORDER BY a.attnum";
  }

  /** PostgreSchema.ConstraintCache, whole schema. */
  static final String DB_CONSTRAINTS = "SELECT c.oid,c.*,t.relname as tabrelname,rt.relnamespace as refnamespace,d.description, case when c.contype='c' then \"substring\"(pg_get_constraintdef(c.oid), 7) else null end consrc_copy\n"
      + "FROM pg_catalog.pg_constraint c\n"
      + "INNER JOIN pg_catalog.pg_class t ON t.oid=c.conrelid\n"
      + "LEFT OUTER JOIN pg_catalog.pg_class rt ON rt.oid=c.confrelid\n"
      + "LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0 AND d.classoid='pg_constraint'::regclass\n"
      + "WHERE t.relnamespace=?\n"
      + "ORDER BY c.oid";

  /** PostgreSchema.IndexCache, one table. */
  static final String DB_INDEXES = "SELECT i.*,i.indkey as keys,c.relname,c.relnamespace,c.relam,c.reltablespace,tc.relname as tabrelname,dsc.description"
      + ",pg_catalog.pg_get_expr(i.indpred, i.indrelid) as pred_expr,pg_catalog.pg_get_expr(i.indexprs, i.indrelid, true) as expr"
      + ",pg_catalog.pg_relation_size(i.indexrelid) as index_rel_size,pg_catalog.pg_stat_get_numscans(i.indexrelid) as index_num_scans\n"
      + "FROM pg_catalog.pg_index i\n"
      + "INNER JOIN pg_catalog.pg_class c ON c.oid=i.indexrelid\n"
      + "INNER JOIN pg_catalog.pg_class tc ON tc.oid=i.indrelid\n"
      + "LEFT OUTER JOIN pg_catalog.pg_description dsc ON i.indexrelid=dsc.objoid\n"
      + "WHERE  i.indrelid=? ORDER BY c.relname";

  static void dbeaver(String url, String user, String password, String database) throws Exception {
    Connection[] meta = new Connection[1];
    Connection[] main = new Connection[1];
    check("dbeaver_connect", () -> {
      main[0] = dbeaverConnection(url, user, password, "Main", database);
      meta[0] = dbeaverConnection(url, user, password, "Metadata", database);
      try (Statement s = meta[0].createStatement(); ResultSet rs = s.executeQuery("SHOW application_name")) {
        expect(rs.next() && rs.getString(1).equals(DBEAVER + " - Metadata <" + database + ">"), "application_name " + rs.getString(1));
      }
      // JDBCDataSourceInfo / the SQL dialect read DatabaseMetaData; pgjdbc answers getSQLKeywords from pg_get_keywords().
      DatabaseMetaData m = meta[0].getMetaData();
      expect(m.getDatabaseProductName().equals("PostgreSQL") && m.getDatabaseMajorVersion() == 15, "product " + m.getDatabaseProductVersion());
      String keywords = m.getSQLKeywords();
      expect(keywords != null && keywords.contains("analyse"), "SQL keywords " + keywords);
      expect(m.getIdentifierQuoteString().equals("\"") && m.storesLowerCaseIdentifiers(), "identifier rules");
      // PostgreDataSource.initialize
      List<Map<String, Object>> v = query(meta[0], "SELECT version()");
      expect(str(v.get(0).get("version")).startsWith("PostgreSQL 15."), "version() " + v);
    });
    if (meta[0] == null || main[0] == null) {
      System.out.println("done");
      System.exit(1);
    }
    Connection c = meta[0];
    long[] lakeOid = new long[1];
    Map<Long, String> typeNames = new HashMap<>();
    Map<String, Long> tableOids = new TreeMap<>();
    Map<String, Long> bookingTypeOids = new HashMap<>();
    try {
      check("dbeaver_context_defaults", () -> {
        for (Connection ctx : List.of(main[0], meta[0])) {
          String[] d = dbeaverRefreshDefaults(ctx);
          expect("public".equals(d[0]), "current_schema " + d[0]);
          expect(user.equals(d[1]), "session_user " + d[1]);
          expect("\"$user\", public".equals(d[2]), "search_path " + d[2]);
        }
      });
      check("dbeaver_database_info", () -> {
        // PostgreDatabase.readDatabaseInfo, then the database list (PostgreDataSource, "show all databases").
        List<Map<String, Object>> db = query(c, "SELECT db.oid,db.* FROM pg_catalog.pg_database db WHERE datname=?", database);
        expect(db.size() == 1 && database.equals(str(db.get(0).get("datname"))), "database " + db);
        expect(bool(db.get(0).get("datallowconn")) && !bool(db.get(0).get("datistemplate")), "flags " + db.get(0));
        List<String> names = new ArrayList<>();
        for (Map<String, Object> r : query(c, "SELECT db.oid,db.* FROM pg_catalog.pg_database db WHERE 1 = 1 AND datallowconn AND NOT datistemplate \nORDER BY db.datname")) {
          names.add(str(r.get("datname")));
        }
        expect(names.contains(database), "databases " + names);
      });
      check("dbeaver_settings", () -> {
        // PostgreDataSource.SettingCache preloads standard_conforming_strings.
        List<Map<String, Object>> s = query(c, "select * from pg_catalog.pg_settings where name=?", "standard_conforming_strings");
        expect(s.size() == 1 && "on".equals(str(s.get(0).get("setting"))), "setting " + s);
      });
      check("dbeaver_schemas", () -> {
        Map<String, Map<String, Object>> schemas = dbeaverSchemas(c);
        expect(schemas.keySet().containsAll(List.of("information_schema", "lake", "pg_catalog", "public")), "schemas " + schemas.keySet());
        List<String> order = new ArrayList<>(schemas.keySet());
        List<String> sorted = new ArrayList<>(order);
        Collections.sort(sorted);
        expect(order.equals(sorted), "ORDER BY nspname " + order);
        lakeOid[0] = num(schemas.get("lake").get("oid"));
        expect(lakeOid[0] > 0, "lake oid");
      });
      check("dbeaver_data_types", () -> {
        List<Map<String, Object>> types = query(c, DB_DATA_TYPES);
        for (Map<String, Object> t : types) typeNames.put(num(t.get("oid")), str(t.get("typname")));
        expect(types.size() > 100, "types " + types.size());
        for (String name : List.of("int2", "int4", "int8", "numeric", "text", "varchar", "date", "timestamp", "bool"))
          expect(typeNames.containsValue(name), "type " + name);
        expect(typeNames.get(20L).equals("int8") && typeNames.get(1700L).equals("numeric"), "oids 20, 1700");
        // Domains carry their base type as format_type writes it.
        boolean domainSeen = false;
        for (Map<String, Object> t : types) {
          if ("d".equals(str(t.get("typtype"))) && t.get("base_type_name") != null) domainSeen = true;
        }
        expect(domainSeen, "a domain (information_schema's) with base_type_name");
      });
      check("dbeaver_roles", () -> {
        List<String> roles = new ArrayList<>();
        for (Map<String, Object> r : query(c, "SELECT a.oid,a.* FROM pg_catalog.pg_roles a \nORDER BY a.rolname")) roles.add(str(r.get("rolname")));
        expect(roles.contains(user), "roles " + roles);
      });
      check("dbeaver_tables", () -> {
        List<Map<String, Object>> rows = query(c, DB_TABLES, lakeOid[0]);
        Map<String, String> comments = new TreeMap<>();
        for (Map<String, Object> r : rows) {
          expect("r".equals(str(r.get("relkind"))), "relkind of " + r.get("relname"));
          expect(r.get("partition_expr") == null && r.get("partition_key") == null, "not partitioned");
          comments.put(str(r.get("relname")), str(r.get("description")));
          tableOids.put(str(r.get("relname")), num(r.get("oid")));
        }
        expect(comments.keySet().equals(new TreeSet<>(TABLES)), "tables " + comments.keySet());
        for (String t : TABLES) expect(TABLE_COMMENTS.get(t).equals(comments.get(t)), t + " comment " + comments.get(t));
      });
      check("dbeaver_table_statistics", () -> {
        // PostgreSchema.collectObjectStatistics (sizes shown in the navigator).
        List<Map<String, Object>> rows = query(c, "select c.oid,pg_catalog.pg_total_relation_size(c.oid) as total_rel_size,pg_catalog.pg_relation_size(c.oid) as rel_size\n"
            + "FROM pg_class c\nWHERE c.relnamespace=?", lakeOid[0]);
        Set<Long> oids = new HashSet<>();
        for (Map<String, Object> r : rows) {
          oids.add(num(r.get("oid")));
          expect(num(r.get("total_rel_size")) >= num(r.get("rel_size")) && num(r.get("rel_size")) >= 0, "sizes " + r);
        }
        expect(oids.containsAll(tableOids.values()), "every table sized");
      });
      // Expanding each table in the navigator, then again after a refresh: the same statement six times,
      // past pgjdbc's prepareThreshold.
      check("dbeaver_columns", () -> {
        for (int pass = 0; pass < 2; pass++) {
          for (String t : TABLES) {
            List<Map<String, Object>> rows = query(c, dbColumnsSql(true), tableOids.get(t));
            List<String> names = new ArrayList<>();
            int system = 0;
            short last = Short.MIN_VALUE;
            for (Map<String, Object> r : rows) {
              short attnum = ((Number) r.get("attnum")).shortValue();
              expect(attnum > last, "ORDER BY a.attnum");
              last = attnum;
              expect(t.equals(str(r.get("relname"))), "relname " + r.get("relname"));
              if (attnum <= 0) { system++; continue; }
              expect(attnum == names.size() + 1, t + " attnum " + attnum + " after " + names);
              names.add(str(r.get("attname")));
              expect(r.get("def_value") == null && r.get("objid") == null, "no default, no identity: " + r.get("attname"));
              expect(r.get("description") != null, t + "." + r.get("attname") + " description");
            }
            expect(system > 0, "system columns come first, as in PostgreSQL");
            expect(names.equals(columnsOf(t)), t + " columns " + names);
            if (t.equals("bookings")) {
              for (Map<String, Object> r : rows) {
                short attnum = ((Number) r.get("attnum")).shortValue();
                if (attnum <= 0) continue;
                String[] want = BOOKINGS[attnum - 1];
                expect(want[2].equals(str(r.get("description"))), want[0] + " description " + r.get("description"));
                int typmod = ((Number) r.get("atttypmod")).intValue();
                if (want[0].equals("price_usd")) {
                  // PostgreAttribute: precision and scale from atttypmod, as format_type writes numeric(p,s).
                  int precision = ((typmod - 4) >> 16) & 0xffff, scale = (typmod - 4) & 0xffff;
                  expect(precision == 10 && scale == 2, "price_usd numeric(" + precision + "," + scale + ") typmod " + typmod);
                } else {
                  expect(typmod == -1, want[0] + " typmod " + typmod);
                }
                bookingTypeOids.put(want[0], num(r.get("atttypid")));
              }
            }
          }
        }
      });
      check("dbeaver_column_types", () -> {
        // PostgreDatabase.getDataType(typeId): the type cache, else PostgreDataTypeCache.resolveDataType by OID.
        expect(bookingTypeOids.size() == BOOKINGS.length, "column type OIDs read");
        for (String[] want : BOOKINGS) {
          long oid = bookingTypeOids.get(want[0]);
          String type = typeNames.get(oid);
          if (type == null) {
            List<Map<String, Object>> r = query(c, DB_RESOLVE_TYPE, oid);
            expect(r.size() == 1, "type " + oid + " resolved");
            type = str(r.get(0).get("typname"));
            typeNames.put(oid, type);
          }
          expect(want[1].equals(type), want[0] + " type " + type);
        }
      });
      check("dbeaver_schema_columns", () -> {
        // Caching the whole schema's structure (autocompletion, ER diagram): one statement for all columns.
        Map<String, Integer> counts = new TreeMap<>();
        for (Map<String, Object> r : query(c, dbColumnsSql(false), lakeOid[0])) {
          if (((Number) r.get("attnum")).shortValue() > 0) counts.merge(str(r.get("relname")), 1, Integer::sum);
        }
        expect(counts.equals(Map.of("bookings", 14, "hotels", 6, "searches", 11)), "columns per table " + counts);
      });
      check("dbeaver_constraints", () -> {
        List<Map<String, Object>> rows = query(c, DB_CONSTRAINTS, lakeOid[0]);
        expect(rows.isEmpty(), "no constraints declared: " + rows);
      });
      check("dbeaver_indexes", () -> {
        for (String t : TABLES) expect(query(c, DB_INDEXES, tableOids.get(t)).isEmpty(), t + " has no indexes");
      });
      check("dbeaver_inheritance", () -> {
        List<Map<String, Object>> rows = query(c, "SELECT i.inhrelid relid, pc.relnamespace parent_ns, pc.oid parent_oid, i.inhseqno\n"
            + "FROM pg_catalog.pg_inherits i, pg_class rc, pg_class pc\n"
            + "WHERE rc.oid=i.inhrelid AND rc.relnamespace=? AND pc.oid=i.inhparent", lakeOid[0]);
        expect(rows.isEmpty(), "no inheritance: " + rows);
      });
      check("dbeaver_set_search_path", () -> {
        // Choosing lake as the active schema (PostgreExecutionContext.setSearchPath), on the main context.
        try (PreparedStatement s = main[0].prepareStatement("SET search_path = \"$user\",lake,public")) { s.execute(); }
        List<Map<String, Object>> r = query(main[0], "SELECT current_schema(),session_user");
        expect("lake".equals(str(r.get(0).get("current_schema"))), "current_schema " + r);
        List<Map<String, Object>> sp = query(main[0], "SHOW search_path");
        expect("\"$user\", lake, public".equals(str(sp.get(0).values().iterator().next())), "search_path " + sp);
        // The catalog now sees lake's tables as visible, as PostgreSQL does for this search path.
        List<Map<String, Object>> vis = query(main[0], "SELECT c.relname FROM pg_catalog.pg_class c WHERE pg_catalog.pg_table_is_visible(c.oid) AND c.relnamespace=? ORDER BY 1", lakeOid[0]);
        expect(vis.size() == 3, "visible tables " + vis);
      });
      check("dbeaver_read_data", () -> {
        // The data tab: the table read through DBeaver's LIMIT transformer.
        List<Map<String, Object>> rows = query(main[0], "SELECT * FROM lake.hotels\nLIMIT 200");
        expect(rows.size() > 0 && rows.size() <= 200, "rows " + rows.size());
        expect(new ArrayList<>(rows.get(0).keySet()).equals(HOTELS_COLUMNS), "columns " + rows.get(0).keySet());
      });
    } finally {
      main[0].close();
      meta[0].close();
    }
  }

  // =========================================================================================== bench

  static long getColumnsOnce(DatabaseMetaData m) throws SQLException {
    int n = 0;
    try (ResultSet rs = m.getColumns(null, "lake", "bookings", "%")) {
      int cols = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        for (int i = 1; i <= cols; i++) rs.getObject(i);
        n++;
      }
    }
    return n;
  }

  static void bench(String url, String user, String password, int iterations, int warmup) throws Exception {
    try (Connection plain = DriverManager.getConnection(url, user, password);
         Connection mb = metabaseConnection(url, user, password, null)) {
      DatabaseMetaData m = plain.getMetaData();
      check("bench_get_columns", () -> {
        for (int i = 0; i < warmup; i++) expect(getColumnsOnce(m) == 14, "14 columns");
        long[] lat = new long[iterations];
        for (int i = 0; i < iterations; i++) {
          long t0 = System.nanoTime();
          long n = getColumnsOnce(m);
          lat[i] = (System.nanoTime() - t0) / 1000;
          expect(n == 14, "14 columns, got " + n);
        }
        for (long l : lat) System.out.println("lat get_columns " + l);
      });
      check("bench_metabase_sync", () -> {
        int fields = 14 + 6 + 11;
        for (int i = 0; i < warmup; i++) expect(mbSyncOnce(mb) == fields, "fields");
        long[] lat = new long[iterations];
        stepMicros = new LinkedHashMap<>();
        for (int i = 0; i < iterations; i++) {
          long t0 = System.nanoTime();
          int n = mbSyncOnce(mb);
          lat[i] = (System.nanoTime() - t0) / 1000;
          expect(n == fields, fields + " fields, got " + n);
        }
        for (long l : lat) System.out.println("lat metabase_sync " + l);
        // Where a sync's time goes: microseconds per step summed over the timed iterations.
        for (Map.Entry<String, Long> e : stepMicros.entrySet()) System.out.println("step " + e.getValue() + " " + e.getKey());
        stepMicros = null;
      });
    }
  }

  public static void main(String[] a) throws Exception {
    String mode = a[0];
    String url = "jdbc:postgresql://" + a[1] + ":" + a[2] + "/" + a[3];
    switch (mode) {
      case "metabase": metabase(url, a[4], a[5]); break;
      case "dbeaver": dbeaver(url, a[4], a[5], a[3]); break;
      case "bench": bench(url, a[4], a[5], a.length > 6 ? Integer.parseInt(a[6]) : 200, a.length > 7 ? Integer.parseInt(a[7]) : 20); break;
      default: throw new IllegalArgumentException("mode " + mode + ": metabase, dbeaver or bench");
    }
    System.out.println("done");
    System.exit(failed ? 1 : 0);
  }
}
