package dev.meldtown.blockstore.internal;

import dev.meldtown.events.EventType;
import dev.meldtown.events.Payloads;
import dev.meldtown.model.DocRef;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.model.Scope;
import dev.meldtown.service.Deletions;
import dev.meldtown.service.EventPublisher;
import dev.meldtown.service.KafkaReadinessCheck;
import dev.meldtown.service.ProblemException;
import dev.meldtown.service.S3Config;
import dev.meldtown.service.Workers;
import dev.meldtown.storage.s3.BucketLayout;
import dev.meldtown.storage.s3.BucketListings;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;

/**
 * Deleting a tenant, a document or a replica (issue 14). {@link #request} writes the tombstone (every later read or
 * write of the scope answers 410 at once) and answers; the removal worker then, for each pending deletion older than
 * {@code meldtown.block-store.deletions.delay} (so that every instance's tombstone cache has seen it), lists each
 * prefix of the scope ({@link BucketLayout.Deletions#prefixes}) a page of at most 1,000 keys at a time and removes
 * the page with one S3 DeleteObjects request, until every prefix is empty; then it publishes {@code replica.deleted},
 * or {@code doc.deleted} for the document (for a tenant: for each document it held), waits for Kafka's
 * acknowledgement, and only then marks the tombstone done. Everything it has to know is in the bucket (the pending
 * entry, the prefixes), so a crash or restart at any point resumes where it stopped: removed objects stay removed,
 * the rest is listed again, and the events are published again at worst (consumers are idempotent).
 */
@ApplicationScoped
public class ScopeDeletions {
    private static final Logger LOG = Logger.getLogger(ScopeDeletions.class);
    /** Identity of the removal worker's job in Quarkus's scheduler. */
    public static final String JOB = "meldtown-deletions";
    /** S3 DeleteObjects takes at most 1,000 keys. */
    static final int BATCH = 1000;

    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    @Inject
    Deletions deletions;

    @Inject
    Documents documents;

    @Inject
    EventPublisher events;

    @Inject
    @Readiness
    KafkaReadinessCheck kafka;

    @Inject
    Workers workers;

    @Inject
    MeterRegistry registry;

    @Inject
    Quotas quotas;

    @Inject
    KnownPacks knownPacks;

    /** merge-service's hub replica: it serves the document's merges and read checkpoints, so it goes only with its document. */
    @ConfigProperty(name = "meldtown.block-store.hub", defaultValue = "hub")
    String hub;

    @ConfigProperty(name = "meldtown.block-store.deletions.delay", defaultValue = "PT5S")
    Duration delay;

    @ConfigProperty(name = "meldtown.block-store.deletions.max-silence", defaultValue = "PT5M")
    Duration maxSilence;

    private Workers.Heartbeat worker;

    @PostConstruct
    void init() {
        worker = workers.register("deletion worker", maxSilence);
    }

    /** What a deletion answers: the scope and where its removal stands. */
    public record Accepted(String scope, String tenant, String doc, String replica, String state, Instant requestedAt, Instant doneAt) {
    }

    /**
     * Accepts the deletion of {@code scope} by {@code caller}: 404 for a document or replica that holds nothing, 410
     * when a scope containing it is already deleted, 409 for the hub replica (it goes with its document); deleting the
     * same scope again answers its current state.
     */
    public Accepted request(Scope scope, String caller) {
        Deletions.Tombstone existing = deletions.deleted(scope);
        if (existing != null) {
            if (existing.toScope().equals(scope)) {
                return accepted(existing);
            }
            deletions.requireAlive(scope); // a wider scope is gone: 410
        }
        if (scope.isReplica() && scope.replica().value().equals(hub)) {
            throw new ProblemException(409, "hub-replica", "The hub replica cannot be deleted alone",
                    "replica " + hub + " is the merge-service's hub of document " + scope.docRef() + "; delete the document instead");
        }
        if (scope.isDoc() && !documents.exists(scope.tenant().value(), scope.doc().value())) {
            throw new ProblemException(404, "not-found", "Not Found", "no document " + scope.doc() + " in tenant " + scope.tenant());
        }
        if (scope.isReplica() && !documents.replicas(scope.tenant().value(), scope.doc().value()).contains(scope.replica().value())) {
            throw new ProblemException(404, "not-found", "Not Found", "no replica " + scope.replica() + " in document " + scope.docRef());
        }
        Deletions.Tombstone t = deletions.request(scope, caller);
        documents.forget(scope);
        knownPacks.forgetAll();
        registry.counter("meldtown.block.store.deletions", "scope", scope.kind(), "state", "requested").increment();
        return accepted(t);
    }

    private static Accepted accepted(Deletions.Tombstone t) {
        return new Accepted(t.scope(), t.tenant(), t.doc(), t.replica(), t.doneAt() == null ? "pending" : "done", t.requestedAt(), t.doneAt());
    }

    @Scheduled(identity = JOB, every = "${meldtown.block-store.deletions.every:2s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, delayed = "3s")
    void run() {
        try {
            Instant due = Instant.now().minus(delay);
            for (Deletions.Tombstone t : deletions.pending()) {
                worker.beat();
                if (t.requestedAt() != null && t.requestedAt().isAfter(due)) {
                    continue;
                }
                remove(t);
            }
        } catch (RuntimeException e) {
            LOG.warnf("deletion worker: %s (retried on its next run)", e.getMessage());
        } finally {
            worker.beat();
        }
    }

    /** Removes one scope's objects, announces it, and marks it done; resumable at any point. */
    void remove(Deletions.Tombstone pending) {
        Scope scope = pending.toScope();
        Deletions.Tombstone t = pending;
        if (scope.isTenant() && t.docs() == null) {
            // the documents to announce, noted before any is removed, so a restart still announces each
            t = t.withDocs(BucketListings.docs(s3, s3Config.bucket(), scope.tenant().value()));
            deletions.updatePending(t);
        }
        if (!scope.isTenant()) {
            quotas.noteRelease(scope); // what the quota gets back, counted before anything is removed
        }
        long removed = 0;
        for (String prefix : BucketLayout.Deletions.prefixes(scope)) {
            removed += removeAll(prefix);
        }
        // the quota's usage (issue 14): a tenant's goes with its prefix; a document or a replica gives back what it held
        if (scope.isTenant()) {
            quotas.forgetTenant(scope.tenant().value());
        } else {
            quotas.release(scope);
        }
        documents.forget(scope);
        if (!kafka.up()) {
            LOG.infof("deletion of %s %s: objects removed, its event waits for Kafka", scope.kind(), scope);
            return;
        }
        announce(scope, t);
        deletions.done(t);
        registry.counter("meldtown.block.store.deletions", "scope", scope.kind(), "state", "done").increment();
        LOG.infof("deleted %s %s (%d objects removed in this run)", scope.kind(), scope, removed);
    }

    /** Lists {@code prefix} a page at a time and deletes each page in one request, until nothing is left. */
    private long removeAll(String prefix) {
        long removed = 0;
        while (true) {
            ListObjectsV2Response page = s3.listObjectsV2(b -> b.bucket(s3Config.bucket()).prefix(prefix).maxKeys(BATCH));
            if (page.contents().isEmpty()) {
                return removed;
            }
            List<ObjectIdentifier> batch = page.contents().stream().map(o -> ObjectIdentifier.builder().key(o.key()).build()).toList();
            DeleteObjectsResponse r = s3.deleteObjects(b -> b.bucket(s3Config.bucket()).delete(d -> d.objects(batch).quiet(true)));
            if (r.hasErrors() && !r.errors().isEmpty()) {
                throw new IllegalStateException("S3 did not delete " + r.errors().size() + " objects under " + prefix + ", e.g. "
                        + r.errors().get(0).key() + ": " + r.errors().get(0).message());
            }
            removed += batch.size();
            registry.counter("meldtown.block.store.deletions.objects").increment(batch.size());
            worker.beat();
        }
    }

    /** The scope's events, each acknowledged by Kafka (a failure leaves the deletion pending: retried). */
    private void announce(Scope scope, Deletions.Tombstone t) {
        String tenant = scope.tenant().value();
        if (scope.isReplica()) {
            ReplicaRef r = scope.replicaRef();
            events.publish(EventType.REPLICA_DELETED, tenant, r.doc().doc().value(),
                    new Payloads.ReplicaDeleted(tenant, r.doc().doc().value(), r.replica().value()));
        } else if (scope.isDoc()) {
            DocRef d = scope.docRef();
            events.publish(EventType.DOC_DELETED, tenant, d.doc().value(), new Payloads.DocDeleted(tenant, d.doc().value(), "document"));
        } else {
            for (String doc : t.docs()) {
                events.publish(EventType.DOC_DELETED, tenant, doc, new Payloads.DocDeleted(tenant, doc, "tenant"));
                worker.beat();
            }
        }
    }
}
