package dev.meldtown.sync.federation.internal;

import dev.meldtown.sync.federation.ErrorCategory;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.Locale;

/** Classifies Dolt's error messages (as seen through JDBC) into the contract's categories. */
public final class Errors {
    private Errors() {
    }

    /** For failures of a transfer to or from a peer ({@code DOLT_FETCH}, {@code DOLT_PUSH}). */
    public static ErrorCategory classifyRemote(String message) {
        String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
        if (m.contains("unauthenticated") || m.contains("permissiondenied") || m.contains("authentication failure")
                || m.contains("authorization failure") || m.contains("access denied")
                || m.contains("must set dolt_remote_password") || m.contains("not been granted")) {
            return ErrorCategory.AUTH;
        }
        if (m.contains("non-fast-forward") || m.contains("target has uncommitted changes")
                || m.contains("is not ancestor") || m.contains("[rejected]") || m.contains("merge needed")) {
            return ErrorCategory.REJECTED;
        }
        if (m.contains("database not found") || m.contains("unknown remote") || m.contains("not found on remote")
                || m.contains("branch not found") || m.contains("refspec not found") || m.contains("invalid ref spec")
                || m.contains("does not appear to be a dolt database") || m.contains("remote not found")) {
            return ErrorCategory.NOT_FOUND;
        }
        if (m.contains("code = unavailable") || m.contains("code = deadlineexceeded") || m.contains("connection refused")
                || m.contains("no such host") || m.contains("i/o timeout") || m.contains("connection reset")
                || m.contains("error while dialing") || m.contains("could not access dolt url")
                || m.contains("context deadline exceeded") || m.contains("broken pipe")) {
            return ErrorCategory.TRANSPORT;
        }
        return ErrorCategory.INTERNAL;
    }

    /** For failures of the town's own SQL connection: unreachable is transport, a refused login is auth. */
    public static ErrorCategory classifyTown(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (state.equals("28000") || e.getErrorCode() == 1045) {
            return ErrorCategory.AUTH;
        }
        if (e instanceof SQLNonTransientConnectionException || e instanceof SQLTransientConnectionException
                || state.startsWith("08")) {
            return ErrorCategory.TRANSPORT;
        }
        return ErrorCategory.INTERNAL;
    }

    /** A one-line message without the driver's prefixes, and without Dolt's push hints. */
    public static String message(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int idx = m.indexOf("(HY000): ");
        if (idx >= 0) {
            m = m.substring(idx + 9);
        }
        m = m.replaceAll("\\(conn=\\d+\\)\\s*", "");
        StringBuilder out = new StringBuilder();
        for (String line : m.split("\\R")) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("hint:")) {
                continue;
            }
            if (out.length() > 0) {
                out.append("; ");
            }
            out.append(t);
        }
        return out.toString();
    }
}
