package dev.meldtown.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.jwt.auth.principal.DefaultJWTCallerPrincipalFactory;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTCallerPrincipal;
import io.smallrye.jwt.auth.principal.JWTCallerPrincipalFactory;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * smallrye-jwt's verification, remembered per token: a client sends the same bearer token with every request, and
 * verifying its RS256 signature again each time was about a seventh of block-store's CPU per small GET (JFR,
 * 2026-12-02: {@code BigInteger} modular exponentiation and jose4j's claim parsing).
 *
 * <p>A token is verified in full by smallrye-jwt ({@link DefaultJWTCallerPrincipalFactory}: signature, issuer,
 * audience, expiry) the first time; the verified principal is then served for the same token string and the same
 * verification settings while both hold:
 * <ul>
 *   <li>the token has not expired ({@code exp} plus the configured clock skew, as jose4j checks it for smallrye-jwt);</li>
 *   <li>it was verified at most {@code meldtown.jwt.verified-tokens.max-reuse} ({@link #MAX_REUSE}) ago, so that
 *       anything else smallrye-jwt checks at verification time is checked again that often; {@code PT0S} turns the
 *       reuse off.</li>
 * </ul>
 * A token that fails is never remembered: it fails again in full. At most {@link #MAX_ENTRIES} tokens are kept
 * (least recently used first out). The checks {@link Access} adds (the token's age, an {@code iat} in the future)
 * run on every request, on the principal. {@code meldtown_jwt_tokens_total{outcome=verified|reused|refused}} counts
 * them.
 */
@ApplicationScoped
@Alternative
@Priority(1)
public class VerifiedTokens extends JWTCallerPrincipalFactory {
    static final int MAX_ENTRIES = 10_000;
    static final Duration MAX_REUSE = Duration.ofMinutes(5);

    /** How long a verified token is served again ({@code PT0S}: every request verifies in full, as without this class). */
    @org.eclipse.microprofile.config.inject.ConfigProperty(name = "meldtown.jwt.verified-tokens.max-reuse", defaultValue = "PT5M")
    Duration maxReuse = MAX_REUSE;

    private record Verified(JWTAuthContextInfo settings, JWTCallerPrincipal principal, long verifiedAtMillis) {
    }

    @Inject
    MeterRegistry registry;

    private final JWTCallerPrincipalFactory verifier;
    private final Clock clock;
    private final Map<String, Counter> counters = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, Verified> verified = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Verified> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    public VerifiedTokens() {
        this(new DefaultJWTCallerPrincipalFactory(), Clock.systemUTC());
    }

    VerifiedTokens(JWTCallerPrincipalFactory verifier, Clock clock) {
        this.verifier = verifier;
        this.clock = clock;
    }

    @Override
    public JWTCallerPrincipal parse(String token, JWTAuthContextInfo settings) throws ParseException {
        long now = clock.millis();
        Verified known;
        synchronized (verified) {
            known = verified.get(token);
        }
        if (known != null && known.settings() == settings && stillValid(known, settings, now, maxReuse.toMillis())) {
            count("reused");
            return known.principal();
        }
        JWTCallerPrincipal principal;
        try {
            principal = verifier.parse(token, settings);
        } catch (ParseException | RuntimeException e) {
            count("refused");
            if (known != null) {
                synchronized (verified) {
                    verified.remove(token, known);
                }
            }
            throw e;
        }
        count("verified");
        synchronized (verified) {
            verified.put(token, new Verified(settings, principal, now));
        }
        return principal;
    }

    private static boolean stillValid(Verified v, JWTAuthContextInfo settings, long nowMillis, long maxReuseMillis) {
        if (nowMillis - v.verifiedAtMillis() >= maxReuseMillis || nowMillis < v.verifiedAtMillis()) {
            return false;
        }
        long exp = v.principal().getExpirationTime();
        // jose4j, under smallrye-jwt, refuses a token once now >= exp + skew
        return exp > 0 && nowMillis / 1000 < exp + Math.max(0, settings.getClockSkew());
    }

    private void count(String outcome) {
        if (registry != null) {
            counters.computeIfAbsent(outcome, o -> Counter.builder("meldtown.jwt.tokens")
                    .description("Bearer tokens verified in full, served again after a verification, or refused").tag("outcome", o)
                    .register(registry)).increment();
        }
    }

    /** How many verified tokens are remembered (for tests). */
    int size() {
        synchronized (verified) {
            return verified.size();
        }
    }
}
