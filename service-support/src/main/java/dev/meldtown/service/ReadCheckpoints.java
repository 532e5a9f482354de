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
 * service. A checkpoint is only an accelerator: anything missing or unreadable gives null, and the reader replays.
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
        } catch (IOException | MeldaException e) {
            LOG.warnf("ignoring unreadable checkpoint of %s: %s", replica, e.getMessage());
            return null;
        }
    }

    /**
     * The checkpoint to load {@code replica} from: its own newest, else the hub's (every replica converges through
     * the hub, so it holds the hub's checkpointed blocks; {@link Checkpoint#open} replays when it does not), or null.
     */
    public static Checkpoint forLoading(S3Client s3, String bucket, ReplicaRef replica, String hub) {
        Checkpoint own = latest(s3, bucket, replica);
        return own != null || replica.replica().value().equals(hub) ? own : latest(s3, bucket, replica.sibling(hub));
    }
}
