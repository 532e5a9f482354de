package dev.meldtown.testkit.quarkus;

import dev.meldtown.testkit.DoltTown;
import dev.meldtown.testkit.DoltTowns;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Map;

/**
 * Quarkus test resource: real Dolt towns {@code north} and {@code south} (override with the init arg
 * {@code towns=a,b,c}), exposed as {@code meldtown.sync.towns.<name>.*} config.
 */
public final class DoltTownsTestResource implements QuarkusTestResourceLifecycleManager {
    private String[] names = {"north", "south"};
    private DoltTowns towns;

    @Override
    public void init(Map<String, String> initArgs) {
        if (initArgs.containsKey("towns")) {
            names = initArgs.get("towns").split(",");
        }
    }

    @Override
    public Map<String, String> start() {
        towns = DoltTowns.start(names);
        Map<String, String> config = new HashMap<>();
        for (DoltTown town : towns.all()) {
            String prefix = "meldtown.sync.towns." + town.name() + ".";
            config.put(prefix + "host", town.sqlHost());
            config.put(prefix + "port", String.valueOf(town.sqlPort()));
            config.put(prefix + "database", town.database());
            config.put(prefix + "user", town.sqlUser());
            config.put(prefix + "password", town.sqlPassword());
            config.put(prefix + "remotes-api-url", town.remotesApiUrl());
            config.put(prefix + "remote-user", town.remoteUser());
        }
        return config;
    }

    @Override
    public void stop() {
        if (towns != null) {
            towns.close();
        }
    }
}
