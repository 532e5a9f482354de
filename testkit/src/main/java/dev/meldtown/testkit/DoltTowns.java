package dev.meldtown.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * N towns that share history: the first is created fresh, the others start as clones of it over
 * remotesapi, as real towns start from a common origin. All share one federation password because one
 * sql-server process can hold only one {@code DOLT_REMOTE_PASSWORD}.
 */
public final class DoltTowns implements AutoCloseable {
    public static final String DEFAULT_SQL_PASSWORD = "meldtown-sql";
    public static final String DEFAULT_REMOTE_PASSWORD = "meldtown-federation";

    private final Path dir;
    private final Map<String, DoltTown> towns = new LinkedHashMap<>();

    private DoltTowns(Path dir) {
        this.dir = dir;
    }

    public static DoltTowns start(String... names) {
        if (names.length == 0) {
            throw new IllegalArgumentException("at least one town");
        }
        DoltTowns result;
        try {
            result = new DoltTowns(Files.createTempDirectory("meldtown-towns-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            DoltTown origin = DoltTown.origin(names[0], result.dir, DEFAULT_SQL_PASSWORD, DEFAULT_REMOTE_PASSWORD);
            result.towns.put(names[0], origin);
            for (int i = 1; i < names.length; i++) {
                result.towns.put(names[i], DoltTown.cloneOf(names[i], result.dir, origin, DEFAULT_SQL_PASSWORD));
            }
            return result;
        } catch (RuntimeException e) {
            result.close();
            throw e;
        }
    }

    public DoltTown get(String name) {
        DoltTown town = towns.get(name);
        if (town == null) {
            throw new NoSuchElementException("no town " + name + " (have " + towns.keySet() + ")");
        }
        return town;
    }

    public List<DoltTown> all() {
        return new ArrayList<>(towns.values());
    }

    @Override
    public void close() {
        towns.values().forEach(DoltTown::close);
        Files2.deleteTree(dir);
    }
}
