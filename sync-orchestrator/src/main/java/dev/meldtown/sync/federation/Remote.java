package dev.meldtown.sync.federation;

/** A Dolt remote of a town, as listed in {@code dolt_remotes}. */
public record Remote(String name, String url) {
}
