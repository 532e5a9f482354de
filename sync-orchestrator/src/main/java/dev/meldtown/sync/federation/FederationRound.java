package dev.meldtown.sync.federation;

import dev.meldtown.events.Payloads;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/** Runs one round of a federation: the syncs of {@link Topology#round(List)}, in order. */
public final class FederationRound {
    /** A town of the federation: its engine, and how other towns reach it as a peer. */
    public record Member(TownSync engine, Peer asPeer) {
        public String name() {
            return engine.town();
        }
    }

    private FederationRound() {
    }

    public static List<Payloads.SyncResult> run(List<Member> members, Topology topology, SyncStrategy strategy) {
        Map<String, Member> byName = new LinkedHashMap<>();
        members.forEach(m -> byName.put(m.name(), m));
        List<Payloads.SyncResult> results = new ArrayList<>();
        for (Topology.Pair pair : topology.round(new ArrayList<>(byName.keySet()))) {
            Member town = byName.get(pair.town());
            Member peer = byName.get(pair.peer());
            if (town == null || peer == null) {
                throw new NoSuchElementException("unknown town in " + pair);
            }
            results.add(town.engine().sync(peer.asPeer(), strategy));
        }
        return results;
    }
}
