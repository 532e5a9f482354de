package dev.meldtown.sync.federation.internal;

import dev.meldtown.events.Payloads;
import dev.meldtown.sync.federation.KeptConflicts;
import dev.meldtown.sync.federation.Names;
import dev.meldtown.sync.federation.RowChoice;
import dev.meldtown.sync.federation.RowResolutionException;
import dev.meldtown.sync.federation.RowResolutionException.Reason;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Row-level resolution of a replayed merge: checks the choices against the kept conflicts, then writes each row's
 * chosen values into the table on the merging session and clears the table's {@code dolt_conflicts_<table>}.
 */
public final class RowResolver {
    private RowResolver() {
    }

    /** How many rows took each side. */
    public record Counts(int ours, int theirs, int value) {
    }

    /**
     * The choices by {@link RowChoice#rowKey row key}, after checking that they name each kept row exactly once and
     * that every {@code value} names only the row's columns (and its key columns, if at all, with the key's values).
     */
    public static Map<String, RowChoice> match(KeptConflicts kept, List<RowChoice> choices) {
        Map<String, Payloads.Conflict> rows = new LinkedHashMap<>();
        for (Payloads.Conflict c : kept.rows()) {
            rows.put(RowChoice.rowKey(c.table(), c.key()), c);
        }
        Map<String, RowChoice> out = new LinkedHashMap<>();
        for (RowChoice choice : choices) {
            String id = RowChoice.rowKey(choice.table(), choice.key());
            Payloads.Conflict row = rows.get(id);
            if (row == null) {
                throw mismatch("row " + choice.key() + " of table " + choice.table() + " is not one of the kept conflicts");
            }
            if (row.key().containsKey("dolt_conflict_id")) {
                throw mismatch("table " + choice.table() + " has no primary key; its conflicts cannot be resolved row by row");
            }
            if (out.put(id, choice) != null) {
                throw mismatch("row " + choice.key() + " of table " + choice.table() + " is given more than once");
            }
            if (choice.take() == RowChoice.Take.VALUE) {
                checkValue(row, choice.value());
            }
        }
        if (out.size() != rows.size()) {
            List<String> missing = new ArrayList<>();
            rows.forEach((id, c) -> {
                if (!out.containsKey(id)) {
                    missing.add(c.table() + " " + c.key());
                }
            });
            throw mismatch("the choices must cover every kept conflict; missing " + missing.size() + ": "
                    + (missing.size() > 10 ? missing.subList(0, 10) + " …" : missing));
        }
        return out;
    }

    private static void checkValue(Payloads.Conflict row, Map<String, Object> value) {
        Set<String> columns = new LinkedHashSet<>();
        for (Map<String, Object> side : List.of(nonNull(row.base()), nonNull(row.ours()), nonNull(row.theirs()))) {
            columns.addAll(side.keySet());
        }
        for (var e : value.entrySet()) {
            if (!columns.contains(e.getKey())) {
                throw mismatch("table " + row.table() + " has no column '" + e.getKey() + "' (columns: " + columns + ")");
            }
            if (e.getValue() instanceof Map || e.getValue() instanceof Collection) {
                throw mismatch("value of column '" + e.getKey() + "' must be a string, number, boolean or null");
            }
            if (row.key().containsKey(e.getKey()) && !sameKeyValue(e.getValue(), row.key().get(e.getKey()))) {
                throw mismatch("value must not change key column '" + e.getKey() + "' of row " + row.key());
            }
        }
    }

    private static boolean sameKeyValue(Object a, Object b) {
        Map<String, Object> ma = new LinkedHashMap<>();
        ma.put("k", a);
        Map<String, Object> mb = new LinkedHashMap<>();
        mb.put("k", b);
        return RowChoice.rowKey("", ma).equals(RowChoice.rowKey("", mb));
    }

    private static Map<String, Object> nonNull(Map<String, Object> m) {
        return m == null ? Map.of() : m;
    }

    /**
     * Applies the choices to every conflicting row of the replayed merge (whose rows must be exactly those chosen
     * for), then clears each table's conflicts. A value the table refuses is a {@link Reason#MISMATCH}.
     */
    public static Counts apply(Session s, List<String> tables, Map<String, RowChoice> choices) throws SQLException {
        int ours = 0;
        int theirs = 0;
        int value = 0;
        for (String table : tables) {
            String quoted = Names.quotedTable(table);
            ConflictReader.Shape shape = ConflictReader.shape(s, table);
            for (ConflictReader.Row row : ConflictReader.rows(s, table)) {
                RowChoice choice = choices.get(RowChoice.rowKey(table, row.conflict().key()));
                if (choice == null) {
                    throw new RowResolutionException(Reason.STALE, "the replayed merge met a conflict that was not kept: "
                            + table + " " + row.conflict().key());
                }
                try {
                    switch (choice.take()) {
                        case OURS -> {
                            ours++;
                            // the merge's working row already holds our values (or no row, where ours deleted it)
                        }
                        case THEIRS -> {
                            theirs++;
                            if (row.theirsRaw() == null) {
                                delete(s, quoted, shape, row.oursRaw());
                            } else {
                                replace(s, quoted, row.theirsRaw());
                            }
                        }
                        case VALUE -> {
                            value++;
                            Map<String, Object> values = new LinkedHashMap<>();
                            Map<String, Object> start = row.oursRaw() != null ? row.oursRaw() : row.theirsRaw();
                            for (String c : shape.columns()) {
                                values.put(c, start == null ? null : start.get(c));
                            }
                            values.putAll(choice.value());
                            for (String k : shape.keyColumns()) {
                                if (!choice.value().containsKey(k)) {
                                    values.put(k, start != null ? start.get(k) : row.conflict().key().get(k));
                                }
                            }
                            replace(s, quoted, values);
                        }
                        default -> throw new IllegalStateException();
                    }
                } catch (SQLException e) {
                    throw mismatch("table " + table + " refused the " + choice.take().wire() + " row " + row.conflict().key()
                            + ": " + Errors.message(e));
                }
            }
            s.execute("DELETE FROM `dolt_conflicts_" + quoted.substring(1));
        }
        return new Counts(ours, theirs, value);
    }

    private static void replace(Session s, String quotedTable, Map<String, Object> values) throws SQLException {
        List<String> columns = new ArrayList<>();
        List<String> marks = new ArrayList<>();
        for (String c : values.keySet()) {
            columns.add(column(c));
            marks.add("?");
        }
        s.execute("REPLACE INTO " + quotedTable + " (" + String.join(", ", columns) + ") VALUES (" + String.join(", ", marks) + ")",
                values.values().toArray());
    }

    private static void delete(Session s, String quotedTable, ConflictReader.Shape shape, Map<String, Object> row) throws SQLException {
        List<String> where = new ArrayList<>();
        List<Object> args = new ArrayList<>();
        for (String k : shape.keyColumns()) {
            where.add(column(k) + " = ?");
            args.add(row.get(k));
        }
        s.execute("DELETE FROM " + quotedTable + " WHERE " + String.join(" AND ", where), args.toArray());
    }

    /** A column name from the table's own schema (information_schema), quoted as an identifier. */
    private static String column(String name) {
        return "`" + name.replace("`", "``") + "`";
    }

    private static RowResolutionException mismatch(String message) {
        return new RowResolutionException(Reason.MISMATCH, message);
    }
}
