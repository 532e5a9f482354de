package dev.meldtown.testkit.junit;

import dev.meldtown.testkit.DoltTown;
import dev.meldtown.testkit.DoltTowns;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * {@code @RegisterExtension static DoltTownsExtension towns = new DoltTownsExtension("north", "south");}:
 * real Dolt sql-servers for a test class, stopped and deleted afterwards even when tests fail.
 */
public final class DoltTownsExtension implements BeforeAllCallback, AfterAllCallback {
    private final String[] names;
    private DoltTowns towns;

    public DoltTownsExtension(String... names) {
        this.names = names.clone();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        towns = DoltTowns.start(names);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (towns != null) {
            towns.close();
            towns = null;
        }
    }

    public DoltTown town(String name) {
        if (towns == null) {
            throw new IllegalStateException("towns are not running: register the extension on a static field");
        }
        return towns.get(name);
    }

    public DoltTowns towns() {
        return towns;
    }
}
