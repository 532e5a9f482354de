package dev.meldtown.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
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

    /** A token for {@code tenant} with {@code role} and the roles it implies (reader ⊂ writer ⊂ admin). */
    public static String token(String tenant, String role) {
        String groups = switch (role) {
            case "reader" -> "[\"reader\"]";
            case "writer" -> "[\"reader\",\"writer\"]";
            case "admin" -> "[\"reader\",\"writer\",\"admin\"]";
            default -> "[\"" + role + "\"]";
        };
        return sign(ISSUER, tenant, groups, System.currentTimeMillis() / 1000 + 3600);
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
        String header = b64("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String payload = b64(claimsJson.getBytes(StandardCharsets.UTF_8));
        try {
            Signature signature = Signature.getInstance("SHA256withRSA");
            signature.initSign(KEY);
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
            String pem = new String(in.readAllBytes(), StandardCharsets.US_ASCII).replaceAll("-----[A-Z ]+-----|\\s", "");
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("testkit JWT key is unreadable", e);
        }
    }
}
