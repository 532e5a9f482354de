package dev.meldtown.service;

import dev.meldtown.crdt.Checkpoint;
import dev.meldtown.crdt.MeldaException;
import dev.meldtown.events.EventCodec;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.storage.s3.BucketLayout;
import java.io.IOException;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * The read checkpoints the merge-service writes ({@link BucketLayout#checkpoints}), found the same way by every
 * service. A checkpoint is only an accelerator: anything missing, unreadable or of an outdated format gives null, and
 * the reader replays. A replica is read only from its own checkpoints: one of the hub does not say which blocks
 * another replica holds beyond it.
 */
public final class ReadCheckpoints {
    private static final Logger LOG = Logger.getLogger(ReadCheckpoints.class);

    private ReadCheckpoints() {
    }

    /** The newest checkpoint of a replica (through its {@code latest} pointer), or null. */
    public static Checkpoint latest(S3Client s3, String bucket, ReplicaRef replica) {
        try {
            byte[] pointer = s3.getObjectAsBytes(b -> b.bucket(bucket).key(BucketLayout.latestCheckpoint(replica))).asByteArray();
            String name = EventCodec.mapper().readTree(pointer).path("name").asText();
            if (!name.matches("[0-9a-f]{64}")) {
                LOG.warnf("ignoring the checkpoint pointer of %s: no checkpoint name", replica);
                return null;
            }
            return Checkpoint.parse(s3.getObjectAsBytes(b -> b.bucket(bucket).key(BucketLayout.checkpoint(replica, name))).asByteArray());
        } catch (NoSuchKeyException e) {
            return null;
        } catch (Checkpoint.OutdatedException e) {
            LOG.debugf("ignoring the checkpoint of %s: %s; the merge-service writes a new one", replica, e.getMessage());
            return null;
        } catch (IOException | MeldaException e) {
            LOG.warnf("ignoring unreadable checkpoint of %s: %s", replica, e.getMessage());
            return null;
        }
    }

}
