package dev.meldtown.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meldtown.testkit.Tokens;
import io.smallrye.jwt.auth.principal.DefaultJWTCallerPrincipalFactory;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTCallerPrincipal;
import io.smallrye.jwt.auth.principal.JWTCallerPrincipalFactory;
import io.smallrye.jwt.auth.principal.ParseException;
import io.smallrye.jwt.util.KeyUtils;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Tokens verified in full once, then served while still valid; expired, forged and aged entries are verified again. */
class VerifiedTokensTest {
    private final AtomicInteger verifications = new AtomicInteger();
    private final JWTCallerPrincipalFactory counting = new JWTCallerPrincipalFactory() {
        private final DefaultJWTCallerPrincipalFactory real = new DefaultJWTCallerPrincipalFactory();

        @Override
        public JWTCallerPrincipal parse(String token, JWTAuthContextInfo info) throws ParseException {
            verifications.incrementAndGet();
            return real.parse(token, info);
        }
    };
    private final MutableClock clock = new MutableClock();
    private VerifiedTokens tokens;
    private JWTAuthContextInfo settings;

    @BeforeEach
    void setUp() throws Exception {
        tokens = new VerifiedTokens(counting, clock);
        settings = settings(60);
    }

    private static JWTAuthContextInfo settings(int skew) throws Exception {
        byte[] pem = VerifiedTokensTest.class.getClassLoader().getResourceAsStream("dev/meldtown/testkit/jwt/public.pem").readAllBytes();
        PublicKey key = KeyUtils.decodePublicKey(new String(pem, StandardCharsets.US_ASCII));
        JWTAuthContextInfo info = new JWTAuthContextInfo(key, Tokens.ISSUER);
        info.setExpectedAudience(Set.of(Tokens.AUDIENCE));
        info.setClockSkew(skew);
        return info;
    }

    @Test
    void aTokenIsVerifiedOnceAndItsPrincipalServedAgain() throws Exception {
        String token = Tokens.token("acme", "writer");
        JWTCallerPrincipal first = tokens.parse(token, settings);
        JWTCallerPrincipal again = tokens.parse(token, settings);
        assertThat(again).isSameAs(first);
        assertThat((String) again.getClaim("tenant")).isEqualTo("acme");
        assertThat(again.getGroups()).contains("writer");
        assertThat(verifications).hasValue(1);
        // another token, or the same token under other settings, is verified on its own
        tokens.parse(Tokens.token("acme", "reader"), settings);
        tokens.parse(token, settings(60));
        assertThat(verifications).hasValue(3);
    }

    @Test
    void anEntryPastItsTokensExpiryIsVerifiedAgain() throws Exception {
        long now = System.currentTimeMillis() / 1000;
        JWTAuthContextInfo noSkew = settings(0);
        String token = Tokens.sign(Tokens.ISSUER, "acme", "[\"reader\"]", now + 2);
        tokens.parse(token, noSkew);
        clock.set(Instant.ofEpochSecond(now + 1));
        tokens.parse(token, noSkew);
        assertThat(verifications).hasValue(1);
        // past exp (+ skew 0) the cached principal is not served: smallrye-jwt sees the real clock, which has not moved,
        // so the token is verified again (and would be refused by jose4j at that time)
        clock.set(Instant.ofEpochSecond(now + 2));
        tokens.parse(token, noSkew);
        assertThat(verifications).hasValue(2);
    }

    @Test
    void aTokenPastItsExpiryIsRefusedEveryTimeAndNeverRemembered() throws Exception {
        long now = System.currentTimeMillis() / 1000;
        String expired = Tokens.sign(Tokens.ISSUER, "acme", "[\"reader\"]", now - 3600);
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> tokens.parse(expired, settings)).isInstanceOf(ParseException.class);
        }
        assertThat(verifications).hasValue(3);
        assertThat(tokens.size()).isZero();
    }

    @Test
    void aForgedTokenIsRefusedEveryTimeEvenBesideItsGenuineTwin() throws Exception {
        String genuine = Tokens.token("acme", "reader");
        tokens.parse(genuine, settings);
        String[] parts = genuine.split("\\.");
        String otherPayload = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                new String(java.util.Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                        .replace("\"acme\"", "\"beta\"").getBytes(StandardCharsets.UTF_8));
        String forged = parts[0] + "." + otherPayload + "." + parts[2];
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> tokens.parse(forged, settings)).isInstanceOf(ParseException.class);
        }
        assertThat(verifications).hasValue(3);
    }

    @Test
    void aRememberedTokenIsVerifiedAgainAfterMaxReuse() throws Exception {
        String token = Tokens.token("acme", "reader");
        clock.set(Instant.now());
        tokens.parse(token, settings);
        clock.set(clock.instant().plus(VerifiedTokens.MAX_REUSE).minusSeconds(1));
        tokens.parse(token, settings);
        assertThat(verifications).hasValue(1);
        clock.set(clock.instant().plusSeconds(2));
        tokens.parse(token, settings);
        assertThat(verifications).hasValue(2);
    }

    @Test
    void maxReuseZeroVerifiesEveryTime() throws Exception {
        tokens.maxReuse = java.time.Duration.ZERO;
        String token = Tokens.token("acme", "reader");
        for (int i = 0; i < 3; i++) {
            tokens.parse(token, settings);
        }
        assertThat(verifications).hasValue(3);
    }

    private static final class MutableClock extends Clock {
        private volatile Instant now = Instant.now();

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
