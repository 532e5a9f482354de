package dev.meldtown.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import dev.meldtown.architecture.fixture.app.UsesHidden;
import dev.meldtown.architecture.fixture.lib.Api;
import dev.meldtown.architecture.fixture.lib.internal.Hidden;
import dev.meldtown.architecture.fixture.lib.sub.Sneaky;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rule itself, against fixture classes: it reports what it must and nothing else. */
class InternalPackagesRuleTest {
    private static final ClassFileImporter IMPORTER = new ClassFileImporter();

    @Test
    void anotherPackageUsingInternalsIsAViolation() {
        var violations = InternalPackagesRule.check(Map.of(
                "lib", IMPORTER.importClasses(Hidden.class, Api.class, Sneaky.class),
                "app", IMPORTER.importClasses(UsesHidden.class)));
        assertThat(violations).extracting(InternalPackagesRule.Violation::user).containsOnly(UsesHidden.class.getName());
        assertThat(violations).allSatisfy(v -> {
            assertThat(v.used()).isEqualTo(Hidden.class.getName());
            assertThat(v.module()).isEqualTo("app");
            assertThat(v.usedModule()).isEqualTo("lib");
        });
        assertThat(violations.get(0).toString()).isEqualTo("app: " + UsesHidden.class.getName() + " uses " + Hidden.class.getName() + " of module lib");
    }

    @Test
    void theOwnerPackageTreeInAnotherModuleIsAViolationToo() {
        var violations = InternalPackagesRule.check(Map.of(
                "lib", IMPORTER.importClasses(Hidden.class, Api.class),
                "other", IMPORTER.importClasses(Sneaky.class)));
        assertThat(violations).extracting(InternalPackagesRule.Violation::user).containsOnly(Sneaky.class.getName());
    }

    @Test
    void theOwnerAndItsSubpackagesInTheSameModuleAreAllowed() {
        assertThat(InternalPackagesRule.check(Map.of("lib", IMPORTER.importClasses(Hidden.class, Api.class, Sneaky.class)))).isEmpty();
    }

    @Test
    void ownersOfInternalPackages() {
        assertThat(InternalPackagesRule.owner("dev.meldtown.crdt.internal")).isEqualTo("dev.meldtown.crdt");
        assertThat(InternalPackagesRule.owner("dev.meldtown.sync.federation.internal.x")).isEqualTo("dev.meldtown.sync.federation");
        assertThat(InternalPackagesRule.owner("dev.meldtown.internalish")).isNull();
        assertThat(InternalPackagesRule.owner("dev.meldtown.crdt")).isNull();
    }
}
