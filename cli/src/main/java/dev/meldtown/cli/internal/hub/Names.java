package dev.meldtown.cli.internal.hub;

import dev.meldtown.cli.internal.CliError;
import dev.meldtown.cli.internal.Verb;
import java.util.regex.Pattern;

/** Tenant, town, peer, federation and document names: {@code [a-z0-9][a-z0-9-]{0,62}} (contracts §2). */
final class Names {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    private Names() {
    }

    /** The name, or a usage error naming what is wrong (before anything is sent). */
    static String check(String prefix, String what, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new CliError(Verb.EXIT_USAGE, prefix + ": invalid " + what + " name '" + Verb.oneLine(String.valueOf(name))
                    + "': use [a-z0-9][a-z0-9-]{0,62}");
        }
        return name;
    }
}
