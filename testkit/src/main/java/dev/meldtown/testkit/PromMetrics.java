package dev.meldtown.testkit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code /q/metrics} body (Prometheus text format) as samples, for tests that read metrics: the value of one
 * series, the sum over the series that carry some labels, and every sample name a service exports.
 */
public final class PromMetrics {
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})?\\s+(\\S+)(\\s+\\S+)?$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

    /** One sample: its name, its labels, its value. */
    public record Sample(String name, Map<String, String> labels, double value) {
        /** True when every label of {@code subset} has that value here. */
        public boolean has(Map<String, String> subset) {
            return subset.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
        }
    }

    private final List<Sample> samples;
    private final String text;

    private PromMetrics(List<Sample> samples, String text) {
        this.samples = samples;
        this.text = text;
    }

    /** Parses the text format; a line that is neither a comment nor a sample fails the parse. */
    public static PromMetrics parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            line = line.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) {
                throw new IllegalArgumentException("not a Prometheus sample line: " + line);
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(3) != null) {
                Matcher l = LABEL.matcher(m.group(3));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2).replace("\\\"", "\"").replace("\\n", "\n").replace("\\\\", "\\"));
                }
            }
            out.add(new Sample(m.group(1), Map.copyOf(labels), Double.parseDouble(m.group(4))));
        }
        return new PromMetrics(List.copyOf(out), text);
    }

    public List<Sample> samples() {
        return samples;
    }

    /** Every sample name (a histogram's {@code _bucket}, {@code _count} and {@code _sum} each). */
    public Set<String> names() {
        Set<String> names = new TreeSet<>();
        samples.forEach(s -> names.add(s.name()));
        return names;
    }

    /** The samples of {@code name} that carry {@code labels} (given as name, value, name, value, ...). */
    public List<Sample> find(String name, String... labels) {
        Map<String, String> subset = labels(labels);
        return samples.stream().filter(s -> s.name().equals(name) && s.has(subset)).toList();
    }

    /** The sum over the samples of {@code name} that carry {@code labels}; 0 when there is none. */
    public double sum(String name, String... labels) {
        return find(name, labels).stream().mapToDouble(Sample::value).sum();
    }

    /** The value of the one sample of {@code name} that carries {@code labels}; fails when there is not exactly one. */
    public double value(String name, String... labels) {
        List<Sample> found = find(name, labels);
        if (found.size() != 1) {
            throw new AssertionError(found.size() + " samples " + name + labels(labels) + " in:\n" + text);
        }
        return found.get(0).value();
    }

    private static Map<String, String> labels(String... pairs) {
        if (pairs.length % 2 != 0) {
            throw new IllegalArgumentException("labels come in name, value pairs");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return m;
    }

    @Override
    public String toString() {
        return text;
    }
}
