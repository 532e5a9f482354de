package dev.meldtown.storage.hub;

import dev.meldtown.crdt.DocumentLimits;
import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.crdt.StorageProvider;
import java.net.URI;
import java.util.Set;

/** {@code http://} and {@code https://} replica URLs on the hub; the token comes from {@code MELDTOWN_TOKEN}. */
public final class HubStorageProvider implements StorageProvider {
    @Override
    public Set<String> schemes() {
        return Set.of("http", "https");
    }

    @Override
    public ReplicaStorage open(URI url) {
        return new HubStorage(url, System.getenv("MELDTOWN_TOKEN"));
    }

    /** The hub's own limits (block-store-service refuses a bigger document), so a push is refused before it starts. */
    @Override
    public DocumentLimits documentLimits() {
        return DocumentLimits.DEFAULT;
    }
}
