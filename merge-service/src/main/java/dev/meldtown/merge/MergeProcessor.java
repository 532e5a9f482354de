package dev.meldtown.merge;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.meldtown.crdt.DeltaBlock;
import dev.meldtown.crdt.Replica;
import dev.meldtown.events.EventCodec;
import dev.meldtown.events.EventType;
import dev.meldtown.events.Payloads;
import dev.meldtown.events.Topics;
import dev.meldtown.model.DocRef;
import dev.meldtown.model.DocumentSettings;
import dev.meldtown.model.ReplicaRef;
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
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The work behind one consumed event, made durable in S3 before it returns (the consumer commits the offset only
 * then):
 * <ul>
 *   <li>{@code merge.requested}: meld {@code source} into {@code target} (full listing reconciliation), apply the
 *       document's conflict policy to the target, emit {@code merge.completed};</li>
 *   <li>{@code block.committed}: meld the announced block from its replica into the hub (only the block and its
 *       packs when its parents are there), apply the conflict policy to the hub, store a read checkpoint of the
 *       hub, then meld the hub into every other replica of the document (its anchors, same shortcut); one
 *       {@code merge.completed} per meld.</li>
 * </ul>
 * The outcome is stored ({@code merges/<sha256 of requestId>.json}) before it is emitted; a redelivered event
 * finds it, copies nothing and emits the same results again. {@code resolve-to-winner} commits the resolve on the
 * target with author {@code meldtown-merge} and announces the new block itself ({@code block.committed} on
 * {@code meldtown.blocks}, CloudEvents source {@code /meldtown/merge}). Other event types on the topics (the
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
    Melder melder;

    @Inject
    Replicas replicas;

    @Inject
    Publisher publisher;

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
                    yield blockCommitted(data);
                }
                case MERGE_REQUESTED -> {
                    Payloads.MergeRequested data = EventCodec.data(event, Payloads.MergeRequested.class);
                    checkKey(key, data.tenant(), data.doc());
                    yield mergeRequested(data);
                }
                default -> List.of();
            };
        } catch (EventCodec.InvalidEventException e) {
            throw new Poison("invalid-event", e.getMessage());
        }
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
            if (!melder.hasFiles(req.tenant(), req.doc(), req.source(), settings.flate())) {
                throw new Poison("unknown-replica", "replica " + req.source() + " of " + req.tenant() + "/" + req.doc() + " holds no files");
            }
            long start = System.nanoTime();
            Melder.Copied copied = melder.meldAll(req.tenant(), req.doc(), settings.flate(), req.source(), req.target(), false);
            Payloads.MergeCompleted result = settle(req.tenant(), req.doc(), settings, req.source(), req.target(), req.requestId(),
                    copied, null, true, start);
            return finish(req.tenant(), req.doc(), req.requestId(), List.of(result));
        } catch (Poison p) {
            failed(req.tenant(), req.doc(), req.source(), req.target(), req.requestId(), p);
            throw p;
        }
    }

    private List<Payloads.MergeCompleted> blockCommitted(Payloads.BlockCommitted e) {
        String hub = config.hub();
        String requestId = "block:" + e.replica() + ":" + e.block();
        try {
            DocumentSettings settings = settings(e.tenant(), e.doc());
            List<Payloads.MergeCompleted> stored = storedResults(e.tenant(), e.doc(), requestId);
            if (stored != null) {
                return emit(e.tenant(), e.doc(), stored);
            }
            if (!bucket.files(ReplicaRef.of(e.tenant(), e.doc(), e.replica())).exists(BucketLayout.stored(e.block() + ".delta", settings.flate()))) {
                throw new Poison("missing-objects", "block " + e.block() + " is not stored in replica " + e.replica()
                        + " of " + e.tenant() + "/" + e.doc());
            }
            List<Payloads.MergeCompleted> results = new ArrayList<>();
            long start = System.nanoTime();
            Melder.Copied intoHub = melder.meldTips(e.tenant(), e.doc(), settings.flate(), e.replica(), hub,
                    List.of(new Melder.Tip(e.block(), e.parents(), e.packs())));
            results.add(settle(e.tenant(), e.doc(), settings, e.replica(), hub, requestId, intoHub, List.of(e.block()), true, start));
            List<Melder.Tip> tips = replicas.with(e.tenant(), e.doc(), hub, settings.flate(), List.of(), r -> r.anchors().stream()
                    .map(a -> {
                        DeltaBlock b = r.block(a);
                        return new Melder.Tip(a, b.parents(), b.packs());
                    }).toList());
            for (String other : bucket.replicas(e.tenant(), e.doc())) {
                if (other.equals(hub)) {
                    continue;
                }
                long s = System.nanoTime();
                Melder.Copied out = melder.meldTips(e.tenant(), e.doc(), settings.flate(), hub, other, tips);
                results.add(settle(e.tenant(), e.doc(), settings, hub, other, requestId, out,
                        tips.stream().map(Melder.Tip::id).toList(), false, s));
            }
            return finish(e.tenant(), e.doc(), requestId, results);
        } catch (Poison p) {
            failed(e.tenant(), e.doc(), e.replica(), hub, requestId, p);
            throw p;
        }
    }

    /**
     * After the copy: conflicts of the target, the policy (when asked), the hub's checkpoint, metrics.
     *
     * @param added the blocks the meld brought (the target is refreshed with them), or null after a listing meld
     */
    private Payloads.MergeCompleted settle(String tenant, String doc, DocumentSettings settings, String source, String target,
                                           String requestId, Melder.Copied copied, List<String> added, boolean applyPolicy,
                                           long start) {
        boolean isHub = target.equals(config.hub());
        record State(List<String> anchors, List<String> conflictIds, boolean resolved, Optional<DeltaBlock> resolve) {
        }
        State state = replicas.with(tenant, doc, target, settings.flate(), copied.reconciled() ? null : added, r -> {
            ConflictSettlement.Outcome outcome = ConflictSettlement.settle(r, settings, applyPolicy);
            if (isHub) {
                replicas.checkpoint(tenant, doc, target, r);
            }
            return new State(r.anchors(), outcome.conflictIds(), outcome.resolved(), outcome.resolve());
        });
        state.resolve().ifPresent(b -> announce(tenant, doc, target, b));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        metrics.meld(took, copied.bytes(), copied.keys().size());
        if (copied.reconciled()) {
            LOG.infof("%s/%s: %s into %s needed a full reconciliation (a parent was missing)", tenant, doc, source, target);
        }
        return new Payloads.MergeCompleted(tenant, doc, source, target, requestId, copied.keys(), state.anchors(),
                state.conflictIds().size(), state.conflictIds(), state.resolved(), took.toMillis());
    }

    private void announce(String tenant, String doc, String replica, DeltaBlock b) {
        var data = new Payloads.BlockCommitted(tenant, doc, replica, b.id(), b.parents().stream().sorted().toList(),
                b.packs().stream().sorted().toList(), b.bytes().length);
        publisher.publish(EventType.BLOCK_COMMITTED, EventType.Sources.MERGE, tenant, doc, data);
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
        try {
            bucket.put(BucketLayout.result(DocRef.of(tenant, doc), sha256(requestId)), EventCodec.mapper().writeValueAsBytes(results));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return emit(tenant, doc, results);
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
