package dev.meldtown.cli.internal;

import java.util.Collection;
import java.util.Iterator;

/** Rust's {@code Debug} formatting of string collections, as libmelda-tools prints them. */
public final class RustDebug {
    private RustDebug() {
    }

    /** {@code ["a", "b"]} (a Vec). */
    public static String list(Collection<String> items) {
        return join(items, "[", "]");
    }

    /** {@code {"a", "b"}} (a BTreeSet; pass the items sorted). */
    public static String set(Collection<String> items) {
        return join(items, "{", "}");
    }

    private static String join(Collection<String> items, String open, String close) {
        StringBuilder sb = new StringBuilder(open);
        Iterator<String> it = items.iterator();
        while (it.hasNext()) {
            sb.append(string(it.next()));
            if (it.hasNext()) {
                sb.append(", ");
            }
        }
        return sb.append(close).toString();
    }

    /** A string in Rust Debug form: quoted, with {@code \" \\ \t \r \n \0} and other control characters escaped. */
    public static String string(String s) {
        StringBuilder sb = new StringBuilder("\"");
        s.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                case 0 -> sb.append("\\0");
                default -> {
                    if (Character.isISOControl(c)) {
                        sb.append("\\u{").append(Integer.toHexString(c)).append('}');
                    } else {
                        sb.appendCodePoint(c);
                    }
                }
            }
        });
        return sb.append('"').toString();
    }
}
