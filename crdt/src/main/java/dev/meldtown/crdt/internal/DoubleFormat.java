package dev.meldtown.crdt.internal;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Formats a double the way Rust's {@code ryu} crate does (what serde_json emits): the shortest decimal digits
 * that round-trip, laid out per ryu's rules. JDK 17's {@code Double.toString} is not always shortest, so its digits
 * are taken only where they are provably the shortest (below), and otherwise searched with exact BigDecimal
 * arithmetic ({@link #formatExact}).
 *
 * <p>Why {@code Double.toString}'s digits are ryu's when there are at most 15 of them, for a normal double: at most one
 * decimal of 15 or fewer significant digits converts to a given normal double (15 is {@code DBL_DIG}: such a decimal
 * is recovered by rounding its double to 15 digits, so two of them with the same double are equal). Every JDK's
 * {@code Double.toString} round-trips, so digits of length 15 or less are that one decimal, and no shorter decimal
 * can round-trip; ryu's shortest is therefore the same digits. Longer ones, and subnormals (whose precision is
 * lower), take the exact search.
 */
public final class DoubleFormat {
    private static final int DBL_DIG = 15;

    private DoubleFormat() {
    }

    public static String format(double v) {
        String special = special(v);
        if (special != null) {
            return special;
        }
        String shortest = Math.abs(v) >= Double.MIN_NORMAL ? fromJdk(Math.abs(v)) : null;
        if (shortest != null) {
            return v < 0 ? "-" + shortest : shortest;
        }
        return formatExact(v);
    }

    /** What a non-finite double or a zero is written as (serde_json writes non-finite floats as null), else null. */
    private static String special(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "null";
        }
        if (v == 0.0) {
            return (Double.doubleToRawLongBits(v) < 0) ? "-0.0" : "0.0";
        }
        return null;
    }

    /** {@code Double.toString}'s digits of {@code a} (normal, positive) laid out as ryu does, or null past 15 digits. */
    private static String fromJdk(double a) {
        String s = Double.toString(a); // "123.45" or "1.2345E-7"
        int e = s.indexOf('E');
        int end = e < 0 ? s.length() : e;
        int dot = s.indexOf('.');
        int exp10 = (e < 0 ? 0 : Integer.parseInt(s, e + 1, s.length(), 10)) - (end - dot - 1);
        StringBuilder digits = new StringBuilder(end);
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            if (c != '.' && (c != '0' || digits.length() > 0)) {
                digits.append(c);
            }
        }
        int length = digits.length();
        while (length > 1 && digits.charAt(length - 1) == '0') {
            length--;
            exp10++;
        }
        if (length > DBL_DIG) {
            return null;
        }
        digits.setLength(length);
        return layout(digits.toString(), exp10);
    }

    /** The same as {@link #format}, always by the exact search: the reference {@code format}'s shortcut is held to. */
    public static String formatExact(double v) {
        String special = special(v);
        if (special != null) {
            return special;
        }
        boolean neg = v < 0;
        double a = Math.abs(v);
        BigDecimal exact = new BigDecimal(a);
        String digits = null;
        int exp10 = 0; // value = digits * 10^exp10
        for (int p = 1; p <= 17 && digits == null; p++) {
            BigDecimal down = exact.round(new MathContext(p, RoundingMode.FLOOR));
            BigDecimal up = exact.round(new MathContext(p, RoundingMode.CEILING));
            boolean downOk = down.doubleValue() == a;
            boolean upOk = up.doubleValue() == a;
            BigDecimal pick = null;
            if (downOk && upOk) {
                int cmp = exact.subtract(down).compareTo(up.subtract(exact));
                if (cmp < 0) {
                    pick = down;
                } else if (cmp > 0) {
                    pick = up;
                } else {
                    pick = exact.round(new MathContext(p, RoundingMode.HALF_EVEN));
                }
            } else if (downOk) {
                pick = down;
            } else if (upOk) {
                pick = up;
            }
            if (pick != null) {
                BigDecimal stripped = pick.stripTrailingZeros();
                digits = stripped.unscaledValue().toString();
                exp10 = -stripped.scale();
            }
        }
        if (digits == null) { // cannot happen: 17 significant digits always round-trip
            throw new IllegalStateException("no round-trip digits for " + v);
        }
        return (neg ? "-" : "") + layout(digits, exp10);
    }

    /** ryu's layout: {@code kk} is the decimal exponent with 10^(kk-1) <= v < 10^kk. */
    static String layout(String digits, int exp10) {
        int length = digits.length();
        int kk = length + exp10;
        StringBuilder sb = new StringBuilder();
        if (exp10 >= 0 && kk <= 16) {
            sb.append(digits);
            for (int i = length; i < kk; i++) {
                sb.append('0');
            }
            sb.append(".0");
        } else if (kk > 0 && kk <= 16) {
            sb.append(digits, 0, kk).append('.').append(digits, kk, length);
        } else if (kk > -5 && kk <= 0) {
            sb.append("0.");
            for (int i = kk; i < 0; i++) {
                sb.append('0');
            }
            sb.append(digits);
        } else if (length == 1) {
            sb.append(digits).append('e').append(kk - 1);
        } else {
            sb.append(digits.charAt(0)).append('.').append(digits, 1, length).append('e').append(kk - 1);
        }
        return sb.toString();
    }
}
