package dev.meldtown.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Clock;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.s3.S3Client;

/** The deployment's {@link BlockLog}: {@code meldtown.block-log.margin} (default 1 minute) behind the clock. */
@ApplicationScoped
public class BlockLogProducer {
    @ConfigProperty(name = "meldtown.block-log.margin", defaultValue = "PT1M")
    Duration margin;

    @Produces
    @ApplicationScoped
    BlockLog blockLog(S3Client s3, S3Config config) {
        return new BlockLog(s3, config.bucket(), Clock.systemUTC(), margin);
    }
}
