package dev.meldtown.cli.internal.hub;

import dev.meldtown.cli.internal.CliError;
import dev.meldtown.cli.internal.Verb;
import dev.meldtown.model.Name;

/** Tenant, town, peer, federation and document names, checked with the model's one rule ({@link Name#RULE}). */
final class Names {
    private Names() {
    }

    /** The name, or a usage error naming what is wrong (before anything is sent). */
    static String check(String prefix, String what, String name) {
        if (!Name.isValid(name)) {
            throw new CliError(Verb.EXIT_USAGE, prefix + ": invalid " + what + " name '" + Verb.oneLine(String.valueOf(name))
                    + "': use " + Name.RULE);
        }
        return name;
    }
}
