package dev.meldtown.sync.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meldtown.events.EventCodec;
import dev.meldtown.events.Payloads;
import dev.meldtown.service.S3Config;
import dev.meldtown.storage.s3.BucketLayout;
import dev.meldtown.sync.federation.SyncLedger;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
        write(federationKey(tenant, federation.name()), federation);
    }

    /** Deletes the federation and its round state ({@link dev.meldtown.sync.service.internal.RoundLease}). */
    public void deleteFederation(String tenant, String name) {
        delete(federationKey(tenant, name));
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
            }

            @Override
            public Optional<Entry> get(String town, String peer) {
                return read(ledgerKey(tenant, town, peer), Entry.class);
            }

            @Override
            public void forget(String town, String peer) {
                delete(ledgerKey(tenant, town, peer));
            }
        };
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
