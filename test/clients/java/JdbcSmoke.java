import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.UUID;
import org.postgresql.PGStatement;

/**
 * pgjdbc smoke test for tollgate's PostgreSQL wire protocol, run by test/wire/jdbc.test.ts:
 *
 *   java -Duser.timezone=UTC -cp postgresql-42.7.13.jar JdbcSmoke.java HOST PORT DATABASE USER PASSWORD
 *
 * Prints one line per check, "ok NAME # N ms" or "not ok NAME: WHY", then "done"; exits 1 if any check failed.
 * Only metadata-free calls: no DatabaseMetaData, nothing that makes pgjdbc query pg_catalog.
 */
public class JdbcSmoke {
  static String host, port, database, user, password;
  static int failures = 0;

  interface Check {
    void run() throws Exception;
  }

  static void check(String name, Check body) {
    long t0 = System.nanoTime();
    try {
      body.run();
      System.out.println("ok " + name + " # " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    } catch (Throwable e) {
      failures++;
      String why = e instanceof SQLException ? "SQLState " + ((SQLException) e).getSQLState() + ": " + e.getMessage() : e.toString();
      System.out.println("not ok " + name + ": " + why.replace('\n', ' '));
    }
  }

  static void eq(Object expected, Object actual, String what) {
    if (expected instanceof byte[] && actual instanceof byte[]) {
      if (Arrays.equals((byte[]) expected, (byte[]) actual)) return;
    } else if (Objects.equals(expected, actual)) {
      return;
    }
    throw new AssertionError(what + ": expected " + show(expected) + " but got " + show(actual));
  }

  static void eqNumeric(BigDecimal expected, Object actual, String what) {
    if (!(actual instanceof BigDecimal) || expected.compareTo((BigDecimal) actual) != 0) {
      throw new AssertionError(what + ": expected a BigDecimal equal to " + expected + " but got " + show(actual));
    }
  }

  static String show(Object o) {
    if (o == null) return "null";
    if (o instanceof byte[]) return "byte[]" + Arrays.toString((byte[]) o);
    return o.getClass().getSimpleName() + " " + o;
  }

  static void isTrue(boolean cond, String what) {
    if (!cond) throw new AssertionError(what);
  }

  static String url(String db, String extra) {
    return "jdbc:postgresql://" + host + ":" + port + "/" + db + (extra.isEmpty() ? "" : "?" + extra);
  }

  static Connection connect(String extra) throws SQLException {
    return connect(user, password, database, extra);
  }

  static Connection connect(String u, String pw, String db, String extra) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", u);
    props.setProperty("password", pw);
    props.setProperty("connectTimeout", "10");
    return DriverManager.getConnection(url(db, extra), props);
  }

  /** The SQLState of the SQLException that body throws, or "(no error)". */
  static String sqlState(Check body) throws Exception {
    try {
      body.run();
    } catch (SQLException e) {
      return e.getSQLState();
    }
    return "(no error)";
  }

  /** Statement.executeQuery(sql) fails with this SQLState, and the connection answers the next query. */
  static void expectError(String state, String sql) throws Exception {
    try (Connection c = connect(""); Statement st = c.createStatement()) {
      eq(state, sqlState(() -> st.executeQuery(sql)), "SQLState of " + sql);
      try (ResultSet rs = st.executeQuery("select 1::int4 as a")) {
        isTrue(rs.next(), "connection still usable");
        eq(1, rs.getInt(1), "value");
      }
    }
  }

  static final String TYPES_SQL =
      "select 1::int2 as c_int2, 2::int4 as c_int4, 3::int8 as c_int8, 1.5::float4 as c_float4, 2.5::float8 as c_float8,"
          + " 12.34::numeric(10,2) as c_numeric, 'x'::text as c_text, true as c_bool, date '2024-01-02' as c_date,"
          + " timestamp '2024-01-02 03:04:05.678' as c_timestamp, timestamptz '2024-01-02 03:04:05+00' as c_timestamptz,"
          + " 'abc'::bytea as c_bytea, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid as c_uuid,"
          + " (-9223372036854775808)::int8 as e_int8_min, (-12345678.901)::numeric(12,3) as e_numeric,"
          + " date '1999-12-31' as e_date, timestamp '2024-01-02 03:04:05.123456' as e_timestamp,"
          + " timestamptz '2024-06-30 23:59:59.5+02' as e_timestamptz, 'héllo ✓'::text as e_text, null::int4 as e_null";

  static final String HUNDRED_K =
      "select i::int4 as i, i * 1.5::float8 as d, 'row ' || i as s from generate_series(1, 100000) as t(i)";

  /** getObject() classes and values for TYPES_SQL, the same in text and binary transfer. */
  static void checkTypes(ResultSet rs) throws Exception {
    isTrue(rs.next(), "one row");
    eq(Integer.valueOf(1), rs.getObject("c_int2"), "int2");
    eq(Integer.valueOf(2), rs.getObject("c_int4"), "int4");
    eq(Long.valueOf(3), rs.getObject("c_int8"), "int8");
    eq(Float.valueOf(1.5f), rs.getObject("c_float4"), "float4");
    eq(Double.valueOf(2.5), rs.getObject("c_float8"), "float8");
    eq(new BigDecimal("12.34"), rs.getObject("c_numeric"), "numeric");
    eq("x", rs.getObject("c_text"), "text");
    eq(Boolean.TRUE, rs.getObject("c_bool"), "bool");
    eq(java.sql.Date.valueOf("2024-01-02"), rs.getObject("c_date"), "date");
    eq(Timestamp.valueOf("2024-01-02 03:04:05.678"), rs.getObject("c_timestamp"), "timestamp");
    Object tstz = rs.getObject("c_timestamptz");
    isTrue(tstz instanceof Timestamp, "timestamptz is a java.sql.Timestamp, got " + show(tstz));
    eq(OffsetDateTime.of(2024, 1, 2, 3, 4, 5, 0, ZoneOffset.UTC).toInstant(), ((Timestamp) tstz).toInstant(), "timestamptz instant");
    eq("abc", new String((byte[]) rs.getObject("c_bytea"), "UTF-8"), "bytea");
    eq(UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), rs.getObject("c_uuid"), "uuid");
    eq(Long.MIN_VALUE, rs.getObject("e_int8_min"), "int8 min");
    eq(new BigDecimal("-12345678.901"), rs.getObject("e_numeric"), "negative numeric");
    eq(java.sql.Date.valueOf("1999-12-31"), rs.getObject("e_date"), "date before 2000");
    eq(Timestamp.valueOf("2024-01-02 03:04:05.123456"), rs.getObject("e_timestamp"), "timestamp with microseconds");
    eq(123456000, ((Timestamp) rs.getObject("e_timestamp")).getNanos(), "timestamp nanos");
    eq(OffsetDateTime.of(2024, 6, 30, 21, 59, 59, 500_000_000, ZoneOffset.UTC).toInstant(),
        ((Timestamp) rs.getObject("e_timestamptz")).toInstant(), "timestamptz with offset");
    eq("héllo ✓", rs.getObject("e_text"), "utf-8 text");
    eq(null, rs.getObject("e_null"), "null");
    isTrue(rs.wasNull(), "wasNull after a NULL");
    eq(0, rs.getInt("e_null"), "getInt of NULL");
    // java.time accessors
    eq(LocalDate.of(2024, 1, 2), rs.getObject("c_date", LocalDate.class), "date as LocalDate");
    eq(LocalDateTime.of(2024, 1, 2, 3, 4, 5, 678_000_000), rs.getObject("c_timestamp", LocalDateTime.class), "timestamp as LocalDateTime");
    eq(OffsetDateTime.of(2024, 1, 2, 3, 4, 5, 0, ZoneOffset.UTC), rs.getObject("c_timestamptz", OffsetDateTime.class), "timestamptz as OffsetDateTime");
    // string forms
    eq("12.34", rs.getString("c_numeric"), "numeric getString");
    eq("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", rs.getString("c_uuid"), "uuid getString");
    eq("2024-01-02", rs.getString("c_date"), "date getString");
    isTrue(!rs.next(), "only one row");
  }

  static void checkTypeColumns(ResultSetMetaData md) throws Exception {
    String[] names = {"c_int2", "c_int4", "c_int8", "c_float4", "c_float8", "c_numeric", "c_text", "c_bool", "c_date",
        "c_timestamp", "c_timestamptz", "c_bytea", "c_uuid"};
    int[] sqlTypes = {java.sql.Types.SMALLINT, java.sql.Types.INTEGER, java.sql.Types.BIGINT, java.sql.Types.REAL,
        java.sql.Types.DOUBLE, java.sql.Types.NUMERIC, java.sql.Types.VARCHAR, java.sql.Types.BIT, java.sql.Types.DATE,
        java.sql.Types.TIMESTAMP, java.sql.Types.TIMESTAMP, java.sql.Types.BINARY, java.sql.Types.OTHER};
    String[] typeNames = {"int2", "int4", "int8", "float4", "float8", "numeric", "text", "bool", "date", "timestamp",
        "timestamptz", "bytea", "uuid"};
    eq(20, md.getColumnCount(), "column count");
    for (int i = 0; i < names.length; i++) {
      eq(names[i], md.getColumnLabel(i + 1), "label of column " + (i + 1));
      eq(sqlTypes[i], md.getColumnType(i + 1), "java.sql.Types of " + names[i]);
      eq(typeNames[i], md.getColumnTypeName(i + 1), "type name of " + names[i]);
    }
  }

  public static void main(String[] args) throws Exception {
    host = args[0];
    port = args[1];
    database = args[2];
    user = args[3];
    password = args[4];

    check("connect", () -> {
      try (Connection c = connect("")) {
        isTrue(c.isValid(5), "isValid");
      }
    });

    check("statement_execute_query", () -> {
      try (Connection c = connect(""); Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("select 1::int4 as a, 'x'::text as b union all select 2::int4, 'y'::text")) {
        eq(2, rs.getMetaData().getColumnCount(), "column count");
        eq("a", rs.getMetaData().getColumnLabel(1), "label");
        isTrue(rs.next(), "row 1");
        eq(1, rs.getInt(1), "a");
        eq("x", rs.getString("b"), "b");
        isTrue(rs.next(), "row 2");
        eq(2, rs.getInt("a"), "a");
        isTrue(!rs.next(), "two rows");
      }
    });

    check("statement_execute_multiple_results", () -> {
      try (Connection c = connect(""); Statement st = c.createStatement()) {
        isTrue(st.execute("select 1::int4 as a; select 'two'::text as b"), "first result is a result set");
        try (ResultSet rs = st.getResultSet()) {
          isTrue(rs.next(), "row");
          eq(1, rs.getInt(1), "first");
        }
        isTrue(st.getMoreResults(), "second result is a result set");
        try (ResultSet rs = st.getResultSet()) {
          isTrue(rs.next(), "row");
          eq("two", rs.getString(1), "second");
        }
        isTrue(!st.getMoreResults() && st.getUpdateCount() == -1, "no third result");
      }
    });

    check("types_getobject_text", () -> {
      try (Connection c = connect(""); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(TYPES_SQL)) {
        checkTypeColumns(rs.getMetaData());
        checkTypes(rs);
      }
    });

    check("types_getobject_simple_query_mode", () -> {
      try (Connection c = connect("preferQueryMode=simple"); Statement st = c.createStatement();
          ResultSet rs = st.executeQuery(TYPES_SQL)) {
        checkTypes(rs);
      }
    });

    check("types_getobject_binary_after_prepare_threshold", () -> {
      try (Connection c = connect(""); PreparedStatement ps = c.prepareStatement(TYPES_SQL)) {
        for (int n = 1; n <= 7; n++) {
          try (ResultSet rs = ps.executeQuery()) {
            checkTypes(rs);
          } catch (Throwable e) {
            throw new AssertionError("execution " + n + ": " + e, e);
          }
        }
        isTrue(ps.unwrap(PGStatement.class).isUseServerPrepare(), "pgjdbc switched to a named server-side statement");
      }
    });

    check("types_getobject_binary_forced", () -> {
      // prepareThreshold=-1: named statement and binary results from the first execution on.
      try (Connection c = connect("prepareThreshold=-1"); PreparedStatement ps = c.prepareStatement(TYPES_SQL)) {
        for (int n = 1; n <= 2; n++) {
          try (ResultSet rs = ps.executeQuery()) {
            checkTypes(rs);
          }
        }
      }
    });

    check("prepared_statement_params_reused", () -> {
      try (Connection c = connect("");
          PreparedStatement ps = c.prepareStatement(
              "select ?::int4 + 1 as a, ?::text || '!' as b, cast(? as timestamp) as c, ?::numeric(10,2) * 2 as d, ?::int8 as e, ?::float8 as f,"
                  + " ?::bool as g, ?::date as h")) {
        for (int n = 0; n < 8; n++) {
          ps.setInt(1, 41 + n);
          ps.setString(2, "héllo " + n);
          ps.setTimestamp(3, Timestamp.valueOf("2024-01-0" + (n + 1) + " 03:04:05.678"));
          ps.setBigDecimal(4, new BigDecimal("12.3" + n));
          ps.setLong(5, Long.MAX_VALUE - n);
          ps.setDouble(6, 0.5 + n);
          ps.setBoolean(7, n % 2 == 0);
          ps.setDate(8, java.sql.Date.valueOf("2024-02-0" + (n + 1)));
          try (ResultSet rs = ps.executeQuery()) {
            isTrue(rs.next(), "row");
            String at = " (execution " + (n + 1) + ")";
            eq(42 + n, rs.getInt("a"), "int param" + at);
            eq("héllo " + n + "!", rs.getString("b"), "string param" + at);
            eq(Timestamp.valueOf("2024-01-0" + (n + 1) + " 03:04:05.678"), rs.getTimestamp("c"), "timestamp param" + at);
            eq(new BigDecimal("12.3" + n).multiply(BigDecimal.valueOf(2)), rs.getBigDecimal("d"), "decimal param" + at);
            eq(Long.MAX_VALUE - n, rs.getLong("e"), "long param" + at);
            eq(0.5 + n, rs.getDouble("f"), "double param" + at);
            eq(n % 2 == 0, rs.getBoolean("g"), "boolean param" + at);
            eq(java.sql.Date.valueOf("2024-02-0" + (n + 1)), rs.getDate("h"), "date param" + at);
            isTrue(!rs.next(), "one row");
          }
        }
        isTrue(ps.unwrap(PGStatement.class).isUseServerPrepare(), "pgjdbc switched to a named server-side statement");
      }
    });

    check("prepared_statement_param_types_from_driver", () -> {
      // No casts: the parameter types are the ones pgjdbc declares in Parse (int4 for setInt, varchar for
      // setString, numeric for setBigDecimal, int8 for setLong), as most JDBC code relies on.
      try (Connection c = connect("");
          PreparedStatement ps = c.prepareStatement("select ? + 1 as a, ? || '!' as b, ? * 2 as d, ? - 1 as e")) {
        for (int n = 0; n < 7; n++) {
          ps.setInt(1, 41 + n);
          ps.setString(2, "v" + n);
          ps.setBigDecimal(3, new BigDecimal("1.2" + n));
          ps.setLong(4, Long.MAX_VALUE - n);
          try (ResultSet rs = ps.executeQuery()) {
            isTrue(rs.next(), "row");
            String at = " (execution " + (n + 1) + ")";
            eq(42 + n, rs.getObject("a"), "int4 + 1" + at);
            eq("v" + n + "!", rs.getObject("b"), "varchar || text" + at);
            // Only the value: an unconstrained numeric has no DuckDB equivalent, so the scale may differ.
            eqNumeric(new BigDecimal("1.2" + n).multiply(BigDecimal.valueOf(2)), rs.getObject("d"), "numeric * 2" + at);
            eq(Long.MAX_VALUE - n - 1, rs.getObject("e"), "int8 - 1" + at);
          }
        }
      }
    });

    check("prepared_statement_null_params", () -> {
      try (Connection c = connect(""); PreparedStatement ps = c.prepareStatement("select ?::int4 as a, ?::text as b")) {
        ps.setNull(1, java.sql.Types.INTEGER);
        ps.setNull(2, java.sql.Types.VARCHAR);
        try (ResultSet rs = ps.executeQuery()) {
          isTrue(rs.next(), "row");
          eq(null, rs.getObject(1), "null int");
          eq(null, rs.getObject(2), "null text");
        }
      }
    });

    check("prepared_statement_where_params", () -> {
      try (Connection c = connect("");
          PreparedStatement ps = c.prepareStatement("select i::int4 as i from generate_series(1, 1000) as t(i) where i > ? and i <= ?")) {
        for (int n = 0; n < 7; n++) {
          ps.setInt(1, n * 100);
          ps.setInt(2, n * 100 + 10);
          int count = 0, sum = 0;
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              count++;
              sum += rs.getInt(1);
            }
          }
          eq(10, count, "rows (execution " + (n + 1) + ")");
          eq(10 * n * 100 + 55, sum, "sum (execution " + (n + 1) + ")");
        }
      }
    });

    check("fetch_size_1000_in_transaction_100k_rows", () -> {
      try (Connection c = connect("")) {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
          st.setFetchSize(1000);
          try (ResultSet rs = st.executeQuery(HUNDRED_K)) {
            eq(1000, rs.getFetchSize(), "fetch size");
            int expected = 1;
            while (rs.next()) {
              if (rs.getInt(1) != expected || rs.getDouble(2) != expected * 1.5 || !rs.getString(3).equals("row " + expected)) {
                throw new AssertionError("row " + expected + ": " + rs.getInt(1) + ", " + rs.getDouble(2) + ", " + rs.getString(3));
              }
              expected++;
            }
            eq(100_001, expected, "rows + 1");
          }
        }
        c.commit();
      }
    });

    check("fetch_size_prepared_with_params_closed_early", () -> {
      try (Connection c = connect("")) {
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("select i::int4 as i from generate_series(1, 100000) as t(i) where i > ?")) {
          ps.setFetchSize(1000);
          ps.setInt(1, 50_000);
          try (ResultSet rs = ps.executeQuery()) {
            for (int n = 1; n <= 2500; n++) {
              isTrue(rs.next(), "row " + n);
              eq(50_000 + n, rs.getInt(1), "value");
            }
          }
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select 7::int4 as a")) {
          isTrue(rs.next(), "row");
          eq(7, rs.getInt(1), "next query in the same transaction");
        }
        c.commit();
      }
    });

    check("transaction_commit_rollback", () -> {
      try (Connection c = connect("")) {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
          try (ResultSet rs = st.executeQuery("select 1::int4 as a")) {
            isTrue(rs.next(), "row");
          }
          c.commit();
          eq("25P02", sqlState(() -> {
            eq("42P01", sqlState(() -> st.executeQuery("select * from no_such_table")), "unknown table in transaction");
            st.executeQuery("select 1::int4 as a");
          }), "statement after an error in a transaction");
          c.rollback();
          try (ResultSet rs = st.executeQuery("select 2::int4 as a")) {
            isTrue(rs.next(), "row after rollback");
            eq(2, rs.getInt(1), "value after rollback");
          }
          c.commit();
        }
        c.setAutoCommit(true);
      }
    });

    check("error_syntax_42601", () -> expectError("42601", "select 1,, 2"));
    check("error_unknown_table_42P01", () -> expectError("42P01", "select * from no_such_table"));
    check("error_division_by_zero_22012", () -> expectError("22012", "select 1 / 0 as x"));
    check("error_integer_overflow_22003", () -> expectError("22003", "select 2147483647::int4 + 1 as x"));

    check("error_bad_parameter_22P02", () -> {
      try (Connection c = connect(""); PreparedStatement ps = c.prepareStatement("select ?::int4 as x")) {
        ps.setString(1, "abc");
        eq("22P02", sqlState(() -> ps.executeQuery()), "bad integer text in a parameter");
        ps.setString(1, "12");
        try (ResultSet rs = ps.executeQuery()) {
          isTrue(rs.next(), "statement still usable");
          eq(12, rs.getInt(1), "value");
        }
      }
    });

    check("query_timeout_cancels_with_57014", () -> {
      try (Connection c = connect(""); Statement st = c.createStatement()) {
        st.setQueryTimeout(1);
        long t0 = System.nanoTime();
        eq("57014", sqlState(() -> st.executeQuery(
            "select count(*) as n from generate_series(1, 1000000) as a(i), generate_series(1, 1000000) as b(j)")), "timeout");
        isTrue(System.nanoTime() - t0 < 10_000_000_000L, "cancelled within 10 s");
        st.setQueryTimeout(0);
        try (ResultSet rs = st.executeQuery("select 1::int4 as a")) {
          isTrue(rs.next(), "connection still usable");
        }
      }
    });

    check("wrong_password_28P01", () -> {
      eq("28P01", sqlState(() -> connect(user, password + "-wrong", database, "").close()), "sqlstate");
    });

    check("unknown_database_3D000", () -> {
      eq("3D000", sqlState(() -> connect(user, password, "no_such_db", "").close()), "sqlstate");
    });

    check("sslmode_require_refused", () -> {
      eq("08004", sqlState(() -> connect("sslmode=require").close()), "sqlstate");
    });

    System.out.println("done");
    System.exit(failures == 0 ? 0 : 1);
  }
}
