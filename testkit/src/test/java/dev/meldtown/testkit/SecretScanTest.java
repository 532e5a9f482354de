package dev.meldtown.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretScanTest {
    @Test
    void findsJwtsAndGivenSecretsAndMasksThemInTheFinding() {
        String token = Tokens.token("acme", "admin");
        SecretScan scan = new SecretScan(List.of("s3cr3t-value", "abc"));
        var findings = scan.scan("service.log", List.of(
                "INFO request from acme",
                "WARN Authorization: Bearer " + token,
                "ERROR login failed with password s3cr3t-value for user abc"));
        assertThat(findings).hasSize(2);
        assertThat(findings.get(0).where()).isEqualTo("service.log:2");
        assertThat(findings.get(0).what()).isEqualTo("a JWT");
        assertThat(findings.get(0).maskedLine()).contains("<JWT>").doesNotContain(token.split("\\.")[1]);
        assertThat(findings.get(1).where()).isEqualTo("service.log:3");
        assertThat(findings.get(1).maskedLine()).contains("<SECRET>").doesNotContain("s3cr3t-value")
                .as("values shorter than 6 characters are not secrets: they would match ordinary words").contains("user abc");
    }

    @Test
    void scansEveryFileOfATree(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("logs"));
        Files.writeString(dir.resolve("logs/a.log"), "clean\nclean\n");
        Files.writeString(dir.resolve("logs/b.log"), "x\nKAFKA_PASSWORD=" + S3Server.DEFAULT_SECRET_KEY + "\n");
        var findings = SecretScan.ofTestkit().scanTree(dir);
        assertThat(findings).singleElement().satisfies(f -> assertThat(f.where()).isEqualTo("logs/b.log:2"));
    }
}
