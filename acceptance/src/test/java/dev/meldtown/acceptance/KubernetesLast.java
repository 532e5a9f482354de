package dev.meldtown.acceptance;

import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.ClassOrdererContext;

/**
 * The acceptance module's class order (src/test/resources/junit-platform.properties): classes that need the Kubernetes
 * builds ({@code kube}, {@code node-tools}, {@code k8s-checks} in {@link NeedsTools}) run after all others, the node last;
 * the rest keep the order they were discovered in. bin/test builds those tools in the background while Maven tests
 * the other modules: on a fresh machine that build is still running when this module starts, and the other classes
 * give it their idle CPU instead of waiting for it.
 */
public final class KubernetesLast implements ClassOrderer {
    private static final List<String> LATE = List.of("kube", "k8s-checks", "node-tools");

    @Override
    public void orderClasses(ClassOrdererContext context) {
        // List.sort is stable: equal ranks keep their discovery order
        context.getClassDescriptors().sort(Comparator.comparingInt(d -> rank(d.getTestClass())));
    }

    static int rank(Class<?> testClass) {
        NeedsTools needs = testClass.getAnnotation(NeedsTools.class);
        if (needs == null) {
            return 0;
        }
        int rank = 0;
        for (String tool : needs.value()) {
            rank = Math.max(rank, LATE.indexOf(tool) + 1);
        }
        return rank;
    }
}
