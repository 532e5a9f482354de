package dev.meldtown.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One town: a real {@code dolt sql-server} process on loopback with remotesapi enabled, holding the
 * database {@code beads} with a Beads-like {@code issues} table, an SQL user that may do anything and a
 * remote user for federation. The server's environment carries {@code DOLT_REMOTE_PASSWORD}, because Dolt
 * reads the password for {@code --user} transfers from the environment of the process that transfers.
 */
public final class DoltTown implements AutoCloseable {
    public static final String DATABASE = "beads";
    public static final String SQL_USER = "meldtown";
    public static final String REMOTE_USER = "fed";

    /** The Beads-like schema, shared with bin/stack so tests and the local stack hold the same table. */
    static final String ISSUES_DDL = readSchema();

    private final String name;
    private final Path dir;
    private final String sqlPassword;
    private final String remotePassword;
    private final int sqlPort;
    private final int remotesApiPort;
    private Process process;

    private DoltTown(String name, Path dir, String sqlPassword, String remotePassword, int sqlPort, int remotesApiPort) {
        this.name = name;
        this.dir = dir;
        this.sqlPassword = sqlPassword;
        this.remotePassword = remotePassword;
        this.sqlPort = sqlPort;
        this.remotesApiPort = remotesApiPort;
    }

    /**
     * The town {@code name} in {@code parent/name} ({@code doltroot/}: its Dolt config, {@code data/}: its databases) on
     * the given loopback ports; nothing is created or started. The local stack ({@link StackInfra}) uses this.
     */
    public static DoltTown at(String name, Path parent, String sqlPassword, String remotePassword, int sqlPort, int remotesApiPort) {
        return new DoltTown(name, parent.resolve(name), sqlPassword, remotePassword, sqlPort, remotesApiPort);
    }

    /** Creates a town with a fresh {@code beads} database (one commit holding the issues table) and starts it. */
    public static DoltTown origin(String name, Path parent, String sqlPassword, String remotePassword) {
        DoltTown town = at(name, parent, sqlPassword, remotePassword, Ports.free(), Ports.free());
        town.createOrigin(null);
        town.start();
        return town;
    }

    /** Creates a town whose {@code beads} is a clone of another town's, over its remotesapi, and starts it. */
    public static DoltTown cloneOf(String name, Path parent, DoltTown origin, String sqlPassword) {
        DoltTown town = at(name, parent, sqlPassword, origin.remotePassword, Ports.free(), Ports.free());
        town.createCloneOf(origin.remotesApiUrl());
        town.start();
        return town;
    }

    /** Whether this town's database exists (created by {@link #createOrigin} or {@link #createCloneOf}). */
    public boolean created() {
        return Files.isDirectory(dataDir().resolve(DATABASE).resolve(".dolt"));
    }

    /**
     * Creates (offline) the database {@code beads} with the issues table in one commit, plus the town's users; with
     * {@code firstIssue}, the commit also holds issue {@code bd-1} with that title.
     */
    public void createOrigin(String firstIssue) {
        configure();
        Path db = dataDir().resolve(DATABASE);
        createDirs(db);
        dolt(db, "init", "--name", "meldtown", "--email", "meldtown@localhost");
        dolt(db, "sql", "-q", ISSUES_DDL);
        if (firstIssue != null) {
            dolt(db, "sql", "-q", "INSERT INTO issues (id, title) VALUES ('bd-1', '" + firstIssue.replace("'", "''") + "')");
        }
        dolt(db, "add", ".");
        dolt(db, "commit", "-m", firstIssue == null ? "beads: issues table" : "beads: issues table and a first issue");
        createUsers();
    }

    /**
     * Creates {@code beads} as a clone of the running town at {@code originRemotesApiUrl}, fetched as the remote user with
     * this town's remote password (towns of one group share it), plus the town's users.
     */
    public void createCloneOf(String originRemotesApiUrl) {
        configure();
        createDirs(dataDir());
        dolt(dataDir(), Map.of("DOLT_REMOTE_PASSWORD", remotePassword), "clone", "--user", REMOTE_USER, originRemotesApiUrl, DATABASE);
        // The clone's "origin" remote points at the other town; federation adds its own named peers.
        dolt(dataDir().resolve(DATABASE), "remote", "remove", "origin");
        createUsers();
    }

    private static String readSchema() {
        try (var in = DoltTown.class.getResourceAsStream("beads-schema.sql")) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("beads-schema.sql is missing from the testkit", e);
        }
    }

    private void configure() {
        createDirs(rootDir());
        dolt(dir, "config", "--global", "--add", "user.name", "meldtown");
        dolt(dir, "config", "--global", "--add", "user.email", "meldtown@localhost");
        dolt(dir, "config", "--global", "--add", "metrics.disabled", "true");
    }

    private void createUsers() {
        dolt(dataDir(), "sql", "-q", String.join(" ",
                "CREATE USER '" + SQL_USER + "'@'%' IDENTIFIED BY '" + sqlPassword + "';",
                "GRANT ALL PRIVILEGES ON *.* TO '" + SQL_USER + "'@'%' WITH GRANT OPTION;",
                "CREATE USER '" + REMOTE_USER + "'@'%' IDENTIFIED BY '" + remotePassword + "';",
                "GRANT CLONE_ADMIN ON *.* TO '" + REMOTE_USER + "'@'%';",
                "GRANT ALL PRIVILEGES ON " + DATABASE + ".* TO '" + REMOTE_USER + "'@'%' WITH GRANT OPTION;",
                // Dolt 1.88.1 accepts a push over remotesapi only from a user with global SUPER.
                "GRANT SUPER ON *.* TO '" + REMOTE_USER + "'@'%';"));
    }

    /** Starts (or restarts) the sql-server on the same ports and data. */
    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        try {
            ProcessBuilder pb = serverCommand()
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("server.log").toFile()));
            process = pb.start();
            Processes.track(process);
            Ports.awaitListening(sqlPort, Duration.ofSeconds(60), process, "dolt sql-server " + name);
            Ports.awaitListening(remotesApiPort, Duration.ofSeconds(30), process, "dolt remotesapi " + name);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start dolt sql-server for town " + name, e);
        }
    }

    /**
     * The town's {@code dolt sql-server} on its ports, as a command (not started): in the data directory, with the town's
     * own Dolt config and {@code DOLT_REMOTE_PASSWORD} (Dolt reads the password for {@code --user} transfers from the
     * environment of the process that transfers).
     */
    public ProcessBuilder serverCommand() {
        ProcessBuilder pb = new ProcessBuilder(Tools.dolt().toString(), "sql-server",
                "--host", "127.0.0.1", "--port", String.valueOf(sqlPort),
                "--remotesapi-port", String.valueOf(remotesApiPort), "--loglevel", "info")
                .directory(dataDir().toFile());
        env(pb.environment());
        pb.environment().put("DOLT_REMOTE_PASSWORD", remotePassword);
        return pb;
    }

    /** Stops the server (data is kept), e.g. to make this town unreachable for a peer. */
    public synchronized void stop() {
        if (process != null) {
            Processes.stop(process, Duration.ofSeconds(10));
            process = null;
        }
    }

    public boolean running() {
        return process != null && process.isAlive();
    }

    public String name() {
        return name;
    }

    public String sqlHost() {
        return "127.0.0.1";
    }

    public int sqlPort() {
        return sqlPort;
    }

    public String database() {
        return DATABASE;
    }

    public String sqlUser() {
        return SQL_USER;
    }

    public String sqlPassword() {
        return sqlPassword;
    }

    public String remoteUser() {
        return REMOTE_USER;
    }

    public String remotePassword() {
        return remotePassword;
    }

    public int remotesApiPort() {
        return remotesApiPort;
    }

    public String remotesApiUrl() {
        return "http://127.0.0.1:" + remotesApiPort + "/" + DATABASE;
    }

    public String jdbcUrl() {
        return "jdbc:mariadb://127.0.0.1:" + sqlPort + "/" + DATABASE + "?useSsl=false&allowPublicKeyRetrieval=true";
    }

    /** A new JDBC connection as the town's SQL user; the caller closes it. */
    public Connection connect() throws SQLException {
        // The driver class directly: DriverManager may hold a driver from a closed Quarkus class loader.
        var props = new java.util.Properties();
        props.setProperty("user", SQL_USER);
        props.setProperty("password", sqlPassword);
        return new org.mariadb.jdbc.Driver().connect(jdbcUrl(), props);
    }

    /** Inserts a row into the Beads-like {@code issues} table and commits it ("{town} adds {id}"). */
    public void commitIssue(String id, String title) throws SQLException {
        try (Connection c = connect()) {
            try (java.sql.PreparedStatement ps = c.prepareStatement("INSERT INTO issues (id, title) VALUES (?, ?)")) {
                ps.setString(1, id);
                ps.setString(2, title);
                ps.execute();
            }
            try (java.sql.PreparedStatement ps = c.prepareStatement("CALL DOLT_COMMIT('-Am', ?)")) {
                ps.setString(1, name + " adds " + id);
                ps.execute();
            }
        }
    }

    /** The commit hash of {@code main}. */
    public String head() throws SQLException {
        try (Connection c = connect(); java.sql.Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT DOLT_HASHOF('main')")) {
            rs.next();
            return rs.getString(1);
        }
    }

    public Path dir() {
        return dir;
    }

    public Path dataDir() {
        return dir.resolve("data");
    }

    private Path rootDir() {
        return dir.resolve("doltroot");
    }

    public String log() {
        try {
            Path log = dir.resolve("server.log");
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** Runs a dolt CLI command in this town's environment (offline: only while the server is stopped). */
    public String dolt(Path workDir, String... args) {
        return dolt(workDir, Map.of(), args);
    }

    private String dolt(Path workDir, Map<String, String> extraEnv, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Tools.dolt().toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
        env(pb.environment());
        pb.environment().putAll(extraEnv);
        return Processes.run(pb, Duration.ofMinutes(2), "dolt " + args[0] + " (town " + name + ")");
    }

    private void env(Map<String, String> env) {
        // Isolates Dolt's global config (~/.dolt) per town so tests never touch the user's own.
        env.put("DOLT_ROOT_PATH", rootDir().toString());
        env.put("DOLT_DISABLE_EVENT_FLUSH", "true");
        env.remove("DOLT_REMOTE_PASSWORD");
    }

    private void createDirs(Path path) {
        try {
            Files.createDirectories(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        stop();
    }
}
