package dev.meldtown.service.tracing;

import dev.meldtown.events.TraceContext;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.instrumentation.kafkaclients.v2_6.KafkaTelemetry;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Trace context across Kafka. Producing: the OpenTelemetry kafka-clients instrumentation wraps the producer, so every
 * record sent gets a {@code PRODUCER} span and the W3C {@code traceparent}/{@code tracestate} headers; the event inside
 * carries the same trace in its CloudEvents {@code traceparent} extension ({@link #current()}). Consuming: each record
 * is processed in a {@code CONSUMER} span whose parent is the context in the record's headers ({@link #process}), so
 * everything the processing does (S3 calls, events it emits) joins the producer's trace.
 */
public final class KafkaTracing {
    private static final TextMapGetter<Headers> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers carrier) {
            return StreamSupport.stream(carrier.spliterator(), false).map(Header::key).toList();
        }

        @Override
        public String get(Headers carrier, String key) {
            if (carrier == null) {
                return null;
            }
            Header h = carrier.lastHeader(key);
            return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
        }
    };

    private KafkaTracing() {
    }

    /** {@code producer}, instrumented: a span per send and the trace context in the record's headers. */
    public static <K, V> Producer<K, V> wrap(Producer<K, V> producer) {
        return KafkaTelemetry.create(Tracing.openTelemetry()).wrap(producer);
    }

    /** The current trace context as the CloudEvents extension carries it; null outside any span. */
    public static TraceContext current() {
        Map<String, String> carrier = new HashMap<>(2);
        Tracing.openTelemetry().getPropagators().getTextMapPropagator().inject(Context.current(), carrier, Map::put);
        String parent = carrier.get(TraceContext.TRACEPARENT);
        return parent == null ? null : new TraceContext(parent, carrier.get(TraceContext.TRACESTATE));
    }

    /** The context a record was produced in (its W3C headers), as a parent for work done because of it. */
    public static Context extract(ConsumerRecord<?, ?> record) {
        OpenTelemetry otel = Tracing.openTelemetry();
        return otel.getPropagators().getTextMapPropagator().extract(Context.root(), record.headers(), HEADERS);
    }

    /**
     * Starts the {@code CONSUMER} span of processing {@code record} (named {@code "<topic> process"}), child of the
     * context in its headers. The caller makes it current ({@code try (Scope s = span.makeCurrent())}) and ends it.
     */
    public static Span process(ConsumerRecord<?, ?> record, String consumerGroup) {
        var builder = Tracing.tracer().spanBuilder(record.topic() + " process")
                .setSpanKind(SpanKind.CONSUMER)
                .setParent(extract(record))
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.operation.type", "process")
                .setAttribute("messaging.destination.name", record.topic())
                .setAttribute("messaging.destination.partition.id", String.valueOf(record.partition()))
                .setAttribute("messaging.kafka.offset", record.offset());
        if (consumerGroup != null) {
            builder.setAttribute("messaging.consumer.group.name", consumerGroup);
        }
        if (record.key() != null) {
            builder.setAttribute("messaging.kafka.message.key", String.valueOf(record.key()));
        }
        return builder.startSpan();
    }

    /**
     * Runs {@code work} for {@code record} inside its processing span ({@link #process}), current on this thread;
     * an exception is recorded on the span and rethrown.
     */
    public static <T> T processing(ConsumerRecord<?, ?> record, String consumerGroup, java.util.function.Supplier<T> work) {
        Span span = process(record, consumerGroup);
        try (io.opentelemetry.context.Scope ignored = span.makeCurrent()) {
            CurrentTrace.toLogContext();
            return work.get();
        } catch (RuntimeException | Error e) {
            span.recordException(e);
            span.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR);
            throw e;
        } finally {
            CurrentTrace.clearLogContext();
            span.end();
        }
    }

    /** As {@link #processing(ConsumerRecord, String, java.util.function.Supplier)}, for work without a result. */
    public static void processing(ConsumerRecord<?, ?> record, String consumerGroup, Runnable work) {
        processing(record, consumerGroup, () -> {
            work.run();
            return null;
        });
    }
}
