import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;

/**
 * Creates or updates a SCRAM user of a cluster through an unauthenticated broker listener. bin/stack uses it once for
 * a log dir formatted before the stack used SASL: it has no users yet, `kafka-storage format --add-scram` only works on
 * an empty one, and Kafka's admin client refuses this call through the controller listener. So bin/stack runs the
 * broker briefly with a PLAINTEXT loopback listener only, calls this, and stops it. Run with the Kafka jars on the
 * class path (Java's source launcher):
 *   KAFKA_SCRAM_PASSWORD=... java -cp "$KAFKA_DIR/libs/*" KafkaScramUser.java HOST:PORT USER [SCRAM-SHA-512]
 * The password comes from the environment, never from the command line, and is never printed.
 */
public class KafkaScramUser {
    public static void main(String[] args) throws Exception {
        if (args.length < 2 || System.getenv("KAFKA_SCRAM_PASSWORD") == null) {
            System.err.println("usage: KAFKA_SCRAM_PASSWORD=... KafkaScramUser HOST:PORT USER [SCRAM-SHA-512|SCRAM-SHA-256]");
            System.exit(2);
        }
        ScramMechanism mechanism = ScramMechanism.fromMechanismName(args.length > 2 ? args[2] : "SCRAM-SHA-512");
        if (mechanism == ScramMechanism.UNKNOWN) {
            System.err.println("unknown SCRAM mechanism " + args[2]);
            System.exit(2);
        }
        var upsert = new UserScramCredentialUpsertion(args[1], new ScramCredentialInfo(mechanism, 8192),
                System.getenv("KAFKA_SCRAM_PASSWORD"));
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0],
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000))) {
            while (true) {
                try {
                    admin.alterUserScramCredentials(List.of(upsert)).all().get(15, TimeUnit.SECONDS);
                    System.out.println("SCRAM user " + args[1] + " (" + mechanism.mechanismName() + ") is set");
                    return;
                } catch (Exception e) {
                    if (System.nanoTime() > deadline) {
                        System.err.println("could not set SCRAM user " + args[1] + " through " + args[0] + ": " + e.getMessage());
                        System.exit(1);
                    }
                    Thread.sleep(1000);
                }
            }
        }
    }
}
