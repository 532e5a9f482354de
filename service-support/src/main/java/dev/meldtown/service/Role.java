package dev.meldtown.service;

import java.util.Collection;
import java.util.Locale;

/**
 * Roles carried in a token's {@code groups}: reader ⊂ writer ⊂ admin ⊂ operator. {@code operator} belongs to the
 * deployment's operators, not to a tenant: it is valid for every tenant ({@link Access}) and is the only role that may
 * change a tenant's quota (issue 14), so a tenant's admin cannot lift its own limits.
 */
public enum Role {
    READER, WRITER, ADMIN, OPERATOR;

    /** The strongest role among {@code groups}, or null if none is a Meldtown role. */
    public static Role strongest(Collection<String> groups) {
        Role best = null;
        for (String g : groups) {
            for (Role r : values()) {
                if (r.name().toLowerCase(Locale.ROOT).equals(g) && (best == null || r.ordinal() > best.ordinal())) {
                    best = r;
                }
            }
        }
        return best;
    }

    public boolean includes(Role other) {
        return ordinal() >= other.ordinal();
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
