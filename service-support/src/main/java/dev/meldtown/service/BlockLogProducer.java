package dev.meldtown.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import software.amazon.awssdk.services.s3.S3Client;

/** The deployment's {@link BlockLog}, in its bucket. */
@ApplicationScoped
public class BlockLogProducer {
    @Produces
    @ApplicationScoped
    BlockLog blockLog(S3Client s3, S3Config config) {
        return new BlockLog(s3, config.bucket());
    }
}
