package dev.meldtown.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@link InternalPackagesRule} over the compiled main and test classes of every module of the root pom. This module
 * comes last in the reactor, so they are compiled; run alone, it refuses to pass over a module that is not.
 */
class InternalPackagesTest {
    private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");

    @Test
    void noClassUsesAnotherPackagesInternals() throws IOException {
        Path root = Path.of(System.getProperty("meldtown.root", "..")).toAbsolutePath().normalize();
        Matcher m = MODULE.matcher(Files.readString(root.resolve("pom.xml")));
        Map<String, JavaClasses> modules = new LinkedHashMap<>();
        List<String> notCompiled = new ArrayList<>();
        ClassFileImporter importer = new ClassFileImporter();
        while (m.find()) {
            String module = m.group(1).trim();
            if (module.equals("architecture")) {
                continue;
            }
            List<Path> dirs = new ArrayList<>();
            for (String[] kind : new String[][] {{"src/main/java", "target/classes"}, {"src/test/java", "target/test-classes"}}) {
                if (Files.isDirectory(root.resolve(module).resolve(kind[0]))) {
                    Path classes = root.resolve(module).resolve(kind[1]);
                    if (Files.isDirectory(classes)) {
                        dirs.add(classes);
                    } else {
                        notCompiled.add(module + "/" + kind[1]);
                    }
                }
            }
            modules.put(module, importer.importPaths(dirs));
        }
        assertThat(notCompiled).as("compile these first (the reactor's verify does)").isEmpty();
        assertThat(modules).containsKeys("crdt", "block-store-service", "merge-service", "sync-orchestrator", "cli");
        assertThat(modules.get("crdt").contain("dev.meldtown.crdt.internal.BlockGraph")).as("crdt's classes were read").isTrue();
        assertThat(InternalPackagesRule.check(modules)).as("uses of internal packages from outside their owner").isEmpty();
    }
}
