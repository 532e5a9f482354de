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

    /** Pending {@code block.committed} announcements, written before the delta and deleted once published. */
    public static final String OUTBOX = "outbox/";

    public static String outbox(String tenant, String doc, String replica, String block) {
        return OUTBOX + tenant + "/" + doc + "/" + replica + "/" + block + ".json";
    }
}
