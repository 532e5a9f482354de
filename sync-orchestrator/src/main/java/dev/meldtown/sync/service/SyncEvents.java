package dev.meldtown.sync.service;

import dev.meldtown.events.EventType;
import dev.meldtown.events.Payloads;
import dev.meldtown.service.EventPublisher;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/** Publishes {@code dev.meldtown.sync.completed} for every sync on {@code meldtown.syncs}, keyed {@code tenant/town}. */
@ApplicationScoped
public class SyncEvents {
    private static final Logger LOG = Logger.getLogger(SyncEvents.class);

    @Inject
    EventPublisher events;

    /** Sends and waits for the broker's acknowledgement; a failure is logged, never hides the sync's result. */
    public void completed(Payloads.SyncResult result, String requestId) {
        try {
            events.publish(EventType.SYNC_COMPLETED, result.tenant(), result.town(), Payloads.SyncCompleted.of(result, requestId));
        } catch (EventPublisher.PublishException e) {
            LOG.errorf("could not publish sync.completed %s for %s/%s: %s", requestId, result.tenant(), result.town(), e.getMessage());
        }
    }
}
