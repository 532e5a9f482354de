package dev.meldtown.acceptance;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The acceptance tools a test class needs, by installer name ({@code scripts/install/<name>.sh}): each is run before the
 * class's first test ({@link InstalledTools}). An installer is idempotent and holds its own lock, so a class that comes
 * while bin/test's background install is building the same tool waits for that build, then finds the tool installed.
 * Classes that need the Kubernetes builds run last ({@link KubernetesLast}), when the background install has had the
 * longest time to finish them.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(InstalledTools.class)
@interface NeedsTools {
    /** Installer names, for example {@code kube}, {@code node-tools}, {@code k8s-checks}, {@code chromium}. */
    String[] value();
}
