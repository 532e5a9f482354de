package dev.meldtown.acceptance;

import dev.meldtown.testkit.Processes;
import java.time.Duration;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Runs the installers a class names in {@link NeedsTools}, in order, before its first test; a failed install fails the class. */
final class InstalledTools implements BeforeAllCallback {
    /** A cold build of the Kubernetes node binaries on 2 shared cores takes 15-30 minutes. */
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(60);

    @Override
    public void beforeAll(ExtensionContext context) {
        NeedsTools needs = context.getRequiredTestClass().getAnnotation(NeedsTools.class);
        if (needs == null) {
            return;
        }
        for (String installer : needs.value()) {
            long t0 = System.nanoTime();
            ProcessBuilder pb = new ProcessBuilder("bash", LocalStack.ROOT.resolve("scripts/install/" + installer + ".sh").toString())
                    .directory(LocalStack.ROOT.toFile());
            Processes.Result r = Processes.exec(pb, INSTALL_TIMEOUT);
            if (r.exitCode() != 0) {
                throw new IllegalStateException("scripts/install/" + installer + ".sh failed (exit " + r.exitCode() + "):\n" + r.stdout() + r.stderr());
            }
            System.out.printf("[tools] scripts/install/%s.sh for %s: %.1f s%n", installer, context.getRequiredTestClass().getSimpleName(),
                    (System.nanoTime() - t0) / 1e9);
        }
    }
}
