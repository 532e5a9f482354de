package dev.meldtown.service.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * The service's OpenTelemetry: the SDK configured the standard way ({@code OTEL_*} environment variables or
 * {@code otel.*} system properties, through the SDK's autoconfigure module), W3C trace context propagation.
 * <p>
 * Export is off unless an OTLP endpoint is set ({@code OTEL_EXPORTER_OTLP_ENDPOINT} or
 * {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT}); without one, spans still exist (so logs can name the trace and span, see
 * {@link CurrentTrace}) and the context still travels on to other services, but nothing is sent anywhere. Metrics and
 * logs are never exported over OTLP (Prometheus scrapes {@code /q/metrics}). {@code OTEL_SERVICE_NAME} defaults to
 * {@code quarkus.application.name}; {@code OTEL_SDK_DISABLED=true} turns everything off.
 * <p>
 * One SDK per JVM (its exporter thread and shutdown hook), shared by every component: the S3 client, the Kafka
 * producer and consumers, the HTTP filter and JDBC.
 */
public final class Tracing {
    /** The instrumentation scope of Meldtown's own spans. */
    public static final String SCOPE = "dev.meldtown";
    private static final Logger LOG = Logger.getLogger(Tracing.class);
    private static volatile OpenTelemetry openTelemetry;

    private Tracing() {
    }

    /** The process's OpenTelemetry, configured on first use. */
    public static OpenTelemetry openTelemetry() {
        OpenTelemetry o = openTelemetry;
        if (o == null) {
            synchronized (Tracing.class) {
                if (openTelemetry == null) {
                    openTelemetry = configure(System.getenv(), System::getProperty, applicationName());
                }
                o = openTelemetry;
            }
        }
        return o;
    }

    public static Tracer tracer() {
        return openTelemetry().getTracer(SCOPE);
    }

    /** Whether spans leave the process: an OTLP endpoint is configured. */
    public static boolean exporting(Map<String, String> env, Function<String, String> properties) {
        for (String key : new String[] {"otel.exporter.otlp.endpoint", "otel.exporter.otlp.traces.endpoint"}) {
            String env1 = env.get(key.toUpperCase().replace('.', '_'));
            String prop = properties.apply(key);
            if ((env1 != null && !env1.isBlank()) || (prop != null && !prop.isBlank())) {
                return true;
            }
        }
        return false;
    }

    static OpenTelemetry configure(Map<String, String> env, Function<String, String> properties, String serviceName) {
        Map<String, String> defaults = new HashMap<>();
        // lower precedence than OTEL_* variables and otel.* system properties
        defaults.put("otel.service.name", serviceName);
        defaults.put("otel.propagators", "tracecontext,baggage");
        defaults.put("otel.metrics.exporter", "none");
        defaults.put("otel.logs.exporter", "none");
        boolean exporting = exporting(env, properties);
        defaults.put("otel.traces.exporter", exporting ? "otlp" : "none");
        defaults.put("otel.exporter.otlp.protocol", "http/protobuf");
        try {
            OpenTelemetry sdk = AutoConfiguredOpenTelemetrySdk.builder()
                    .addPropertiesSupplier(() -> defaults)
                    .build()
                    .getOpenTelemetrySdk();
            if (exporting) {
                String name = env.getOrDefault("OTEL_SERVICE_NAME", properties.apply("otel.service.name"));
                LOG.infof("tracing: exporting spans over OTLP as service %s", name == null || name.isBlank() ? serviceName : name);
            }
            return sdk;
        } catch (RuntimeException e) {
            // a malformed OTEL_* setting must not keep the service from starting: no tracing, said loudly
            LOG.errorf("tracing is off: the OpenTelemetry configuration is invalid: %s", e.getMessage());
            return OpenTelemetry.noop();
        }
    }

    private static String applicationName() {
        try {
            return ConfigProvider.getConfig().getOptionalValue("quarkus.application.name", String.class).orElse("meldtown");
        } catch (RuntimeException | LinkageError noConfig) {
            return "meldtown";
        }
    }
}
