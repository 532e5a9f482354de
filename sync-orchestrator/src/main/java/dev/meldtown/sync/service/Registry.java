package dev.meldtown.sync.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meldtown.events.EventCodec;
import dev.meldtown.events.Payloads;
import dev.meldtown.service.S3Config;
import dev.meldtown.storage.s3.BucketLayout;
import dev.meldtown.sync.federation.KeptConflicts;
import dev.meldtown.sync.federation.SyncLedger;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * The service's own durable store, in the deployment's S3 bucket under {@code sync/}: towns (passwords
 * encrypted), federations and sync bookkeeping. Nothing of it is written into a town's versioned tables.
 */
@ApplicationScoped
public class Registry {
    private static final ObjectMapper JSON = EventCodec.mapper();

    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    /** Past SyncResults kept per (town, peer), newest first; older ones are deleted as new ones come. */
    @ConfigProperty(name = "meldtown.sync-ledger.history-per-peer", defaultValue = "300")
    int historyPerPeer;

    static String townKey(String tenant, String town) {
        return BucketLayout.Sync.town(tenant, town);
    }

    static String ledgerKey(String tenant, String town, String peer) {
        return BucketLayout.Sync.ledger(tenant, town, peer);
    }

    static String federationKey(String tenant, String name) {
        return BucketLayout.Sync.federation(tenant, name);
    }

    public Optional<Model.StoredTown> town(String tenant, String town) {
        return read(townKey(tenant, town), Model.StoredTown.class);
    }

    public void putTown(String tenant, Model.StoredTown town) {
        write(townKey(tenant, town.name()), town);
    }

    public List<Model.StoredTown> towns(String tenant) {
        List<Model.StoredTown> out = new ArrayList<>();
        for (String key : list(BucketLayout.Sync.towns(tenant))) {
            read(key, Model.StoredTown.class).ifPresent(out::add);
        }
        return out;
    }

    /** How many towns the tenant has registered (keys only; nothing is read). */
    public int townCount(String tenant) {
        return list(BucketLayout.Sync.towns(tenant)).size();
    }

    /** How many federations the tenant has (keys only). */
    public int federationCount(String tenant) {
        return list(BucketLayout.Sync.federations(tenant)).size();
    }

    public void deleteTown(String tenant, String town) {
        delete(townKey(tenant, town));
        list(BucketLayout.Sync.ledger(tenant, town)).forEach(this::delete);
    }

    public Optional<Model.FederationView> federation(String tenant, String name) {
        return read(federationKey(tenant, name), Model.FederationView.class);
    }

    public void putFederation(String tenant, Model.FederationView federation) {
        write(federationKey(tenant, federation.name()), federation.withLastRound(null));
    }

    /** The results of the federation's last round, if it had one. */
    public Optional<Model.LastRound> lastRound(String tenant, String federation) {
        return read(BucketLayout.Sync.lastRound(tenant, federation), Model.LastRound.class);
    }

    public void putLastRound(String tenant, String federation, Model.LastRound round) {
        write(BucketLayout.Sync.lastRound(tenant, federation), round);
    }

    /** Deletes the federation and its round state ({@link dev.meldtown.sync.service.internal.RoundLease}). */
    public void deleteFederation(String tenant, String name) {
        delete(federationKey(tenant, name));
        delete(BucketLayout.Sync.lastRound(tenant, name));
        delete(dev.meldtown.sync.service.internal.RoundLease.key(tenant, name));
        list(dev.meldtown.sync.service.internal.RoundLease.claimsPrefix(tenant, name)).forEach(this::delete);
    }

    public List<Model.FederationView> federations(String tenant) {
        List<Model.FederationView> out = new ArrayList<>();
        for (String key : list(BucketLayout.Sync.federations(tenant))) {
            read(key, Model.FederationView.class).ifPresent(out::add);
        }
        return out;
    }

    /** Whether a {@code sync.requested} with this id was already executed (consumers are idempotent). */
    public boolean requestSeen(String tenant, String requestId) {
        return read(requestKey(tenant, requestId), Map.class).isPresent();
    }

    public void markRequest(String tenant, String requestId) {
        write(requestKey(tenant, requestId), Map.of("requestId", requestId, "executedAt", java.time.Instant.now().toString()));
    }

    static String requestKey(String tenant, String requestId) {
        return BucketLayout.Sync.request(tenant, requestId);
    }

    public List<String> tenants() {
        List<String> out = new ArrayList<>();
        var response = s3.listObjectsV2(b -> b.bucket(s3Config.bucket()).prefix(BucketLayout.Sync.TENANTS).delimiter("/"));
        response.commonPrefixes().forEach(p -> {
            String tenant = BucketLayout.Sync.tenantOf(p.prefix());
            if (tenant != null) {
                out.add(tenant);
            }
        });
        return out;
    }

    /** The bookkeeping of one tenant's syncs, kept next to the registry. */
    public SyncLedger ledger(String tenant) {
        return new SyncLedger() {
            @Override
            public void record(String town, String peer, Payloads.SyncResult result) {
                var old = get(town, peer).orElse(null);
                write(ledgerKey(tenant, town, peer), SyncLedger.next(old, result));
                String prefix = BucketLayout.Sync.history(tenant, town, peer);
                write(prefix + historyName(result), result);
                pruneHistory(prefix);
            }

            @Override
            public Optional<Entry> get(String town, String peer) {
                return read(ledgerKey(tenant, town, peer), Entry.class);
            }

            @Override
            public List<Payloads.SyncResult> history(String town, String peer, int limit) {
                List<Payloads.SyncResult> out = new ArrayList<>();
                var page = s3.listObjectsV2(b -> b.bucket(s3Config.bucket()).prefix(BucketLayout.Sync.history(tenant, town, peer))
                        .maxKeys(Math.max(1, Math.min(limit, 1000))));
                for (var o : page.contents()) {
                    // pruned between the listing and the read: skipped
                    read(o.key(), Payloads.SyncResult.class).ifPresent(out::add);
                }
                return out;
            }

            @Override
            public void keepConflicts(String town, String peer, KeptConflicts kept) {
                write(BucketLayout.Sync.conflicts(tenant, town, peer), kept);
            }

            @Override
            public Optional<KeptConflicts> conflicts(String town, String peer) {
                return read(BucketLayout.Sync.conflicts(tenant, town, peer), KeptConflicts.class);
            }

            @Override
            public void clearConflicts(String town, String peer) {
                delete(BucketLayout.Sync.conflicts(tenant, town, peer));
            }

            @Override
            public void forget(String town, String peer) {
                delete(ledgerKey(tenant, town, peer));
                delete(BucketLayout.Sync.conflicts(tenant, town, peer));
                list(BucketLayout.Sync.history(tenant, town, peer)).forEach(Registry.this::delete);
            }
        };
    }

    /**
     * A history object's name: the end time counted down from {@link Long#MAX_VALUE} milliseconds, so S3's
     * lexicographic listing gives the newest first, plus a random part (two results in one millisecond).
     */
    static String historyName(Payloads.SyncResult result) {
        long millis = result.endTime() == null ? System.currentTimeMillis() : result.endTime().toEpochMilli();
        return String.format("%019d-%s.json", Long.MAX_VALUE - millis, UUID.randomUUID().toString().substring(0, 8));
    }

    /** Deletes the oldest results beyond {@code meldtown.sync-ledger.history-per-peer}. */
    private void pruneHistory(String prefix) {
        List<String> keys = list(prefix);
        for (int i = historyPerPeer; i < keys.size(); i++) {
            delete(keys.get(i));
        }
    }

    /** How many past results are kept per (town, peer); {@code GET …/syncs?limit=} goes up to this. */
    public int historyPerPeer() {
        return historyPerPeer;
    }

    private <T> Optional<T> read(String key, Class<T> type) {
        try {
            byte[] bytes = s3.getObjectAsBytes(b -> b.bucket(s3Config.bucket()).key(key)).asByteArray();
            return Optional.of(JSON.readValue(bytes, type));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable " + key, e);
        }
    }

    private void write(String key, Object value) {
        try {
            byte[] bytes = JSON.writeValueAsBytes(value);
            s3.putObject(b -> b.bucket(s3Config.bucket()).key(key).contentType("application/json"), RequestBody.fromBytes(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Removes everything the registry keeps of a tenant (issue 14): towns (with their peers and encrypted
     * credentials), ledger and sync history, kept conflicts, federations, their schedules, claims and last rounds, and
     * the executed request ids; a page of at most 1,000 keys per S3 DeleteObjects request, until the tenant's prefix
     * is empty. Idempotent: a deletion cut short is finished by asking again. Returns how many objects were removed.
     */
    public long deleteTenant(String tenant) {
        String prefix = BucketLayout.Sync.tenant(tenant);
        long removed = 0;
        while (true) {
            var page = s3.listObjectsV2(b -> b.bucket(s3Config.bucket()).prefix(prefix).maxKeys(1000));
            if (page.contents().isEmpty()) {
                return removed;
            }
            var ids = page.contents().stream()
                    .map(o -> software.amazon.awssdk.services.s3.model.ObjectIdentifier.builder().key(o.key()).build()).toList();
            var r = s3.deleteObjects(b -> b.bucket(s3Config.bucket()).delete(d -> d.objects(ids).quiet(true)));
            if (r.hasErrors() && !r.errors().isEmpty()) {
                throw new IllegalStateException("S3 did not delete " + r.errors().size() + " registry objects of tenant " + tenant
                        + ", e.g. " + r.errors().get(0).key() + ": " + r.errors().get(0).message());
            }
            removed += ids.size();
        }
    }

    private void delete(String key) {
        s3.deleteObject(b -> b.bucket(s3Config.bucket()).key(key));
    }

    private List<String> list(String prefix) {
        List<String> keys = new ArrayList<>();
        s3.listObjectsV2Paginator(b -> b.bucket(s3Config.bucket()).prefix(prefix))
                .contents().forEach(o -> keys.add(o.key()));
        return keys;
    }
}
