package dev.meldtown.service;

import dev.meldtown.crdt.MissingKeyException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;

/**
 * Recognises a dependency outage anywhere in an exception's cause chain: the AWS SDK could not reach S3 (connection
 * refused, timeout, any {@link SdkClientException}), S3 answered 5xx, 429 or 408, or Kafka did not take an event
 * ({@link EventPublisher.PublishException}). One rule for every service and every S3 call path.
 */
public final class Outages {
    private Outages() {
    }

    /** The outage {@code e} stands for, or null when it is not one (a bug, bad input, a missing object). */
    public static DependencyUnavailableException unavailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof DependencyUnavailableException d) {
                return d;
            }
            if (t instanceof MissingKeyException) {
                return null;
            }
            if (t instanceof SdkClientException) {
                return storage(t);
            }
            if (t instanceof SdkServiceException s && (s.statusCode() >= 500 || s.statusCode() == 429 || s.statusCode() == 408)) {
                return storage(t);
            }
            if (t instanceof EventPublisher.PublishException) {
                return new DependencyUnavailableException("events", "the event store (Kafka) is not available; try again later", t);
            }
        }
        return null;
    }

    private static DependencyUnavailableException storage(Throwable t) {
        return new DependencyUnavailableException("storage", "the object store (S3) is not available; try again later", t);
    }
}
