package dev.meldtown.sync.federation.internal;

import dev.meldtown.events.Payloads;
import dev.meldtown.sync.federation.Names;
import java.sql.SQLException;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads a merge's conflicts row by row from {@code dolt_conflicts_<table>}, on the merging session. */
public final class ConflictReader {
    private ConflictReader() {
    }

    /** Tables with data conflicts, from {@code dolt_conflicts}. */
    public static List<String> conflictedTables(Session s) throws SQLException {
        List<String> tables = new ArrayList<>();
        for (var row : s.rows("SELECT `table` FROM dolt_conflicts")) {
            tables.add(String.valueOf(row.get("table")));
        }
        return tables;
    }

    /** Tables with schema conflicts, from {@code dolt_schema_conflicts}. */
    public static List<String> schemaConflicts(Session s) throws SQLException {
        List<String> tables = new ArrayList<>();
        for (var row : s.rows("SELECT table_name FROM dolt_schema_conflicts")) {
            tables.add(String.valueOf(row.get("table_name")));
        }
        return tables;
    }

    /** Table to number of constraint violations, from {@code dolt_constraint_violations}. */
    public static Map<String, Long> violations(Session s) throws SQLException {
        Map<String, Long> out = new LinkedHashMap<>();
        for (var row : s.rows("SELECT `table`, num_violations FROM dolt_constraint_violations")) {
            out.put(String.valueOf(row.get("table")), ((Number) row.get("num_violations")).longValue());
        }
        return out;
    }

    /** Every conflicting row of every table, with primary key and base/ours/theirs values. */
    public static List<Payloads.Conflict> read(Session s) throws SQLException {
        List<Payloads.Conflict> out = new ArrayList<>();
        for (String table : conflictedTables(s)) {
            out.addAll(read(s, table));
        }
        return out;
    }

    static List<Payloads.Conflict> read(Session s, String table) throws SQLException {
        return rows(s, table).stream().map(Row::conflict).toList();
    }

    /** A table's columns in order, and which of them form the primary key. */
    public record Shape(List<String> columns, List<String> keyColumns) {
    }

    /** One conflicting row as reported, plus our and their values as JDBC gave them (null where the row is absent). */
    public record Row(Payloads.Conflict conflict, Map<String, Object> oursRaw, Map<String, Object> theirsRaw) {
    }

    public static Shape shape(Session s, String table) throws SQLException {
        List<String> columns = new ArrayList<>();
        List<String> keyColumns = new ArrayList<>();
        for (var row : s.rows("SELECT COLUMN_NAME, COLUMN_KEY FROM information_schema.COLUMNS "
                + "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION", table)) {
            String column = String.valueOf(row.get("COLUMN_NAME"));
            columns.add(column);
            if ("PRI".equals(String.valueOf(row.get("COLUMN_KEY")))) {
                keyColumns.add(column);
            }
        }
        return new Shape(columns, keyColumns);
    }

    /** Every conflicting row of {@code table}, from {@code dolt_conflicts_<table>}. */
    public static List<Row> rows(Session s, String table) throws SQLException {
        String quoted = Names.quotedTable(table);
        Shape shape = shape(s, table);
        List<String> columns = shape.columns();
        List<String> keyColumns = shape.keyColumns();
        List<Row> out = new ArrayList<>();
        // quoted: validated identifier; dolt_conflicts_<t> cannot be bound as a parameter
        for (var row : s.rows("SELECT * FROM `dolt_conflicts_" + quoted.substring(1))) {
            Map<String, Object> base = side(row, "base_", columns);
            Map<String, Object> ours = side(row, "our_", columns);
            Map<String, Object> theirs = side(row, "their_", columns);
            Map<String, Object> key = new LinkedHashMap<>();
            Map<String, Object> keySource = ours != null ? ours : theirs != null ? theirs : base;
            if (keyColumns.isEmpty() || keySource == null) {
                key.put("dolt_conflict_id", String.valueOf(row.get("dolt_conflict_id")));
            } else {
                for (String k : keyColumns) {
                    key.put(k, keySource.get(k));
                }
            }
            out.add(new Row(new Payloads.Conflict(table, key, base, ours, theirs),
                    ours == null ? null : raw(row, "our_", columns), theirs == null ? null : raw(row, "their_", columns)));
        }
        return out;
    }

    private static Map<String, Object> raw(Map<String, Object> row, String prefix, List<String> columns) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (String c : columns) {
            values.put(c, row.get(prefix + c));
        }
        return values;
    }

    /** One side's values, or {@code null} when the row does not exist on that side (all columns NULL). */
    private static Map<String, Object> side(Map<String, Object> row, String prefix, List<String> columns) {
        Map<String, Object> values = new LinkedHashMap<>();
        boolean any = false;
        for (String c : columns) {
            Object v = json(row.get(prefix + c));
            any |= v != null;
            values.put(c, v);
        }
        return any ? values : null;
    }

    /** A JSON-friendly value: numbers, strings and booleans as they are, times as ISO text, bytes as base64. */
    static Object json(Object v) {
        if (v == null || v instanceof Number || v instanceof String || v instanceof Boolean) {
            return v;
        }
        if (v instanceof java.sql.Timestamp t) {
            return t.toLocalDateTime().toString();
        }
        if (v instanceof java.sql.Date d) {
            return d.toLocalDate().toString();
        }
        if (v instanceof java.sql.Time t) {
            return t.toLocalTime().toString();
        }
        if (v instanceof TemporalAccessor) {
            return v.toString();
        }
        if (v instanceof byte[] b) {
            return Base64.getEncoder().encodeToString(b);
        }
        return v.toString();
    }
}
