package dev.meldtown.crdt.internal;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Formats a double the way Rust's {@code ryu} crate does (what serde_json emits): the shortest decimal digits
 * that round-trip, laid out per ryu's rules. JDK 17's {@code Double.toString} is not always shortest, so the
 * digits are searched with exact BigDecimal arithmetic instead.
 */
public final class DoubleFormat {
    private DoubleFormat() {
    }

    public static String format(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "null"; // serde_json writes non-finite floats as null
        }
        if (v == 0.0) {
            return (Double.doubleToRawLongBits(v) < 0) ? "-0.0" : "0.0";
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
