package dev.meldtown.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Base64;
import java.util.UUID;

/**
 * Bearer tokens for service tests, signed (RS256) with the testkit's test-only key pair. Services' test
 * profiles verify with {@code mp.jwt.verify.publickey.location=dev/meldtown/testkit/jwt/public.pem}. This key
 * pair protects nothing: it exists only on test classpaths.
 */
public final class Tokens {
    public static final String ISSUER = "https://meldtown.dev/local";
    /** The audience the services require by default ({@code mp.jwt.verify.audiences}). */
    public static final String AUDIENCE = "meldtown";
    private static final PrivateKey KEY = load();

    private Tokens() {
    }

    /** A token for {@code tenant} with {@code role} and the roles it implies (reader ⊂ writer ⊂ admin ⊂ operator). */
    public static String token(String tenant, String role) {
        String groups = ROLES.contains(role) ? groups(role) : "[\"" + role + "\"]";
        return sign(ISSUER, tenant, groups, System.currentTimeMillis() / 1000 + 3600);
    }

    /** The roles a token may carry, each implying the ones before it; {@code operator} is valid for every tenant (issue 14). */
    public static final java.util.List<String> ROLES = java.util.List.of("reader", "writer", "admin", "operator");

    /** The {@code groups} claim (a JSON array) for {@code role} and the roles it implies. */
    static String groups(String role) {
        int index = ROLES.indexOf(role);
        if (index < 0) {
            throw new IllegalArgumentException("invalid role '" + role + "': use reader, writer, admin or operator");
        }
        return "[\"" + String.join("\",\"", ROLES.subList(0, index + 1)) + "\"]";
    }

    /**
     * The local stack's token ({@code bin/stack token}): signed with {@code key} (the stack's {@code .stack/jwt/private.pem}),
     * subject {@code tenant-role}, valid for {@code ttlSeconds}.
     */
    public static String stackToken(PrivateKey key, String tenant, String role, long ttlSeconds) {
        if (!dev.meldtown.model.Name.isValid(tenant)) {
            throw new IllegalArgumentException("invalid tenant '" + tenant + "': use " + dev.meldtown.model.Name.RULE);
        }
        String groups = groups(role);
        long now = System.currentTimeMillis() / 1000;
        byte[] jti = new byte[12];
        new java.security.SecureRandom().nextBytes(jti);
        return signClaims(key, "{\"iss\":\"" + ISSUER + "\",\"aud\":\"" + AUDIENCE + "\",\"sub\":\"" + tenant + "-" + role
                + "\",\"upn\":\"" + tenant + "-" + role + "\",\"tenant\":\"" + tenant + "\",\"groups\":" + groups
                + ",\"iat\":" + now + ",\"exp\":" + (now + ttlSeconds) + ",\"jti\":\"" + java.util.HexFormat.of().formatHex(jti) + "\"}");
    }

    /** A token with arbitrary claims, e.g. an expired one or one from another issuer. */
    public static String sign(String issuer, String tenant, String groupsJson, long exp) {
        long now = System.currentTimeMillis() / 1000;
        return signClaims("{\"iss\":\"" + issuer + "\",\"aud\":\"" + AUDIENCE + "\",\"sub\":\"test-" + tenant + "\",\"upn\":\"test-" + tenant
                + "\",\"tenant\":\"" + tenant + "\",\"groups\":" + groupsJson + ",\"iat\":" + now + ",\"exp\":" + exp
                + ",\"jti\":\"" + UUID.randomUUID() + "\"}");
    }

    /** A token with exactly these claims (a JSON object), e.g. without {@code aud} or with an {@code iat} in the future. */
    public static String signClaims(String claimsJson) {
        return signClaims(KEY, claimsJson);
    }

    /** A token with exactly these claims, signed with {@code key}. */
    public static String signClaims(PrivateKey key, String claimsJson) {
        String header = b64("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String payload = b64(claimsJson.getBytes(StandardCharsets.UTF_8));
        try {
            Signature signature = Signature.getInstance("SHA256withRSA");
            signature.initSign(key);
            signature.update((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
            return header + "." + payload + "." + b64(signature.sign());
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static PrivateKey load() {
        try (InputStream in = Tokens.class.getResourceAsStream("jwt/private.pem")) {
            return Jwt.privateKey(new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("testkit JWT key is unreadable", e);
        }
    }
}
