package dev.meldtown.architecture;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The rule on {@code internal} packages: a class of package {@code X.internal} (or below it) may be used only by
 * classes of the same Maven module whose package is {@code X} or below {@code X}. So no module uses another module's
 * internals, and within a module {@code a.b.internal} is private to {@code a.b} (e.g. {@code sync.service} may not use
 * {@code sync.federation.internal}). Main and test classes alike.
 */
final class InternalPackagesRule {
    /** A use of {@code used} (module {@code usedModule}, or null if not compiled here) by {@code user} in {@code module}. */
    record Violation(String module, String user, String used, String usedModule) implements Comparable<Violation> {
        @Override
        public int compareTo(Violation o) {
            return toString().compareTo(o.toString());
        }

        @Override
        public String toString() {
            return module + ": " + user + " uses " + used + (usedModule == null || usedModule.equals(module) ? "" : " of module " + usedModule);
        }
    }

    private InternalPackagesRule() {
    }

    /** The package owning an internal package ({@code a.b} for {@code a.b.internal} and {@code a.b.internal.c}), or null. */
    static String owner(String pkg) {
        if (pkg.endsWith(".internal")) {
            return pkg.substring(0, pkg.length() - ".internal".length());
        }
        int i = pkg.indexOf(".internal.");
        return i < 0 ? null : pkg.substring(0, i);
    }

    /** Every violation among the classes of these modules (module name to its main and test classes), sorted. */
    static List<Violation> check(Map<String, JavaClasses> modules) {
        Map<String, String> moduleOf = new HashMap<>();
        modules.forEach((module, classes) -> classes.forEach(c -> moduleOf.putIfAbsent(c.getName(), module)));
        TreeSet<Violation> out = new TreeSet<>();
        modules.forEach((module, classes) -> {
            for (JavaClass user : classes) {
                for (Dependency d : user.getDirectDependenciesFromSelf()) {
                    JavaClass used = d.getTargetClass().getBaseComponentType();
                    String owner = owner(used.getPackageName());
                    String usedModule = moduleOf.get(used.getName());
                    if (owner == null || (usedModule == null && !used.getName().startsWith("dev.meldtown."))) {
                        continue; // not an internal package, or a library's own internals
                    }
                    String pkg = user.getPackageName();
                    boolean samePackageTree = pkg.equals(owner) || pkg.startsWith(owner + ".");
                    boolean sameModule = usedModule == null || usedModule.equals(module);
                    if (!samePackageTree || !sameModule) {
                        out.add(new Violation(module, user.getName(), used.getName(), usedModule));
                    }
                }
            }
        });
        return List.copyOf(out);
    }
}
