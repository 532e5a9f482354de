package dev.meldtown.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/** The service's S3 client against a server that accepts connections and never answers (a paused S3). */
class S3ClientProducerTest {
    @Test
    void aSilentServerEndsInAnOutageAfterThreeBoundedAttempts() throws Exception {
        List<Socket> accepted = new CopyOnWriteArrayList<>();
        try (ServerSocket silent = new ServerSocket(0)) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept()); // read nothing, answer nothing
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            S3Config config = new S3Config() {
                public String endpoint() {
                    return "http://127.0.0.1:" + silent.getLocalPort();
                }

                public String bucket() {
                    return "b";
                }

                public String accessKey() {
                    return "k";
                }

                public String secretKey() {
                    return "s";
                }

                public String region() {
                    return "us-east-1";
                }
            };
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            try (S3Client s3 = new S3ClientProducer().s3Client(config, registry)) {
                long start = System.nanoTime();
                Throwable thrown = catchThrowable(() -> s3.headObject(b -> b.bucket("b").key("k")));
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertThat(Outages.unavailable(thrown)).as("%s", thrown).isNotNull();
                assertThat(accepted).as("one connection per attempt").hasSize(3);
                // each attempt waits out the socket timeout (10 s), then the SDK gives up: bounded, as the 503 promises
                assertThat(took).isBetween(S3ClientProducer.SOCKET_TIMEOUT.multipliedBy(3), Duration.ofSeconds(40));
                assertThat(registry.get("meldtown.s3.retries").counter().count()).isEqualTo(2.0);
            }
            for (Socket s : accepted) {
                s.close();
            }
        }
    }
}
