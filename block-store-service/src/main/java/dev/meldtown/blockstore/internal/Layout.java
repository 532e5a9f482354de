package dev.meldtown.blockstore.internal;

/** Where things live in the bucket (contracts §2.1). Service-private data stays outside {@code replicas/}. */
public final class Layout {
    private Layout() {
    }

    public static String doc(String tenant, String doc) {
        return "tenants/" + tenant + "/docs/" + doc;
    }

    public static String replicas(String tenant, String doc) {
        return doc(tenant, doc) + "/replicas/";
    }

    public static String replica(String tenant, String doc, String replica) {
        return replicas(tenant, doc) + replica;
    }

    public static String settings(String tenant, String doc) {
        return doc(tenant, doc) + "/settings.json";
    }

    /** Read checkpoints written by the merge-service: {@code checkpoints/{replica}/{name}.json} and a {@code latest} pointer. */
    public static String checkpoint(String tenant, String doc, String replica, String name) {
        return doc(tenant, doc) + "/checkpoints/" + replica + "/" + name + ".json";
    }

    public static String latestCheckpoint(String tenant, String doc, String replica) {
        return doc(tenant, doc) + "/checkpoints/" + replica + "/latest";
    }

    /** Pending {@code block.committed} announcements, written before the delta and deleted once published. */
    public static final String OUTBOX = "outbox/";

    public static String outbox(String tenant, String doc, String replica, String block) {
        return OUTBOX + tenant + "/" + doc + "/" + replica + "/" + block + ".json";
    }
}
