package dev.meldtown.crdt;

import java.net.URI;
import java.util.Set;

/**
 * Opens storages for some URL schemes. Other modules plug in schemes (e.g. {@code s3}, {@code http},
 * {@code https}) either with {@link StorageUrls#register} or by listing their implementation in
 * {@code META-INF/services/dev.meldtown.crdt.StorageProvider} (java.util.ServiceLoader; a public no-arg
 * constructor is required). A {@code <scheme>+flate} URL is handled for every scheme by wrapping the storage of
 * {@code <scheme>} in {@link FlateStorage}, unless a provider claims the {@code +flate} scheme itself.
 */
public interface StorageProvider {
    /** Lower-case schemes this provider opens, e.g. {@code Set.of("s3")}. */
    Set<String> schemes();

    /**
     * Opens the storage for {@code url} (its scheme is one of {@link #schemes()}, with any {@code +flate} removed).
     *
     * @throws InvalidUrlException if the URL is not acceptable
     */
    ReplicaStorage open(URI url);

    /**
     * The limits a document written to this provider's storages must keep, so that everyone who reads them can:
     * {@link DocumentLimits#LOCAL} (the depth every reader can read, no size limit, like libmelda-tools) unless the
     * storage's server enforces its own, as the hub does ({@link DocumentLimits#DEFAULT}).
     */
    default DocumentLimits documentLimits() {
        return DocumentLimits.LOCAL;
    }
}
