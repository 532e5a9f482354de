package dev.meldtown.service.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ResourceInfo;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * A {@code SERVER} span per HTTP request to a JAX-RS resource, named {@code "<METHOD> <route>"} (the resource's path
 * template, e.g. {@code PUT /v1/tenants/{tenant}/docs/{doc}/replicas/{replica}/files/{name}}), child of the caller's
 * W3C {@code traceparent} header when there is one. The span is current while the resource runs, so the S3 calls,
 * events and SQL it does join the trace. Nothing in the response changes.
 */
public class HttpTracing {
    private static final String SPAN = HttpTracing.class.getName() + ".span";
    private static final String SCOPE = HttpTracing.class.getName() + ".scope";
    private static final String THREAD = HttpTracing.class.getName() + ".thread";
    private static final Map<Method, String> ROUTES = new ConcurrentHashMap<>();
    private static final TextMapGetter<ContainerRequestContext> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(ContainerRequestContext carrier) {
            return carrier.getHeaders().keySet();
        }

        @Override
        public String get(ContainerRequestContext carrier, String key) {
            return carrier == null ? null : carrier.getHeaderString(key);
        }
    };

    @ServerRequestFilter(priority = jakarta.ws.rs.Priorities.AUTHENTICATION - 500)
    public void start(ContainerRequestContext request, ResourceInfo resource) {
        Context parent = Tracing.openTelemetry().getPropagators().getTextMapPropagator().extract(Context.root(), request, HEADERS);
        String method = request.getMethod();
        String route = route(resource);
        var builder = Tracing.tracer().spanBuilder(route == null ? method : method + " " + route)
                .setSpanKind(SpanKind.SERVER)
                .setParent(parent)
                .setAttribute("http.request.method", method)
                .setAttribute("url.path", request.getUriInfo().getPath())
                .setAttribute("url.scheme", request.getUriInfo().getRequestUri().getScheme());
        if (route != null) {
            builder.setAttribute("http.route", route);
        }
        Span span = builder.startSpan();
        request.setProperty(SPAN, span);
        // Current only on a worker thread: an event-loop thread serves other requests before this one ends.
        if (!io.vertx.core.Context.isOnEventLoopThread()) {
            request.setProperty(SCOPE, span.makeCurrent());
            request.setProperty(THREAD, Thread.currentThread());
            CurrentTrace.toLogContext();
        }
    }

    @ServerResponseFilter(priority = jakarta.ws.rs.Priorities.AUTHENTICATION - 500)
    public void end(ContainerRequestContext request, ContainerResponseContext response) {
        if (!(request.getProperty(SPAN) instanceof Span span)) {
            return;
        }
        request.removeProperty(SPAN);
        int status = response.getStatus();
        span.setAttribute("http.response.status_code", status);
        if (status >= 500) {
            span.setStatus(StatusCode.ERROR);
        }
        if (request.getProperty(SCOPE) instanceof Scope scope && request.getProperty(THREAD) == Thread.currentThread()) {
            scope.close();
            CurrentTrace.clearLogContext();
        }
        span.end();
    }

    static String route(ResourceInfo resource) {
        Method m = resource == null ? null : resource.getResourceMethod();
        if (m == null) {
            return null;
        }
        return ROUTES.computeIfAbsent(m, method -> {
            Path type = resource.getResourceClass() == null ? null : resource.getResourceClass().getAnnotation(Path.class);
            Path own = method.getAnnotation(Path.class);
            String path = join(type == null ? "" : type.value(), own == null ? "" : own.value());
            return path.isEmpty() ? "/" : path;
        });
    }

    private static String join(String a, String b) {
        String left = a.endsWith("/") ? a.substring(0, a.length() - 1) : a;
        String right = b.isEmpty() || b.startsWith("/") ? b : "/" + b;
        String p = left + right;
        return p.startsWith("/") ? p : "/" + p;
    }
}
