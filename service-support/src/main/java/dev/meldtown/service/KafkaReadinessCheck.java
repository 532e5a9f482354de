package dev.meldtown.service;

import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only when the Kafka cluster describes itself. Replaces Quarkus's own Kafka check (disable it with
 * {@code quarkus.kafka.health.enabled=false}), which waits for the admin client's default timeouts (about 36 s
 * with the broker stopped): this one runs in the background every 2 s with a 1.5 s timeout ({@link CachedProbe}).
 */
@Readiness
@ApplicationScoped
public class KafkaReadinessCheck implements HealthCheck {
    public static final String NAME = "Kafka connection health check";
    private static final int TIMEOUT_MS = 1500;

    private final Map<String, Object> kafkaConfig;
    private final CachedProbe probe;
    private Admin admin;

    @Inject
    public KafkaReadinessCheck(@Identifier("default-kafka-broker") Map<String, Object> kafkaConfig) {
        this.kafkaConfig = kafkaConfig;
        this.probe = new CachedProbe(NAME, this::describe, Duration.ofSeconds(2), Duration.ofMillis(1800));
    }

    @Override
    public HealthCheckResponse call() {
        return probe.response();
    }

    /** Whether the newest check found Kafka up (without waiting): lets request paths fail fast during an outage. */
    public boolean up() {
        return probe.response().getStatus() == HealthCheckResponse.Status.UP;
    }

    private Map<String, Object> describe() throws Exception {
        int nodes = admin().describeCluster(new DescribeClusterOptions().timeoutMs(TIMEOUT_MS)).nodes()
                .get(TIMEOUT_MS + 200L, TimeUnit.MILLISECONDS).size();
        if (nodes == 0) {
            throw new IllegalStateException("the cluster has no broker");
        }
        return Map.of("bootstrap.servers", String.valueOf(kafkaConfig.get("bootstrap.servers")), "nodes", nodes);
    }

    private synchronized Admin admin() {
        if (admin == null) {
            Map<String, Object> config = new HashMap<>(kafkaConfig);
            config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, TIMEOUT_MS);
            config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, TIMEOUT_MS);
            config.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
            config.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "meldtown-health-" + Integer.toHexString(System.identityHashCode(this)));
            admin = Admin.create(config);
        }
        return admin;
    }

    @PreDestroy
    synchronized void close() {
        probe.close();
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
        }
    }
}
