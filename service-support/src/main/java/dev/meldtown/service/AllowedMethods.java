package dev.meldtown.service;

import io.quarkus.arc.Arc;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The methods a path supports, read from the service's JAX-RS resources, for the {@code Allow} header of a 405 (the
 * framework answers 405 without it). HEAD follows GET, and OPTIONS is always answered.
 */
final class AllowedMethods {
    private record Route(Pattern pattern, String method) {
    }

    private static final Pattern PARAM = Pattern.compile("\\{\\s*[A-Za-z0-9_.-]+\\s*(?::\\s*((?:[^{}]|\\{[^{}]*})*))?}");
    private static volatile List<Route> routes;

    private AllowedMethods() {
    }

    /** {@code GET, HEAD, OPTIONS, PUT}, or null when no resource matches the path. */
    static String allow(String path) {
        Set<String> methods = new TreeSet<>();
        for (Route r : routes()) {
            if (r.pattern().matcher(path).matches()) {
                methods.add(r.method());
            }
        }
        if (methods.isEmpty()) {
            return null;
        }
        if (methods.contains("GET")) {
            methods.add("HEAD");
        }
        methods.add("OPTIONS");
        return String.join(", ", methods);
    }

    private static List<Route> routes() {
        List<Route> r = routes;
        if (r == null) {
            r = new ArrayList<>();
            for (Bean<?> bean : Arc.container().beanManager().getBeans(Object.class, Any.Literal.INSTANCE)) {
                Class<?> type = bean.getBeanClass();
                Path base = type.getAnnotation(Path.class);
                if (base == null) {
                    continue;
                }
                for (Method m : type.getMethods()) {
                    String verb = verb(m);
                    if (verb == null) {
                        continue;
                    }
                    Path sub = m.getAnnotation(Path.class);
                    r.add(new Route(compile(base.value() + "/" + (sub == null ? "" : sub.value())), verb));
                }
            }
            routes = r;
        }
        return r;
    }

    private static String verb(Method m) {
        for (Annotation a : m.getAnnotations()) {
            HttpMethod http = a.annotationType().getAnnotation(HttpMethod.class);
            if (http != null) {
                return http.value();
            }
        }
        return null;
    }

    private static Pattern compile(String template) {
        String t = ("/" + template).replaceAll("/+", "/");
        if (t.length() > 1 && t.endsWith("/")) {
            t = t.substring(0, t.length() - 1);
        }
        StringBuilder regex = new StringBuilder();
        Matcher m = PARAM.matcher(t);
        int at = 0;
        while (m.find()) {
            regex.append(Pattern.quote(t.substring(at, m.start())));
            regex.append("(?:").append(m.group(1) == null ? "[^/]+" : m.group(1).trim()).append(")");
            at = m.end();
        }
        regex.append(Pattern.quote(t.substring(at))).append("/?");
        return Pattern.compile(regex.toString());
    }
}
