package dev.meldtown.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds secrets in log lines (issue 15 item 3: no token, password or secret key ever in a log line): any JWT (three
 * base64url parts, the first two JSON objects, so {@code eyJ…}), and each secret given (Dolt SQL and remote
 * passwords, S3 secret keys, SASL passwords, the sync-secrets key). A finding names the line with the secret masked.
 */
public final class SecretScan {
    /** A compact JWS: base64url of '{"' starts each of the first two parts. */
    public static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]*");

    /** The secrets the testkit's own servers and tokens use. */
    public static final List<String> TESTKIT_SECRETS = List.of(S3Server.DEFAULT_SECRET_KEY, DoltTowns.DEFAULT_SQL_PASSWORD,
            DoltTowns.DEFAULT_REMOTE_PASSWORD, "dev-only-meldtown-sync-key");

    private final Set<String> secrets = new LinkedHashSet<>();

    public SecretScan(Collection<String> secrets) {
        for (String s : secrets) {
            if (s != null && s.length() >= 6) { // shorter values would match ordinary words
                this.secrets.add(s);
            }
        }
    }

    public static SecretScan ofTestkit() {
        return new SecretScan(TESTKIT_SECRETS);
    }

    /** What a scan found: where, and the line with the secret masked. */
    public record Finding(String where, String what, String maskedLine) {
        @Override
        public String toString() {
            return where + ": " + what + ": " + maskedLine;
        }
    }

    /** The findings in {@code lines}; {@code where} names their source. */
    public List<Finding> scan(String where, List<String> lines) {
        List<Finding> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String at = where + ":" + (i + 1);
            if (JWT.matcher(line).find()) {
                out.add(new Finding(at, "a JWT", mask(JWT.matcher(line).replaceAll("<JWT>"))));
            }
            for (String s : secrets) {
                if (line.contains(s)) {
                    out.add(new Finding(at, "a secret (" + s.length() + " characters)", mask(line.replace(s, "<SECRET>"))));
                }
            }
        }
        return out;
    }

    /** The findings in every regular file under {@code dir} (logs are text; undecodable bytes are replaced). */
    public List<Finding> scanTree(Path dir) {
        List<Finding> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                String text = new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
                out.addAll(scan(dir.relativize(f).toString(), text.lines().toList()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private String mask(String line) {
        String masked = line;
        for (String s : secrets) {
            masked = masked.replace(s, "<SECRET>");
        }
        return masked.length() > 400 ? masked.substring(0, 400) + "…" : masked;
    }
}
