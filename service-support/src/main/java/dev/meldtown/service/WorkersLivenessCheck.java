package dev.meldtown.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** Live only while every registered background worker ({@link Workers}) is alive and making progress. */
@Liveness
@ApplicationScoped
public class WorkersLivenessCheck implements HealthCheck {
    public static final String NAME = "background workers";

    @Inject
    Workers workers;

    @Override
    public HealthCheckResponse call() {
        var builder = HealthCheckResponse.named(NAME).up();
        workers.problems().forEach((name, problem) -> {
            builder.withData(name, problem == null ? "alive" : problem);
            if (problem != null) {
                builder.down();
            }
        });
        return builder.build();
    }
}
