package dev.meldtown.service.tracing;

import io.opentelemetry.instrumentation.awssdk.v2_2.AwsSdkTelemetry;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/** A {@code CLIENT} span per S3 call (the OpenTelemetry AWS SDK v2 instrumentation), child of the current span. */
public final class S3Tracing {
    private S3Tracing() {
    }

    /** The interceptor to add to an S3 client's override configuration. */
    public static ExecutionInterceptor interceptor() {
        return AwsSdkTelemetry.create(Tracing.openTelemetry()).createExecutionInterceptor();
    }
}
