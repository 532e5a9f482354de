package dev.meldtown.service;

/**
 * Where things live in the deployment's bucket (contracts §2.1), for every service that reads or writes it: replicas
 * under {@code tenants/{t}/docs/{d}/replicas/{r}/} in Melda's two-character layout, and service-private data
 * (settings, read checkpoints, merge results, the block outbox) outside {@code replicas/}.
 */
public final class BucketLayout {
    /** Pending {@code block.committed} announcements, written before the delta and deleted once published. */
    public static final String OUTBOX = "outbox/";

    private BucketLayout() {
    }

    public static String doc(String tenant, String doc) {
        return "tenants/" + tenant + "/docs/" + doc;
    }

    /** {@code tenants/{t}/docs/{d}/replicas/} */
    public static String replicas(String tenant, String doc) {
        return doc(tenant, doc) + "/replicas/";
    }

    /** The replica prefix without trailing slash (what {@code S3Storage} takes). */
    public static String replica(String tenant, String doc, String replica) {
        return replicas(tenant, doc) + replica;
    }

    public static String settings(String tenant, String doc) {
        return doc(tenant, doc) + "/settings.json";
    }

    /** The object key of a Melda file ({@code <hash>.delta|pack|index}) in a replica; {@code .flate} for flate docs. */
    public static String file(String tenant, String doc, String replica, String key, boolean flate) {
        return replica(tenant, doc, replica) + "/" + key.substring(0, 2) + "/" + key + (flate ? ".flate" : "");
    }

    /** Read checkpoints of a replica (written by the merge-service): {@code checkpoints/{replica}/{name}.json}. */
    public static String checkpoints(String tenant, String doc, String replica) {
        return doc(tenant, doc) + "/checkpoints/" + replica + "/";
    }

    public static String checkpoint(String tenant, String doc, String replica, String name) {
        return checkpoints(tenant, doc, replica) + name + ".json";
    }

    /** {@code {"name":..,"anchors":[..]}} of the newest checkpoint written (may briefly lag behind a newer one). */
    public static String latestCheckpoint(String tenant, String doc, String replica) {
        return checkpoints(tenant, doc, replica) + "latest";
    }

    /** The outcome of one event processed by the merge-service (its merge.completed payloads), re-emitted on redelivery. */
    public static String result(String tenant, String doc, String requestHash) {
        return doc(tenant, doc) + "/merges/" + requestHash + ".json";
    }

    public static String outbox(String tenant, String doc, String replica, String block) {
        return OUTBOX + tenant + "/" + doc + "/" + replica + "/" + block + ".json";
    }
}
