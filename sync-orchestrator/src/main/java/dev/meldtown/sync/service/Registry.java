package dev.meldtown.sync.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meldtown.events.EventCodec;
import dev.meldtown.events.Payloads;
import dev.meldtown.service.S3Config;
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
        return "sync/tenants/" + tenant + "/towns/" + town + ".json";
    }

    static String ledgerKey(String tenant, String town, String peer) {
        return "sync/tenants/" + tenant + "/ledger/" + town + "/" + peer + ".json";
    }

    static String federationKey(String tenant, String name) {
        return "sync/tenants/" + tenant + "/federations/" + name + ".json";
    }

    public Optional<Model.StoredTown> town(String tenant, String town) {
        return read(townKey(tenant, town), Model.StoredTown.class);
    }

    public void putTown(String tenant, Model.StoredTown town) {
        write(townKey(tenant, town.name()), town);
    }

    public List<Model.StoredTown> towns(String tenant) {
        List<Model.StoredTown> out = new ArrayList<>();
        for (String key : list("sync/tenants/" + tenant + "/towns/")) {
            read(key, Model.StoredTown.class).ifPresent(out::add);
        }
        return out;
    }

    /** How many towns the tenant has registered (keys only; nothing is read). */
    public int townCount(String tenant) {
        return list("sync/tenants/" + tenant + "/towns/").size();
    }

    /** How many federations the tenant has (keys only). */
    public int federationCount(String tenant) {
        return list("sync/tenants/" + tenant + "/federations/").size();
    }

    public void deleteTown(String tenant, String town) {
        delete(townKey(tenant, town));
        list("sync/tenants/" + tenant + "/ledger/" + town + "/").forEach(this::delete);
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
        for (String key : list("sync/tenants/" + tenant + "/federations/")) {
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
        String safe = requestId.replaceAll("[^A-Za-z0-9._-]", "_");
        return "sync/tenants/" + tenant + "/requests/" + safe + ".json";
    }

    public List<String> tenants() {
        List<String> out = new ArrayList<>();
        var response = s3.listObjectsV2(b -> b.bucket(s3Config.bucket()).prefix("sync/tenants/").delimiter("/"));
        response.commonPrefixes().forEach(p -> out.add(p.prefix().substring("sync/tenants/".length()).replace("/", "")));
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
