package dev.meldtown.merge;

/**
 * Where things live in the bucket (contracts §2.1), as block-store-service lays them out. Service-private data
 * (checkpoints, merge results) stays outside {@code replicas/}.
 */
public final class Layout {
    private Layout() {
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

    /** Read checkpoints of a replica: {@code checkpoints/{replica}/{name}.json} plus the {@code latest} pointer. */
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

    /** The outcome of one processed event (its merge.completed payloads), re-emitted on redelivery. */
    public static String result(String tenant, String doc, String requestHash) {
        return doc(tenant, doc) + "/merges/" + requestHash + ".json";
    }
}
