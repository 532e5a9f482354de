package dev.meldtown.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;

/**
 * A document's settings (contracts §2.1, {@code settings.json}): how its files are stored and what the merge-service
 * does with conflicts. A missing field takes its default ({@link Compression#NONE}, {@link ConflictPolicy#KEEP}),
 * here and nowhere else. As JSON: {@code {"compression":"none","conflictPolicy":"keep"}}.
 */
public record DocumentSettings(Compression compression, ConflictPolicy conflictPolicy) {
    public static final DocumentSettings DEFAULT = new DocumentSettings(Compression.NONE, ConflictPolicy.KEEP);

    public DocumentSettings {
        compression = compression == null ? Compression.NONE : compression;
        conflictPolicy = conflictPolicy == null ? ConflictPolicy.KEEP : conflictPolicy;
    }

    public boolean flate() {
        return compression == Compression.FLATE;
    }

    public boolean resolveToWinner() {
        return conflictPolicy == ConflictPolicy.RESOLVE_TO_WINNER;
    }

    /** How a document's files are stored: as they are, or with Melda's raw DEFLATE ({@code .flate} objects). */
    public enum Compression {
        NONE("none"), FLATE("flate");

        private final String wire;

        Compression(String wire) {
            this.wire = wire;
        }

        @JsonValue
        public String wire() {
            return wire;
        }

        /** The wire names, in declaration order. */
        public static List<String> names() {
            return Arrays.stream(values()).map(Compression::wire).toList();
        }

        /** @throws IllegalArgumentException {@code compression must be one of [none, flate], got '…'} */
        @JsonCreator
        public static Compression parse(String wire) {
            for (Compression c : values()) {
                if (c.wire.equals(wire)) {
                    return c;
                }
            }
            throw new IllegalArgumentException("compression must be one of " + names() + ", got '" + wire + "'");
        }
    }

    /** What the merge-service does with a conflict: keep it for a client to resolve, or resolve it to the winner. */
    public enum ConflictPolicy {
        KEEP("keep"), RESOLVE_TO_WINNER("resolve-to-winner");

        private final String wire;

        ConflictPolicy(String wire) {
            this.wire = wire;
        }

        @JsonValue
        public String wire() {
            return wire;
        }

        public static List<String> names() {
            return Arrays.stream(values()).map(ConflictPolicy::wire).toList();
        }

        /** @throws IllegalArgumentException {@code conflictPolicy must be one of [keep, resolve-to-winner], got '…'} */
        @JsonCreator
        public static ConflictPolicy parse(String wire) {
            for (ConflictPolicy p : values()) {
                if (p.wire.equals(wire)) {
                    return p;
                }
            }
            throw new IllegalArgumentException("conflictPolicy must be one of " + names() + ", got '" + wire + "'");
        }
    }
}
