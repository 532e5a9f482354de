package dev.meldtown.service.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * A {@code SERVER} span per HTTP request, child of the caller's W3C {@code traceparent} header when there is one.
 * <p>
 * The span starts in the first route of the HTTP router, before every other one, and ends when the response has been
 * written: a request the service refuses before JAX-RS ({@code HttpLimits}' refusals, an unknown path) is a span too,
 * named by its method alone and carrying its status. (What Vert.x itself refuses before routing, a request line or
 * headers above its own limits, is no span.) A request that reaches a JAX-RS
 * resource is renamed {@code "<METHOD> <route>"} (the resource's path template, e.g.
 * {@code PUT /v1/tenants/{tenant}/docs/{doc}/replicas/{replica}/files/{name}}), and the span is current while the
 * resource runs, so the S3 calls, events and SQL it does join the trace. Nothing in the response changes. The
 * management routes under {@code /q/} (health probes, metric scrapes) are not traced.
 */
@Singleton
public class HttpTracing {
    /** The {@link RoutingContext} key of the request's span. */
    private static final String SPAN = HttpTracing.class.getName() + ".span";
    private static final String SCOPE = HttpTracing.class.getName() + ".scope";
    private static final String THREAD = HttpTracing.class.getName() + ".thread";
    private static final Map<Method, String> ROUTES = new ConcurrentHashMap<>();
    private static final TextMapGetter<HttpServerRequest> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpServerRequest carrier) {
            return carrier.headers().names();
        }

        @Override
        public String get(HttpServerRequest carrier, String key) {
            return carrier == null ? null : carrier.getHeader(key);
        }
    };

    /** First of all routes: the request limits ({@code HttpLimits}) come next, at {@code Integer.MIN_VALUE + 1}. */
    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(HttpTracing::start);
    }

    static void start(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        String path = request.path();
        if (path != null && path.startsWith("/q/")) {
            ctx.next();
            return;
        }
        Context parent = Tracing.openTelemetry().getPropagators().getTextMapPropagator().extract(Context.root(), request, HEADERS);
        String method = request.method().name();
        Span span = Tracing.tracer().spanBuilder(method)
                .setSpanKind(SpanKind.SERVER)
                .setParent(parent)
                .setAttribute("http.request.method", method)
                .setAttribute("url.path", path == null ? "" : path)
                .setAttribute("url.scheme", request.scheme() == null ? "http" : request.scheme())
                .startSpan();
        ctx.put(SPAN, span);
        ctx.addEndHandler(done -> {
            int status = ctx.response().getStatusCode();
            span.setAttribute("http.response.status_code", status);
            if (status >= 500) {
                span.setStatus(StatusCode.ERROR);
            } else if (done.failed()) {
                span.setStatus(StatusCode.ERROR, "the response was not completed: " + done.cause());
            }
            span.end();
        });
        ctx.next();
    }

    /** Names the span by the resource's route, and makes it current while the resource runs on a worker thread. */
    @ServerRequestFilter(priority = jakarta.ws.rs.Priorities.AUTHENTICATION - 500)
    public void enter(ContainerRequestContext request, ResourceInfo resource, RoutingContext routing) {
        if (!(routing.get(SPAN) instanceof Span span)) {
            return;
        }
        String route = route(resource);
        if (route != null) {
            span.updateName(request.getMethod() + " " + route);
            span.setAttribute("http.route", route);
        }
        // Current only on a worker thread: an event-loop thread serves other requests before this one ends.
        if (!io.vertx.core.Context.isOnEventLoopThread()) {
            request.setProperty(SCOPE, span.makeCurrent());
            request.setProperty(THREAD, Thread.currentThread());
            CurrentTrace.toLogContext();
        }
    }

    /** The span stops being current; it ends once the response is written ({@link #start}). */
    @ServerResponseFilter(priority = jakarta.ws.rs.Priorities.AUTHENTICATION - 500)
    public void leave(ContainerRequestContext request) {
        if (request.getProperty(SCOPE) instanceof Scope scope && request.getProperty(THREAD) == Thread.currentThread()) {
            request.removeProperty(SCOPE);
            scope.close();
            CurrentTrace.clearLogContext();
        }
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
