package dev.meldtown.merge;

/** Per-document settings written by block-store-service ({@code settings.json}, contracts §2.1). */
public record DocSettings(String compression, String conflictPolicy) {
    public static final DocSettings DEFAULT = new DocSettings("none", "keep");

    public boolean flate() {
        return "flate".equals(compression);
    }

    public boolean resolveToWinner() {
        return "resolve-to-winner".equals(conflictPolicy);
    }
}
