package dev.meldtown.merge;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.meldtown.crdt.DeltaBlock;
import dev.meldtown.crdt.MeldResult;
import dev.meldtown.crdt.MissingKeyException;
import dev.meldtown.crdt.Replica;
import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.events.EventCodec;
import dev.meldtown.events.EventType;
import dev.meldtown.events.Payloads;
import dev.meldtown.events.Topics;
import dev.meldtown.model.DocRef;
import dev.meldtown.model.DocumentSettings;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.model.Scope;
import dev.meldtown.service.Deletions;
import dev.meldtown.service.BlockOutbox;
import dev.meldtown.storage.s3.BucketLayout;
import io.cloudevents.CloudEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The work behind one consumed event, made durable in S3 before it returns (the consumer commits the offset only
 * then):
 * <ul>
 *   <li>{@code merge.requested}: meld {@code source} into {@code target} (full listing reconciliation), apply the
 *       document's conflict policy to the target, emit {@code merge.completed};</li>
 *   <li>{@code block.committed}: meld the announced block from its replica into the hub (only the block and its
 *       packs when its parents are there), apply the conflict policy to the hub and emit its {@code merge.completed}
 *       at once, then meld the hub into every other replica of the document (its anchors, same shortcut), store a read
 *       checkpoint of each replica melded into; one {@code merge.completed} per meld.</li>
 * </ul>
 * The outcome is stored ({@code merges/<sha256 of requestId>.json}) before the consumer commits the offset, and before
 * any result but the hub's is emitted; a redelivered event finds it, copies nothing and emits the same results again.
 * (After a crash between the hub's result and the stored outcome, the redelivery melds again, finds the block in the
 * hub, and emits the hub's result a second time with nothing copied: consumers are idempotent, per the contract.) {@code resolve-to-winner} commits the resolve on the
 * target with author {@code meldtown-merge} and announces the new block through the block outbox
 * ({@link ResolveAnnouncer}: {@code block.committed} on {@code meldtown.blocks}, CloudEvents source {@code /meldtown/merge}). Other event types on the topics (the
 * service's own {@code merge.completed}/{@code merge.failed}) are ignored.
 */
@ApplicationScoped
public class MergeProcessor {
    public static final String AUTHOR = "meldtown-merge";
    private static final Logger LOG = Logger.getLogger(MergeProcessor.class);
    private static final TypeReference<List<Payloads.MergeCompleted>> RESULTS = new TypeReference<>() {
    };

    @Inject
    Bucket bucket;

    @Inject
    Replicas replicas;

    @Inject
    Deletions deletions;

    @Inject
    Publisher publisher;

    @Inject
    ResolveAnnouncer announcer;

    @Inject
    MergeConfig config;

    @Inject
    MergeMetrics metrics;

    /**
     * Processes one record. Its key must be the payload's scope ({@code tenant/doc}, {@link Topics#key}): a record
     * keyed for one document whose payload names another (another tenant, say) is poison ({@code key-mismatch}) and
     * nothing is done, nor any {@code merge.failed} emitted, for the document its payload names.
     *
     * @return the results emitted (empty for an ignored event type)
     * @throws Poison if the event can never be processed (after emitting {@code merge.failed} when it names a doc)
     */
    public List<Payloads.MergeCompleted> process(String key, byte[] value) {
        CloudEvent event;
        try {
            event = EventCodec.decode(value);
        } catch (EventCodec.InvalidEventException e) {
            throw new Poison("invalid-event", e.getMessage());
        }
        EventType type = EventType.of(event.getType()).orElseThrow();
        try {
            return switch (type) {
                case BLOCK_COMMITTED -> {
                    Payloads.BlockCommitted data = EventCodec.data(event, Payloads.BlockCommitted.class);
                    checkKey(key, data.tenant(), data.doc());
                    yield deleted(data.tenant(), data.doc(), data.replica()) ? List.of() : blockCommitted(data);
                }
                case MERGE_REQUESTED -> {
                    Payloads.MergeRequested data = EventCodec.data(event, Payloads.MergeRequested.class);
                    checkKey(key, data.tenant(), data.doc());
                    yield deleted(data.tenant(), data.doc(), data.source()) || deleted(data.tenant(), data.doc(), data.target())
                            ? List.of() : mergeRequested(data);
                }
                case DOC_DELETED -> {
                    Payloads.DocDeleted data = EventCodec.data(event, Payloads.DocDeleted.class);
                    checkKey(key, data.tenant(), data.doc());
                    replicas.evict(data.tenant(), data.doc());
                    yield List.of();
                }
                case REPLICA_DELETED -> {
                    Payloads.ReplicaDeleted data = EventCodec.data(event, Payloads.ReplicaDeleted.class);
                    checkKey(key, data.tenant(), data.doc());
                    replicas.evict(data.tenant(), data.doc()); // the hub melded into it: the document's cache goes
                    yield List.of();
                }
                default -> List.of();
            };
        } catch (EventCodec.InvalidEventException e) {
            throw new Poison("invalid-event", e.getMessage());
        }
    }

    /**
     * A late event about a deleted tenant, document or replica (issue 14, block-store's tombstones): skipped, neither
     * processed (nothing is written back under the deleted prefix) nor dead-lettered; the loaded replicas go.
     */
    private boolean deleted(String tenant, String doc, String replica) {
        ReplicaRef ref;
        try {
            ref = ReplicaRef.of(tenant, doc, replica);
        } catch (dev.meldtown.model.InvalidNameException e) {
            return false; // the processing refuses it as it always did
        }
        if (deletions.deleted(Scope.of(ref)) == null) {
            return false;
        }
        LOG.debugf("skipping an event of deleted %s", ref);
        replicas.evict(tenant, doc);
        return true;
    }

    private static void checkKey(String key, String tenant, String doc) {
        String expected = Topics.key(tenant, doc);
        if (!expected.equals(key)) {
            throw new Poison("key-mismatch", "the record key '" + key + "' is not the payload's scope '" + expected + "'");
        }
    }

    private List<Payloads.MergeCompleted> mergeRequested(Payloads.MergeRequested req) {
        try {
            DocumentSettings settings = settings(req.tenant(), req.doc());
            List<Payloads.MergeCompleted> stored = storedResults(req.tenant(), req.doc(), req.requestId());
            if (stored != null) {
                return emit(req.tenant(), req.doc(), stored);
            }
            ReplicaStorage source = replicas.storage(ReplicaRef.of(req.tenant(), req.doc(), req.source()), settings.flate());
            if (source.listPage("", null, 1).isEmpty()) {
                throw new Poison("unknown-replica", "replica " + req.source() + " of " + req.tenant() + "/" + req.doc() + " holds no files");
            }
            long start = System.nanoTime();
            Payloads.MergeCompleted result = replicas.with(ReplicaRef.of(req.tenant(), req.doc(), req.target()), settings.flate(), target -> {
                Payloads.MergeCompleted settled = settle(req.tenant(), req.doc(), settings, req.source(), req.target(), req.requestId(), target,
                        req.source().equals(req.target()) ? nothing(target) : target.meld(source), true, start);
                replicas.checkpoint(req.tenant(), req.doc(), req.target(), target);
                return settled;
            });
            return finish(req.tenant(), req.doc(), req.requestId(), List.of(result));
        } catch (Poison p) {
            failed(req.tenant(), req.doc(), req.source(), req.target(), req.requestId(), p);
            throw p;
        }
    }

    /**
     * Melds the announced block from its replica into the hub (crdt {@link Replica#meld(ReplicaStorage, java.util.Collection)}:
     * the block and its packs, read once and applied from those bytes), settles the hub, then melds the hub's anchors
     * into every other replica from the loaded hub ({@link Replica#meld(Replica, java.util.Collection)}: nothing the
     * hub holds is read again; a replica that already has them costs nothing).
     */
    private List<Payloads.MergeCompleted> blockCommitted(Payloads.BlockCommitted e) {
        String hubName = config.hub();
        String requestId = "block:" + e.replica() + ":" + e.block();
        try {
            DocumentSettings settings = settings(e.tenant(), e.doc());
            List<Payloads.MergeCompleted> stored = storedResults(e.tenant(), e.doc(), requestId);
            if (stored != null) {
                return emit(e.tenant(), e.doc(), stored);
            }
            long start = System.nanoTime();
            ReplicaStorage origin = replicas.storage(ReplicaRef.of(e.tenant(), e.doc(), e.replica()), settings.flate());
            List<Payloads.MergeCompleted> results = replicas.with(ReplicaRef.of(e.tenant(), e.doc(), hubName), settings.flate(), hub -> {
                List<Payloads.MergeCompleted> out = new ArrayList<>();
                MeldResult in = e.replica().equals(hubName) ? refreshed(hub, e.block()) : meld(hub, origin, e);
                requireSound(hub, e);
                Payloads.MergeCompleted intoHub = settle(e.tenant(), e.doc(), settings, e.replica(), hubName, requestId, hub, in, true, start);
                out.add(intoHub);
                // the hub holds the block now: say so at once; the fan-out, the checkpoints and the stored outcome follow
                emit(e.tenant(), e.doc(), List.of(intoHub));
                List<String> tips = hub.anchors();
                List<Replicas.Due> checkpoints = new ArrayList<>(); // stored together once every target is melded
                // a deleted replica whose objects are still being removed gets nothing melded into it
                List<String> others = bucket.replicas(e.tenant(), e.doc()).stream().filter(r -> !r.equals(hubName))
                        .filter(r -> deletions.deleted(Scope.of(ReplicaRef.of(e.tenant(), e.doc(), r))) == null).toList();
                for (String other : others) {
                    long s = System.nanoTime();
                    ReplicaRef target = ReplicaRef.of(e.tenant(), e.doc(), other);
                    // the announced block and its packs are in the replica it came from: nothing to offer there
                    List<String> knownThere = other.equals(e.replica()) ? announced(e) : List.of();
                    Optional<MeldResult> mirrored = replicas.mirror(target, settings.flate(), hub, tips, knownThere);
                    if (mirrored.isPresent()) {
                        // it holds exactly the hub's blocks now: it reads as the hub does
                        out.add(settle(e.tenant(), e.doc(), settings, hubName, other, requestId, hub, mirrored.get(), false, s));
                        due(checkpoints, replicas.due(e.tenant(), e.doc(), other, hub));
                        continue;
                    }
                    out.add(replicas.with(target, settings.flate(), r -> {
                        Payloads.MergeCompleted settled = settle(e.tenant(), e.doc(), settings, hubName, other, requestId, r, r.meld(hub, tips), false, s);
                        due(checkpoints, replicas.due(e.tenant(), e.doc(), other, r));
                        return settled;
                    }));
                }
                due(checkpoints, replicas.due(e.tenant(), e.doc(), hubName, hub));
                replicas.store(checkpoints);
                return out;
            });
            store(e.tenant(), e.doc(), requestId, results);
            emit(e.tenant(), e.doc(), results.subList(1, results.size()));
            return results;
        } catch (Poison p) {
            failed(e.tenant(), e.doc(), e.replica(), hubName, requestId, p);
            throw p;
        }
    }

    private static void due(List<Replicas.Due> checkpoints, Replicas.Due due) {
        if (due != null) {
            checkpoints.add(due);
        }
    }

    /** The files of an announced block: its delta and its packs (which its replica held when it was announced). */
    private static List<String> announced(Payloads.BlockCommitted e) {
        List<String> files = new ArrayList<>();
        files.add(e.block() + ".delta");
        e.packs().forEach(p -> files.add(p + ".pack"));
        return files;
    }

    private static MeldResult meld(Replica hub, ReplicaStorage origin, Payloads.BlockCommitted e) {
        try {
            return hub.meld(origin, List.of(e.block()));
        } catch (MissingKeyException m) {
            throw new Poison("missing-objects", m.getMessage() + ": not stored in replica " + e.replica() + " of " + e.tenant() + "/" + e.doc()
                    + " (block " + e.block() + ")");
        }
    }

    /**
     * The announced block was applied, or waits for a parent or pack still to come; a block whose delta, or a pack
     * it names, is corrupt where it was read (written into the bucket past block-store, which checks every hash)
     * can never be, and is poison: {@code merge.failed} and the dead-letter topic say so, where a
     * {@code merge.completed} would say the block was melded.
     */
    private static void requireSound(Replica hub, Payloads.BlockCommitted e) {
        if (hub.appliedBlocks().contains(e.block())) {
            return;
        }
        Map<String, String> corrupt = hub.corruptFiles();
        for (String key : announced(e)) {
            String why = corrupt.get(key);
            if (why != null) {
                throw new Poison("corrupt-block", key + " in replica " + e.replica() + " of " + e.tenant() + "/" + e.doc() + " is corrupt ("
                        + why + "): block " + e.block() + " cannot be melded");
            }
        }
    }

    /** A block stored straight into the hub: nothing to copy, the hub loads it from its own storage. */
    private static MeldResult refreshed(Replica hub, String block) {
        return new MeldResult(List.of(), 0, false, hub.refresh(List.of(block)));
    }

    private static MeldResult nothing(Replica target) {
        return new MeldResult(List.of(), 0, false, target.refresh(List.of()));
    }

    /**
     * After a meld into {@code target} (loaded): its conflicts, the policy (when asked; a resolve block is announced
     * through the outbox, its intent stored before its delta), metrics. The caller writes the checkpoint.
     */
    private Payloads.MergeCompleted settle(String tenant, String doc, DocumentSettings settings, String source, String name,
                                           String requestId, Replica target, MeldResult meld, boolean applyPolicy, long start) {
        ReplicaRef ref = ReplicaRef.of(tenant, doc, name);
        List<BlockOutbox.Intent> intents = new ArrayList<>();
        ConflictSettlement.Outcome outcome = ConflictSettlement.settle(target, settings, applyPolicy, b -> intents.add(announcer.intend(ref, b)));
        intents.forEach(announcer::announce);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        metrics.meld(tenant, took, meld.bytes(), meld.copied().size());
        if (meld.listed()) {
            LOG.infof("%s/%s: %s into %s needed a full reconciliation (a parent was missing)", tenant, doc, source, name);
        }
        return new Payloads.MergeCompleted(tenant, doc, source, name, requestId, meld.copied(), target.anchors(),
                outcome.conflictIds().size(), outcome.conflictIds(), outcome.resolved(), took.toMillis());
    }

    private DocumentSettings settings(String tenant, String doc) {
        DocumentSettings s = bucket.settingsOrNull(tenant, doc);
        if (s == null) {
            throw new Poison("unknown-doc", "no document " + tenant + "/" + doc);
        }
        return s;
    }

    private List<Payloads.MergeCompleted> storedResults(String tenant, String doc, String requestId) {
        byte[] json = bucket.getOrNull(BucketLayout.result(DocRef.of(tenant, doc), sha256(requestId)));
        if (json == null) {
            return null;
        }
        try {
            return EventCodec.mapper().readValue(json, RESULTS);
        } catch (IOException e) {
            LOG.warnf("unreadable stored result of %s in %s/%s, doing the work again: %s", requestId, tenant, doc, e.getMessage());
            return null;
        }
    }

    /** Stores the outcome (durable), then emits it. */
    private List<Payloads.MergeCompleted> finish(String tenant, String doc, String requestId, List<Payloads.MergeCompleted> results) {
        store(tenant, doc, requestId, results);
        return emit(tenant, doc, results);
    }

    /** Stores an event's outcome: a redelivery finds it, copies nothing and emits the same results again. */
    private void store(String tenant, String doc, String requestId, List<Payloads.MergeCompleted> results) {
        try {
            bucket.put(BucketLayout.result(DocRef.of(tenant, doc), sha256(requestId)), EventCodec.mapper().writeValueAsBytes(results));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<Payloads.MergeCompleted> emit(String tenant, String doc, List<Payloads.MergeCompleted> results) {
        for (Payloads.MergeCompleted r : results) {
            publisher.publish(EventType.MERGE_COMPLETED, tenant, doc, r);
        }
        return results;
    }

    private void failed(String tenant, String doc, String source, String target, String requestId, Poison p) {
        var data = new Payloads.MergeFailed(tenant, doc, source, target, requestId, new Payloads.Error(p.category(), p.reason()));
        publisher.publish(EventType.MERGE_FAILED, tenant, doc, data);
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
