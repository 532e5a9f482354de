package dev.meldtown.storage.s3;

import dev.meldtown.model.DocRef;
import dev.meldtown.model.InvalidNameException;
import dev.meldtown.model.Name;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.model.Scope;
import java.util.List;

/**
 * Where everything lives in the deployment's bucket (contracts §2.1), the one class that knows it: replicas under
 * {@code tenants/{t}/docs/{d}/replicas/{r}/} in Melda's two-character layout ({@code {xx}/{key}}, {@code .flate}
 * appended for flate documents), and service-private data outside {@code replicas/}: {@code settings.json}, read
 * checkpoints, merge results, and the block outbox; and the sync-orchestrator's registry under {@code sync/}
 * ({@link Sync}). Keys are built only from validated names ({@link DocRef}, {@link ReplicaRef}, {@link Name}), so
 * nothing unvalidated is ever concatenated into a key.
 */
public final class BucketLayout {
    /** Pending {@code block.committed} announcements, written before the delta and deleted once published. */
    public static final String OUTBOX = "outbox/";
    /** merge-service's block outbox (the resolve blocks it commits), apart from block-store-service's. */
    public static final String MERGE_OUTBOX = "merge/outbox/";
    /** The suffix of every stored object of a flate document. */
    public static final String FLATE = ".flate";

    private BucketLayout() {
    }

    /** {@code tenants/{t}/docs/}: what a delimited listing of a tenant's documents starts from. */
    public static String docs(String tenant) {
        return "tenants/" + Name.of("tenant", tenant) + "/docs/";
    }

    /**
     * The document named by a common prefix of a delimited listing under {@link #docs(String)} ({@code …/docs/{d}/}),
     * or null if it is no valid document name.
     */
    public static DocRef docOf(String tenant, String commonPrefix) {
        String start = docs(tenant);
        if (!commonPrefix.startsWith(start) || !commonPrefix.endsWith("/")) {
            return null;
        }
        try {
            return DocRef.of(tenant, commonPrefix.substring(start.length(), commonPrefix.length() - 1));
        } catch (InvalidNameException e) {
            return null;
        }
    }

    /** {@code tenants/{t}/docs/{d}} */
    public static String doc(DocRef doc) {
        return "tenants/" + doc.tenant() + "/docs/" + doc.doc();
    }

    /** {@code tenants/{t}/docs/{d}/replicas/}: what a delimited listing of a document's replicas starts from. */
    public static String replicas(DocRef doc) {
        return doc(doc) + "/replicas/";
    }

    /** The replica prefix without trailing slash (what {@link S3Storage} takes). */
    public static String replica(ReplicaRef replica) {
        return replicas(replica.doc()) + replica.replica();
    }

    /**
     * The replica named by a common prefix of a delimited listing under {@link #replicas(DocRef)}
     * ({@code …/replicas/{r}/}), or null if it is no valid replica name.
     */
    public static ReplicaRef replicaOf(DocRef doc, String commonPrefix) {
        String start = replicas(doc);
        if (!commonPrefix.startsWith(start) || !commonPrefix.endsWith("/")) {
            return null;
        }
        try {
            return doc.replica(commonPrefix.substring(start.length(), commonPrefix.length() - 1));
        } catch (InvalidNameException e) {
            return null;
        }
    }

    public static String settings(DocRef doc) {
        return doc(doc) + "/settings.json";
    }

    /** The object key of a Melda file ({@code <hash>.delta|pack|index}) in a replica; {@code .flate} for flate docs. */
    public static String file(ReplicaRef replica, String key, boolean flate) {
        return fileIn(replica(replica), stored(key, flate));
    }

    /** The name a Melda file is stored under in its replica: {@code key}, or {@code key.flate} for flate documents. */
    public static String stored(String key, boolean flate) {
        return flate ? key + FLATE : key;
    }

    /** Melda's two-character layout under a prefix (none when empty): {@code prefix/ab/abcdef…}. */
    public static String fileIn(String prefix, String key) {
        return (prefix.isEmpty() ? "" : prefix + "/") + key.substring(0, 2) + "/" + key;
    }

    /**
     * The key stored at {@code objectKey}, an object listed under {@code listPrefix} ({@code prefix/} or empty): only
     * {@code <2 chars>/<key starting with those chars>} is a key; anything else under the prefix is foreign (null).
     */
    public static String keyAt(String listPrefix, String objectKey) {
        if (!objectKey.startsWith(listPrefix)) {
            return null;
        }
        String rest = objectKey.substring(listPrefix.length());
        if (rest.indexOf('/') != 2 || rest.indexOf('/', 3) >= 0) {
            return null;
        }
        String key = rest.substring(3);
        return key.length() >= 2 && key.startsWith(rest.substring(0, 2)) ? key : null;
    }

    /** Read checkpoints of a replica (written by the merge-service): {@code checkpoints/{replica}/{name}.json}. */
    public static String checkpoints(ReplicaRef replica) {
        return doc(replica.doc()) + "/checkpoints/" + replica.replica() + "/";
    }

    public static String checkpoint(ReplicaRef replica, String name) {
        return checkpoints(replica) + name + ".json";
    }

    /** {@code {"name":..,"anchors":[..]}} of the newest checkpoint written (may briefly lag behind a newer one). */
    public static String latestCheckpoint(ReplicaRef replica) {
        return checkpoints(replica) + "latest";
    }

    /**
     * The log of a replica's stored blocks (issue 14, item 3), service-private: entry {@code n} (1, 2, 3, …) is the
     * object {@code blocklog/{replica}/{n, 12 digits}} ({@link #blockLogEntry}) whose body is the block's id. A writer
     * claims the next number with a write-once PUT, so the numbers have no gaps, and a reader that stands at entry
     * {@code p} finds what was stored since by reading {@code p + 1}, {@code p + 2}, … until one is missing: one request
     * per new block and one more, whatever the size of the replica or of its log (no listing).
     */
    public static String blockLog(ReplicaRef replica) {
        return doc(replica.doc()) + "/blocklog/" + replica.replica() + "/";
    }

    /** The object key of entry {@code number} (from 1) of a replica's {@link #blockLog}. */
    public static String blockLogEntry(ReplicaRef replica, long number) {
        if (number < 1 || number > 999_999_999_999L) {
            throw new IllegalArgumentException("block-log entry numbers run from 1 to 12 digits: " + number);
        }
        return blockLog(replica) + String.format("%012d", number);
    }

    /** The prefix of the merge results of a document (what the garbage collector lists). */
    public static String results(DocRef doc) {
        return doc(doc) + "/merges/";
    }

    /** The outcome of one event processed by the merge-service (its merge.completed payloads), re-emitted on redelivery. */
    public static String result(DocRef doc, String requestHash) {
        return doc(doc) + "/merges/" + requestHash + ".json";
    }

    /** {@code outbox/{t}/{d}/{r}/{block}.json}: block-store-service's outbox. */
    public static String outbox(ReplicaRef replica, String block) {
        return outbox(OUTBOX, replica, block);
    }

    /** {@code {root}{t}/{d}/{r}/{block}.json}: an entry of the block outbox under {@code root} ({@link #OUTBOX}, {@link #MERGE_OUTBOX}). */
    public static String outbox(String root, ReplicaRef replica, String block) {
        return root + replica.tenant() + "/" + replica.doc().doc() + "/" + replica.replica() + "/" + block + ".json";
    }

    /** An entry of the outbox: the block a replica stored and has not announced yet. */
    public record OutboxEntry(ReplicaRef replica, String block) {
    }

    /** The entry an {@link #outbox} object key names, or null for anything else under {@link #OUTBOX}. */
    public static OutboxEntry outboxEntry(String objectKey) {
        return outboxEntry(OUTBOX, objectKey);
    }

    /** The entry an {@link #outbox(String, ReplicaRef, String)} object key under {@code root} names, or null. */
    public static OutboxEntry outboxEntry(String root, String objectKey) {
        if (!objectKey.startsWith(root)) {
            return null;
        }
        String[] parts = objectKey.substring(root.length()).split("/", -1);
        if (parts.length != 4 || !parts[3].matches("[0-9a-f]{64}\\.json")) {
            return null;
        }
        try {
            return new OutboxEntry(ReplicaRef.of(parts[0], parts[1], parts[2]), parts[3].substring(0, 64));
        } catch (InvalidNameException e) {
            return null;
        }
    }

    /**
     * block-store-service's deletions (issue 14), service-private under {@code deletions/}: a tombstone per deleted
     * scope ({@code deletions/tombstones/{t}.json}, {@code …/{t}/{d}.json}, {@code …/{t}/{d}/{r}.json}), kept after the
     * scope's objects are gone so that later reads and writes are refused, and a pending entry of the same shape under
     * {@code deletions/pending/} while the scope's objects are being removed.
     */
    public static final class Deletions {
        public static final String ROOT = "deletions/";
        public static final String TOMBSTONES = ROOT + "tombstones/";
        public static final String PENDING = ROOT + "pending/";

        private Deletions() {
        }

        public static String tombstone(Scope scope) {
            return TOMBSTONES + path(scope) + ".json";
        }

        public static String pending(Scope scope) {
            return PENDING + path(scope) + ".json";
        }

        private static String path(Scope scope) {
            return scope.tenant() + (scope.doc() == null ? "" : "/" + scope.doc()) + (scope.replica() == null ? "" : "/" + scope.replica());
        }

        /** The scope a {@link #pending} key names, or null for anything else under {@link #PENDING}. */
        public static Scope pendingOf(String objectKey) {
            if (!objectKey.startsWith(PENDING) || !objectKey.endsWith(".json")) {
                return null;
            }
            String[] parts = objectKey.substring(PENDING.length(), objectKey.length() - ".json".length()).split("/", -1);
            try {
                return switch (parts.length) {
                    case 1 -> Scope.tenant(parts[0]);
                    case 2 -> Scope.of(DocRef.of(parts[0], parts[1]));
                    case 3 -> Scope.of(ReplicaRef.of(parts[0], parts[1], parts[2]));
                    default -> null;
                };
            } catch (InvalidNameException e) {
                return null;
            }
        }

        /**
         * Every prefix that holds the scope's objects, each ending with {@code /}: its part of {@code tenants/} (for a
         * replica: its files, its read checkpoints and its block log) and its entries in both block outboxes. The sync-orchestrator's
         * registry ({@link Sync}) is not among them: it has its own tenant deletion.
         */
        public static List<String> prefixes(Scope scope) {
            if (scope.isTenant()) {
                return List.of("tenants/" + scope.tenant() + "/", OUTBOX + scope.tenant() + "/", MERGE_OUTBOX + scope.tenant() + "/");
            }
            String docPath = scope.tenant() + "/" + scope.doc() + "/";
            if (scope.isDoc()) {
                return List.of(doc(scope.docRef()) + "/", OUTBOX + docPath, MERGE_OUTBOX + docPath);
            }
            ReplicaRef r = scope.replicaRef();
            return List.of(replica(r) + "/", checkpoints(r), blockLog(r), OUTBOX + docPath + r.replica() + "/", MERGE_OUTBOX + docPath + r.replica() + "/");
        }
    }

    /**
     * block-store-service's quota bookkeeping (issue 14), service-private under {@code tenants/{t}/quota/} (outside
     * {@code docs/}, so no listing of documents sees it, and inside the tenant, so the tenant's deletion removes it):
     * the operator's limits ({@code limits.json}), the tenant's usage ({@code usage.json}) and each replica's share of it
     * ({@code replicas/{d}/{r}.json}), updated with conditional writes, one empty marker per counted document
     * ({@code docs/{d}}, written once with {@code If-None-Match: *}), and what deletions gave back ({@code releases/}).
     */
    public static final class Quotas {
        private Quotas() {
        }

        public static String root(String tenant) {
            return "tenants/" + Name.of("tenant", tenant) + "/quota/";
        }

        public static String limits(String tenant) {
            return root(tenant) + "limits.json";
        }

        public static String usage(String tenant) {
            return root(tenant) + "usage.json";
        }

        /** The marker that says the document is counted in the tenant's usage. */
        public static String doc(DocRef doc) {
            return root(doc.tenant().value()) + "docs/" + doc.doc();
        }

        /**
         * What a deleted document or replica gives back ({@code releases/{d}.json}, {@code releases/{d}/{r}.json}):
         * noted once before its objects are removed, given back once after ({@link #released}; each step a write with
         * {@code If-None-Match: *}, so two instances removing the same scope give it back once). Kept, like the tombstone.
         */
        public static String release(Scope scope) {
            if (scope.isTenant()) {
                throw new IllegalArgumentException("a tenant's bookkeeping goes with it: no release");
            }
            return root(scope.tenant().value()) + "releases/" + scope.doc() + (scope.isReplica() ? "/" + scope.replica() : "") + ".json";
        }

        /**
         * The mark that the {@link #release} of {@code scope} was given back ({@code releases/{d}.applied},
         * {@code releases/{d}/{r}.applied}): claimed once with {@code If-None-Match: *}, so of two instances removing the
         * same scope only one gives it back (a conditional overwrite of the note is not atomic on S3Proxy). Kept.
         */
        public static String released(Scope scope) {
            String note = release(scope);
            return note.substring(0, note.length() - ".json".length()) + ".applied";
        }

        /** The stored bytes counted for one replica ({@code replicas/{d}/{r}.json}): what its deletion gives back. */
        public static String replica(ReplicaRef replica) {
            return replicas(replica.doc()) + replica.replica() + ".json";
        }

        /** The counted replicas of a document. */
        public static String replicas(DocRef doc) {
            return root(doc.tenant().value()) + "replicas/" + doc.doc() + "/";
        }
    }

    /**
     * The sync-orchestrator's registry: {@code sync/tenants/{t}/} holds {@code towns/{town}.json},
     * {@code ledger/{town}/{peer}.json}, {@code federations/{name}.json}, {@code requests/{id}.json} (executed
     * {@code sync.requested} ids) and {@code rounds/{federation}.json} with its claims under {@code rounds/{federation}/}.
     * Every name is checked against {@link Name#RULE} ({@link InvalidNameException} otherwise).
     */
    public static final class Sync {
        /** Where every tenant's registry starts; a delimited listing of it gives the tenants. */
        public static final String TENANTS = "sync/tenants/";
        /** sync-orchestrator's event outbox: {@code sync.completed} events Kafka did not take yet (service-support EventOutbox). */
        public static final String OUTBOX = "sync/outbox/";

        private Sync() {
        }

        public static String tenant(String tenant) {
            return TENANTS + Name.of("tenant", tenant) + "/";
        }

        /** The tenant a common prefix of a delimited listing of {@link #TENANTS} names, or null. */
        public static String tenantOf(String commonPrefix) {
            if (!commonPrefix.startsWith(TENANTS) || !commonPrefix.endsWith("/")) {
                return null;
            }
            String tenant = commonPrefix.substring(TENANTS.length(), commonPrefix.length() - 1);
            return Name.isValid(tenant) ? tenant : null;
        }

        public static String towns(String tenant) {
            return tenant(tenant) + "towns/";
        }

        public static String town(String tenant, String town) {
            return towns(tenant) + Name.of("town", town) + ".json";
        }

        public static String ledger(String tenant, String town) {
            return tenant(tenant) + "ledger/" + Name.of("town", town) + "/";
        }

        public static String ledger(String tenant, String town, String peer) {
            return ledger(tenant, town) + Name.of("peer", peer) + ".json";
        }

        /**
         * A pair's past SyncResults, one object each, named so that a listing comes newest first (sync-orchestrator
         * {@code Registry}); under {@link #ledger(String, String)}, so deleting a town deletes them.
         */
        public static String history(String tenant, String town, String peer) {
            return ledger(tenant, town) + Name.of("peer", peer) + "/history/";
        }

        /** The row conflicts a {@code manual} sync of the pair met and kept for row-level resolution. */
        public static String conflicts(String tenant, String town, String peer) {
            return ledger(tenant, town) + Name.of("peer", peer) + "/conflicts.json";
        }

        public static String federations(String tenant) {
            return tenant(tenant) + "federations/";
        }

        public static String federation(String tenant, String federation) {
            return federations(tenant) + Name.of("federation", federation) + ".json";
        }

        /** An executed request; the id is made safe for a key ({@code [A-Za-z0-9._-]}, anything else becomes {@code _}). */
        public static String request(String tenant, String requestId) {
            return tenant(tenant) + "requests/" + requestId.replaceAll("[^A-Za-z0-9._-]", "_") + ".json";
        }

        /** The results of a federation's last round (run by hand or by the schedule). */
        public static String lastRound(String tenant, String federation) {
            return tenant(tenant) + "last-rounds/" + Name.of("federation", federation) + ".json";
        }

        /** The round schedule of a federation. */
        public static String rounds(String tenant, String federation) {
            return tenant(tenant) + "rounds/" + Name.of("federation", federation) + ".json";
        }

        /** The prefix of a federation's round claims. */
        public static String roundClaims(String tenant, String federation) {
            return tenant(tenant) + "rounds/" + Name.of("federation", federation) + "/";
        }
    }
}
