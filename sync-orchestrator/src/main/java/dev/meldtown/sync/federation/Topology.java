package dev.meldtown.sync.federation;

import java.util.ArrayList;
import java.util.List;

/** How towns of a federation sync: every pair ({@code mesh}) or every town with one hub ({@code hub:<town>}). */
public record Topology(String hub) {
    public static final Topology MESH = new Topology(null);

    public Topology {
        if (hub != null) {
            Names.requireName("hub town", hub);
        }
    }

    public static Topology hub(String town) {
        return new Topology(town);
    }

    public static Topology parse(String value) {
        if ("mesh".equals(value)) {
            return MESH;
        }
        if (value != null && value.startsWith("hub:")) {
            return hub(value.substring(4));
        }
        throw new IllegalArgumentException("topology must be mesh or hub:<town>, not '" + value + "'");
    }

    public boolean isMesh() {
        return hub == null;
    }

    @Override
    public String toString() {
        return isMesh() ? "mesh" : "hub:" + hub;
    }

    /** One (town, peer) sync: {@code town} fetches, merges and pushes with {@code peer}. */
    public record Pair(String town, String peer) {
    }

    /**
     * The syncs of one round, in order. Mesh: every town with every other town. Hub: every spoke with the
     * hub, then every spoke but the last again, so that each spoke also receives what later spokes brought.
     * Without conflicts either order converges in one round: all towns end at the same head.
     */
    public List<Pair> round(List<String> towns) {
        List<Pair> pairs = new ArrayList<>();
        if (isMesh()) {
            for (String t : towns) {
                for (String p : towns) {
                    if (!t.equals(p)) {
                        pairs.add(new Pair(t, p));
                    }
                }
            }
            return pairs;
        }
        if (!towns.contains(hub)) {
            throw new IllegalArgumentException("hub " + hub + " is not one of the towns " + towns);
        }
        List<String> spokes = towns.stream().filter(t -> !t.equals(hub)).toList();
        spokes.forEach(s -> pairs.add(new Pair(s, hub)));
        spokes.subList(0, Math.max(0, spokes.size() - 1)).forEach(s -> pairs.add(new Pair(s, hub)));
        return pairs;
    }
}
