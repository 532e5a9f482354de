package dev.meldtown.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * RS256 signing keys as PEM files: {@code private.pem} (PKCS#8) and {@code public.pem} (X.509 SubjectPublicKeyInfo), the
 * formats {@code openssl genpkey}/{@code openssl pkey -pubout} write and the services' {@code mp.jwt.verify.publickey.location}
 * reads. The local stack keeps its pair in {@code .stack/jwt/}; the tests' fixed pair is a testkit resource.
 */
public final class Jwt {
    public static final String PRIVATE_KEY = "private.pem";
    public static final String PUBLIC_KEY = "public.pem";

    private Jwt() {
    }

    /** Creates a 2048-bit RSA pair in {@code dir} unless {@code dir/private.pem} exists; the directory is private (700). */
    public static void ensureKeys(Path dir) {
        Path privateKey = dir.resolve(PRIVATE_KEY);
        try {
            if (Files.exists(privateKey) && Files.size(privateKey) > 0) {
                return;
            }
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair pair = generator.generateKeyPair();
            Files2.writePrivate(dir.resolve(PUBLIC_KEY), pem("PUBLIC KEY", pair.getPublic().getEncoded()));
            Files2.writePrivate(privateKey, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The private key of a PEM file as {@link #ensureKeys} or {@code openssl genpkey} writes it. */
    public static PrivateKey readPrivateKey(Path pemFile) {
        try {
            return privateKey(Files.readString(pemFile, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static PrivateKey privateKey(String pem) {
        try {
            String base64 = pem.replaceAll("-----[A-Z ]+-----|\\s", "");
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("not an RSA private key in PKCS#8 PEM", e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
