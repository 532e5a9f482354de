package dev.meldtown.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * A histogram of every S3 operation ({@code meldtown_s3_operations_seconds}), by operation and outcome, the bytes
 * of the objects read ({@code meldtown_s3_read_bytes_total}), and the attempts the SDK's retry strategy made after an
 * operation's first ({@code meldtown_s3_retries_total}, by operation: a busy or failing S3 shows there first).
 */
final class S3Metrics implements ExecutionInterceptor {
    // The SDK keeps attribute names JVM-wide; Quarkus reloads this class per application (tests start several).
    private static final ExecutionAttribute<Long> STARTED =
            new ExecutionAttribute<>("meldtown.s3.started." + Integer.toHexString(System.identityHashCode(S3Metrics.class)));
    private static final ExecutionAttribute<Integer> ATTEMPTS =
            new ExecutionAttribute<>("meldtown.s3.attempts." + Integer.toHexString(System.identityHashCode(S3Metrics.class)));
    private final MeterRegistry registry;
    /** The meters, registered once each: a registration per call (a lookup by name and tags) cost CPU on every S3 request. */
    private final java.util.Map<String, Timer> timers = new java.util.concurrent.ConcurrentHashMap<>();
    private final io.micrometer.core.instrument.Counter readBytes;

    S3Metrics(MeterRegistry registry) {
        this.registry = registry;
        this.readBytes = io.micrometer.core.instrument.Counter.builder("meldtown.s3.read.bytes").description("Bytes of objects read from S3 (GetObject)")
                .baseUnit("bytes").register(registry);
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        attributes.putAttribute(STARTED, System.nanoTime());
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        Integer before = attributes.getAttribute(ATTEMPTS);
        int attempt = before == null ? 1 : before + 1;
        attributes.putAttribute(ATTEMPTS, attempt);
        if (attempt > 1) {
            io.micrometer.core.instrument.Counter.builder("meldtown.s3.retries").description("S3 attempts retried by the SDK after an operation's first")
                    .tag("operation", String.valueOf(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME))).register(registry).increment();
        }
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        record(attributes, String.valueOf(context.httpResponse().statusCode()));
        if ("GetObject".equals(String.valueOf(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME)))) {
            context.httpResponse().firstMatchingHeader("Content-Length").ifPresent(n -> {
                try {
                    readBytes.increment(Long.parseLong(n));
                } catch (NumberFormatException ignored) {
                    // no length: nothing to count
                }
            });
        }
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        record(attributes, context.httpResponse().map(r -> String.valueOf(r.statusCode())).orElse("error"));
    }

    private void record(ExecutionAttributes attributes, String status) {
        Long started = attributes.getAttribute(STARTED);
        if (started == null) {
            return;
        }
        String operation = String.valueOf(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
        timers.computeIfAbsent(operation + ' ' + status, k -> Timer.builder("meldtown.s3.operations")
                        .description("S3 operations issued by this service")
                        .tag("operation", operation)
                        .tag("status", status)
                        .publishPercentileHistogram()
                        .register(registry))
                .record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
}
