package dev.meldtown.testkit.junit;

import dev.meldtown.testkit.SecretScan;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Captures every log record of the JVM while a test class runs (the services under test log in the same JVM) and
 * fails the class when a line holds a JWT or one of the testkit's secrets ({@link SecretScan}). The handler is put
 * on the root logger before each test (Quarkus replaces the root handlers when the application starts) and taken off
 * after the class. {@link #capturedLines()} (level, logger, MDC, message) lets a test check what was logged, and in
 * which context.
 */
public class LogSecretsScan implements BeforeEachCallback, AfterAllCallback {
    private static final List<String> LINES = Collections.synchronizedList(new ArrayList<>());
    private static final Handler HANDLER = new Handler() {
        private final SimpleFormatter formatter = new SimpleFormatter();

        @Override
        public void publish(LogRecord r) {
            StringBuilder line = new StringBuilder(r.getLevel() + " [" + r.getLoggerName() + "] " + mdc(r) + " ");
            try {
                line.append(formatter.formatMessage(r));
            } catch (RuntimeException e) {
                line.append(r.getMessage());
            }
            if (r.getThrown() != null) {
                StringWriter trace = new StringWriter();
                r.getThrown().printStackTrace(new PrintWriter(trace));
                line.append('\n').append(trace);
            }
            line.toString().lines().forEach(LINES::add);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    static {
        HANDLER.setLevel(Level.ALL);
    }

    /** The record's MDC as {@code {key=value, ...}} (JBoss LogManager's records carry it; others have none). */
    private static String mdc(LogRecord r) {
        try {
            Object copy = r.getClass().getMethod("getMdcCopy").invoke(r);
            return copy instanceof Map<?, ?> m ? new TreeMap<>(m).toString() : "{}";
        } catch (ReflectiveOperationException | RuntimeException e) {
            return "{}";
        }
    }

    /** The lines captured so far in this class. */
    public static List<String> capturedLines() {
        synchronized (LINES) {
            return List.copyOf(LINES);
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            if (h == HANDLER) {
                return;
            }
        }
        root.addHandler(HANDLER);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Logger.getLogger("").removeHandler(HANDLER);
        List<String> lines = capturedLines();
        LINES.clear();
        var findings = SecretScan.ofTestkit().scan(context.getRequiredTestClass().getSimpleName() + " log", lines);
        if (!findings.isEmpty()) {
            throw new AssertionError("secrets in " + findings.size() + " log line(s) of " + lines.size() + ":\n"
                    + String.join("\n", findings.stream().limit(20).map(Object::toString).toList()));
        }
    }
}
