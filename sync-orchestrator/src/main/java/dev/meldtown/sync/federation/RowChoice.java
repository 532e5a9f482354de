package dev.meldtown.sync.federation;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One row's settlement in a row-level resolution: the row (table and primary key, as in the kept conflicts) and which
 * side to take: {@code ours}, {@code theirs}, or {@code value} (the given column values over our row, or over theirs
 * when the row is gone on our side). Taking a side on which the row does not exist deletes it.
 */
public record RowChoice(String table, Map<String, Object> key, Take take, Map<String, Object> value) {
    public enum Take {
        OURS, THEIRS, VALUE;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** {@code ours}, {@code theirs} or {@code value}; anything else is an {@link IllegalArgumentException}. */
        public static Take parse(String value) {
            for (Take t : values()) {
                if (t.wire().equals(value)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("take must be ours, theirs or value, not " + (value == null ? "missing" : "'" + value + "'"));
        }
    }

    /**
     * The identity of a row across JSON round trips: the table and its key columns with canonical values, so that
     * {@code 1}, {@code 1.0} and a long 1 from JDBC are the same key (but {@code "1"} is not).
     */
    public static String rowKey(String table, Map<String, Object> key) {
        StringBuilder sb = new StringBuilder(String.valueOf(table));
        new TreeMap<>(key).forEach((column, v) -> sb.append('\u0000').append(column).append('=').append(canonical(v)));
        return sb.toString();
    }

    private static String canonical(Object v) {
        if (v == null) {
            return "n:";
        }
        if (v instanceof Number n) {
            try {
                return "d:" + new BigDecimal(n.toString()).stripTrailingZeros().toPlainString();
            } catch (NumberFormatException e) {
                return "d:" + n;
            }
        }
        if (v instanceof Boolean b) {
            return "b:" + b;
        }
        if (v instanceof String s) {
            return "s:" + s;
        }
        return "o:" + v;
    }
}
