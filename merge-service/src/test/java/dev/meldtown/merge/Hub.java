package dev.meldtown.merge;

import dev.meldtown.crdt.CanonicalJson;
import dev.meldtown.crdt.DeltaBlock;
import dev.meldtown.crdt.FlateStorage;
import dev.meldtown.crdt.MemoryStorage;
import dev.meldtown.crdt.Replica;
import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.events.EventCodec;
import dev.meldtown.events.EventType;
import dev.meldtown.events.Payloads;
import dev.meldtown.events.Topics;
import dev.meldtown.model.DocRef;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.service.BlockLog;
import dev.meldtown.storage.s3.BucketLayout;
import dev.meldtown.storage.s3.S3Storage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Plays block-store-service in the tests: documents and replicas in the real bucket (its layout), local replicas
 * pushed file by file, and the events it publishes, on the real broker.
 */
final class Hub implements AutoCloseable {
    final S3Client s3;
    final String bucket;
    final String tenant;
    final String doc;
    final boolean flate;
    private final KafkaProducer<String, byte[]> producer;
    private final BlockLog blockLog;

    Hub(S3Client s3, String bucket, String bootstrap, String tenant, String settingsJson) {
        this(s3, bucket, bootstrap, tenant, "doc-" + UUID.randomUUID().toString().substring(0, 8), settingsJson);
    }

    Hub(S3Client s3, String bucket, String bootstrap, String tenant, String doc, String settingsJson) {
        this.s3 = s3;
        this.bucket = bucket;
        this.tenant = tenant;
        this.doc = doc;
        this.flate = settingsJson.contains("\"flate\"");
        this.blockLog = new BlockLog(s3, bucket);
        this.producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap), new StringSerializer(), new ByteArraySerializer());
        s3.putObject(b -> b.bucket(bucket).key(BucketLayout.settings(DocRef.of(tenant, doc))), RequestBody.fromString(settingsJson));
    }

    ReplicaStorage storage(String replica) {
        ReplicaStorage raw = new S3Storage(s3, bucket, BucketLayout.replica(ReplicaRef.of(tenant, doc, replica)));
        return flate ? new FlateStorage(raw) : raw;
    }

    Replica open(String replica) {
        return Replica.open(storage(replica));
    }

    String read(String replica) {
        return CanonicalJson.write(open(replica).read());
    }

    /**
     * A local replica's commit: files uploaded (packs first) to the replica in S3, as block-store stores them, each new
     * delta then logged in the replica's block log.
     */
    List<String> push(MemoryStorage local, String replica) {
        ReplicaStorage remote = storage(replica);
        List<String> stored = new ArrayList<>();
        for (String suffix : List.of(".pack", ".index", ".delta")) {
            for (String k : local.list(suffix)) {
                if (remote.write(k + suffix, local.read(k + suffix))) {
                    stored.add(k + suffix);
                    if (suffix.equals(".delta")) {
                        blockLog.record(ReplicaRef.of(tenant, doc, replica), k);
                    }
                }
            }
        }
        return stored;
    }

    static MemoryStorage commit(MemoryStorage local, String json, String author) {
        Replica r = Replica.open(local);
        r.update(json);
        r.commit(author, null);
        return local;
    }

    static String tip(MemoryStorage local) {
        List<String> anchors = Replica.open(local).anchors();
        return anchors.get(anchors.size() - 1);
    }

    /** The {@code block.committed} block-store would publish for a block of {@code local} stored in {@code replica}. */
    byte[] blockCommitted(MemoryStorage local, String replica, String block) {
        DeltaBlock b = DeltaBlock.parse(block, local.read(block + ".delta"));
        var data = new Payloads.BlockCommitted(tenant, doc, replica, block, b.parents().stream().sorted().toList(),
                b.packs().stream().sorted().toList(), b.bytes().length);
        return EventCodec.encode(EventType.BLOCK_COMMITTED, doc, data);
    }

    void send(String topic, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topic, Topics.key(tenant, doc), value)).get(15, TimeUnit.SECONDS);
    }

    /** A record with any key, e.g. one that is not the payload's scope. */
    void sendKeyed(String topic, String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key, value)).get(15, TimeUnit.SECONDS);
    }

    void announce(MemoryStorage local, String replica) throws Exception {
        send(Topics.BLOCKS, blockCommitted(local, replica, tip(local)));
    }

    String requestMerge(String source, String target) throws Exception {
        String requestId = UUID.randomUUID().toString();
        send(Topics.MERGES, EventCodec.encode(EventType.MERGE_REQUESTED, doc,
                new Payloads.MergeRequested(tenant, doc, source, target, requestId)));
        return requestId;
    }

    List<String> objectKeys(String under) {
        List<String> keys = new ArrayList<>();
        s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(BucketLayout.doc(DocRef.of(tenant, doc)) + "/" + under))
                .contents().forEach(o -> keys.add(o.key()));
        return keys;
    }

    byte[] object(String key) {
        return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        producer.close();
    }
}
