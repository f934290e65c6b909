import java.sql.*;
import java.util.*;

/**
 * The DatabaseMetaData calls a JDBC-based BI tool makes on connect and sync, against tollgate's demo
 * tables. Prints "ok NAME" or "not ok NAME: why" per check, then "done"; exits 1 when a check failed.
 * Usage: java -cp pgjdbc.jar JdbcMetadata.java HOST PORT DATABASE USER PASSWORD
 */
public class JdbcMetadata {
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

  public static void main(String[] a) throws Exception {
    String url = "jdbc:postgresql://" + a[0] + ":" + a[1] + "/" + a[2];
    try (Connection c = DriverManager.getConnection(url, a[3], a[4])) {
      DatabaseMetaData m = c.getMetaData();
      check("product_version", () -> {
        expect(m.getDatabaseProductName().equals("PostgreSQL"), m.getDatabaseProductName());
        expect(m.getDatabaseMajorVersion() == 15, "major " + m.getDatabaseMajorVersion());
      });
      check("get_catalogs", () -> {
        List<String> catalogs = new ArrayList<>();
        try (ResultSet rs = m.getCatalogs()) { while (rs.next()) catalogs.add(rs.getString("TABLE_CAT")); }
        expect(catalogs.contains("tollgate"), "catalogs " + catalogs);
        expect(c.getCatalog().equals("tollgate"), "connection catalog " + c.getCatalog());
      });
      check("get_schemas", () -> {
        List<String> schemas = new ArrayList<>();
        try (ResultSet rs = m.getSchemas()) { while (rs.next()) schemas.add(rs.getString("TABLE_SCHEM")); }
        expect(schemas.contains("lake"), "schemas " + schemas);
      });
      check("get_tables_with_remarks", () -> {
        Map<String, String> tables = new TreeMap<>();
        try (ResultSet rs = m.getTables(null, "lake", "%", new String[] {"TABLE"})) {
          while (rs.next()) tables.put(rs.getString("TABLE_NAME"), rs.getString("REMARKS"));
        }
        expect(tables.keySet().equals(new TreeSet<>(List.of("bookings", "hotels", "searches"))), "tables " + tables.keySet());
        expect(tables.values().stream().allMatch(r -> r != null && r.length() > 10), "remarks " + tables.values());
      });
      // More than prepareThreshold (5) times: pgjdbc then uses a named server statement and binary results.
      check("get_columns_repeated", () -> {
        for (int k = 0; k < 8; k++) {
          List<String> cols = new ArrayList<>();
          try (ResultSet rs = m.getColumns(null, "lake", "bookings", null)) {
            while (rs.next()) {
              cols.add(rs.getString("COLUMN_NAME") + ":" + rs.getString("TYPE_NAME") + ":" + rs.getInt("DATA_TYPE"));
              expect(rs.getString("REMARKS") != null, "remarks of " + rs.getString("COLUMN_NAME"));
            }
          }
          expect(cols.size() == 14, "columns " + cols);
          expect(cols.get(0).equals("booking_id:int8:" + Types.BIGINT), cols.get(0));
          expect(cols.contains("price_usd:numeric:" + Types.NUMERIC), "price_usd in " + cols);
          expect(cols.contains("booked_at:timestamp:" + Types.TIMESTAMP), "booked_at in " + cols);
        }
      });
      check("get_primary_and_imported_keys", () -> {
        try (ResultSet rs = m.getPrimaryKeys(null, "lake", "hotels")) { expect(!rs.next(), "no primary key declared"); }
        try (ResultSet rs = m.getImportedKeys(null, "lake", "bookings")) { expect(!rs.next(), "no foreign key declared"); }
      });
      check("get_type_info", () -> {
        int n = 0;
        try (ResultSet rs = m.getTypeInfo()) { while (rs.next()) n++; }
        expect(n > 50, "types " + n);
      });
      check("data_after_metadata", () -> {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select count(*) from lake.hotels")) {
          expect(rs.next() && rs.getLong(1) > 0, "hotels counted");
        }
      });
    }
    System.out.println("done");
    System.exit(failed ? 1 : 0);
  }
}
