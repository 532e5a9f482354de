package dev.meldtown.service;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Where a service keeps its data: one S3-compatible bucket per deployment. */
@ConfigMapping(prefix = "meldtown.s3")
public interface S3Config {
    /** e.g. http://127.0.0.1:9000; path-style addressing is always used. */
    String endpoint();

    String bucket();

    String accessKey();

    String secretKey();

    @WithDefault("us-east-1")
    String region();
}
