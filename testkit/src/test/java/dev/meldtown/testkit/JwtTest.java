package dev.meldtown.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local stack's signing keys (what {@code bin/stack} keeps in {@code .stack/jwt/}) and its tokens. */
class JwtTest {
    @Test
    void keysAreCreatedOncePrivatelyAndSignTokensThePublicKeyVerifies(@TempDir Path stack) throws Exception {
        Path dir = stack.resolve("jwt");
        Jwt.ensureKeys(dir);
        String privatePem = Files.readString(dir.resolve(Jwt.PRIVATE_KEY));
        assertThat(privatePem).startsWith("-----BEGIN PRIVATE KEY-----\n").endsWith("-----END PRIVATE KEY-----\n");
        assertThat(Files.readString(dir.resolve(Jwt.PUBLIC_KEY))).startsWith("-----BEGIN PUBLIC KEY-----\n");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        Jwt.ensureKeys(dir);
        assertThat(Files.readString(dir.resolve(Jwt.PRIVATE_KEY))).as("a second call keeps the pair").isEqualTo(privatePem);

        String token = Tokens.stackToken(Jwt.readPrivateKey(dir.resolve(Jwt.PRIVATE_KEY)), "acme", "writer", 86400);
        String[] parts = token.split("\\.");
        String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        assertThat(claims).contains("\"tenant\":\"acme\"").contains("\"groups\":[\"reader\",\"writer\"]")
                .contains("\"sub\":\"acme-writer\"").contains("\"aud\":\"meldtown\"");
        String pem = Files.readString(dir.resolve(Jwt.PUBLIC_KEY)).replaceAll("-----[A-Z ]+-----|\\s", "");
        Signature verifier = Signature.getInstance("SHA256withRSA");
        verifier.initVerify(KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(pem))));
        verifier.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        assertThat(verifier.verify(Base64.getUrlDecoder().decode(parts[2]))).isTrue();
    }

    @Test
    void aStackTokenNeedsAValidTenantAndAKnownRole(@TempDir Path dir) {
        Jwt.ensureKeys(dir);
        var key = Jwt.readPrivateKey(dir.resolve(Jwt.PRIVATE_KEY));
        assertThatThrownBy(() -> Tokens.stackToken(key, "../acme", "admin", 60)).hasMessage(
                "invalid tenant '../acme': use [a-z0-9][a-z0-9-]{0,62}");
        assertThatThrownBy(() -> Tokens.stackToken(key, "acme", "superuser", 60)).hasMessage(
                "invalid role 'superuser': use reader, writer, admin or operator");
    }
}
