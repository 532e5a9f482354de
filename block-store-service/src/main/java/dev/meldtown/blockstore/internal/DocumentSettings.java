package dev.meldtown.blockstore.internal;

/** Per-document settings: how files are stored and what the merge-service does with conflicts. */
public record DocumentSettings(String compression, String conflictPolicy) {
    public static final DocumentSettings DEFAULT = new DocumentSettings("none", "keep");

    public boolean flate() {
        return "flate".equals(compression);
    }
}
