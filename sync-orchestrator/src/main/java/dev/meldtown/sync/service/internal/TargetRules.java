package dev.meldtown.sync.service.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;

/**
 * The allow-list of server-side targets (issue 10 item 5): the service makes towns' SQL servers connect to
 * remotesapi URLs and connects to SQL hosts itself, so both are limited to {@code http}/{@code https}
 * remotesapi URLs and to configured hosts ({@code meldtown.sync-targets.allowed-hosts}). A refusal names the rule.
 */
public final class TargetRules {
    private final List<String> patterns;

    public TargetRules(List<String> patterns) {
        this.patterns = patterns.stream().map(p -> p.strip().toLowerCase(Locale.ROOT)).filter(p -> !p.isEmpty()).toList();
    }

    public List<String> patterns() {
        return patterns;
    }

    /** Whether {@code host} (a name, an IPv4 address, or an IPv6 address with or without brackets) is allowed. */
    public boolean allowsHost(String host) {
        if (host == null || host.isEmpty()) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        for (String p : patterns) {
            if (p.equals("*") || p.equals(h) || (p.startsWith("*.") && h.endsWith(p.substring(1)) && h.length() > p.length() - 1)) {
                return true;
            }
        }
        return false;
    }

    /** A town's SQL host; throws {@link IllegalArgumentException} naming the rule. */
    public void requireSqlHost(String host) {
        if (!allowsHost(host)) {
            throw new IllegalArgumentException("sql.host '" + host + "' is not allowed: hosts must match meldtown.sync-targets.allowed-hosts "
                    + patterns);
        }
    }

    /**
     * A remotesapi URL: {@code http(s)://host[:port]/database} whose host is allowed. {@code file:} and every
     * other scheme are refused, whatever the Dolt engine itself accepts.
     */
    public void requireRemotesApiUrl(String what, String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalArgumentException(what + " must be an http(s) remotesapi URL http(s)://host[:port]/database");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException(what + " must be an http(s) remotesapi URL http(s)://host[:port]/database; scheme '"
                    + scheme + "' is not allowed");
        }
        if (uri.getUserInfo() != null || uri.getQuery() != null || uri.getFragment() != null) {
            throw new IllegalArgumentException(what + " must be an http(s) remotesapi URL http(s)://host[:port]/database, without user, query or fragment");
        }
        if (!allowsHost(uri.getHost())) {
            throw new IllegalArgumentException(what + " host '" + uri.getHost() + "' is not allowed: hosts must match meldtown.sync-targets.allowed-hosts "
                    + patterns);
        }
    }
}
