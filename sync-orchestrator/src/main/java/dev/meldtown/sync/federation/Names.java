package dev.meldtown.sync.federation;

import dev.meldtown.model.Name;
import java.util.regex.Pattern;

/**
 * Strict validation of everything that reaches SQL. Values are bound as parameters anyway; the few that
 * must be spliced into SQL text (table identifiers from {@code dolt_conflicts}) are validated here first.
 */
public final class Names {
    private static final Pattern BRANCH = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,62}(/[A-Za-z0-9][A-Za-z0-9_-]{0,62}){0,3}");
    private static final Pattern DATABASE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_-]{0,63}");
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}");
    private static final Pattern URL = Pattern.compile(
            "(https?://[A-Za-z0-9.\\-]{1,253}(:[0-9]{1,5})?/[A-Za-z0-9_][A-Za-z0-9_-]{0,63})|(file:///[A-Za-z0-9_./-]{1,1000})");
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
    private static final Pattern HASH = Pattern.compile("[0-9a-v]{32}");

    private Names() {
    }

    /** A town, peer, remote or tenant name ({@link Name}, contracts §2); the message names {@code what}. */
    public static String requireName(String what, String s) {
        return Name.of(what + " name", s).value();
    }

    public static String requireBranch(String s) {
        if (s == null || !BRANCH.matcher(s).matches() || s.endsWith(".lock")) {
            throw new IllegalArgumentException("invalid branch '" + s + "'");
        }
        return s;
    }

    public static String requireDatabase(String s) {
        if (s == null || !DATABASE.matcher(s).matches()) {
            throw new IllegalArgumentException("invalid database '" + s + "'");
        }
        return s;
    }

    /** The login of a town's SQL server (same characters and length as a remote user). */
    public static String requireSqlUser(String s) {
        if (s == null || !USER.matcher(s).matches()) {
            throw new IllegalArgumentException("sql.user must match [A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}");
        }
        return s;
    }

    public static String requireUser(String s) {
        if (s == null || !USER.matcher(s).matches()) {
            throw new IllegalArgumentException("invalid remote user '" + s + "'");
        }
        return s;
    }

    /** A remotesapi URL {@code http(s)://host[:port]/db} or a {@code file:///abs} chunk-store directory. */
    public static String requireUrl(String s) {
        if (s == null || !URL.matcher(s).matches() || s.contains("/../") || s.endsWith("/..")) {
            throw new IllegalArgumentException("remote url must be http(s)://host:port/database or file:///path, not '" + s + "'");
        }
        return s;
    }

    /** A table name read from {@code dolt_conflicts}, quoted for SQL after strict validation. */
    public static String quotedTable(String s) {
        if (s == null || !IDENTIFIER.matcher(s).matches()) {
            throw new IllegalArgumentException("unexpected table name '" + s + "'");
        }
        return "`" + s + "`";
    }

    /** A commit hash as Dolt prints it (32 base-32 characters). */
    public static String requireHash(String s) {
        if (s == null || !HASH.matcher(s).matches()) {
            throw new IllegalArgumentException("unexpected commit hash '" + s + "'");
        }
        return s;
    }
}
