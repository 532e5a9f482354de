package dev.meldtown.cli.internal;

import dev.meldtown.cli.Main;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A warm JVM for the command line ({@code bin/meldtown}, {@code MELDTOWN_CLI_DAEMON=0} turns it off): a replica
 * verb on local files is most of its time in code that the JIT has not compiled yet when it runs in a fresh JVM. The
 * daemon runs the commands that {@link DaemonClient} sends it, each on its own thread with the client's working
 * directory, exactly as {@link Main#run} runs them in a process of their own.
 *
 * <p>It listens on the loopback address, one daemon per jar and JDK, and takes only commands that carry the random
 * token of its address file, which sits in a directory only its user may enter (as Gradle's daemon does). It stops
 * when it has had no command for its idle time (900 s unless given), when its jar changes, or when its address
 * file is removed.
 *
 * <p>Usage: {@code java -cp meldtown-cli.jar dev.meldtown.cli.internal.CliDaemon ADDRESS_FILE [IDLE_SECONDS]}.
 */
public final class CliDaemon implements AutoCloseable {
    static final long DEFAULT_IDLE_SECONDS = 900;

    private final Path addressFile;
    private final DaemonWire.Address address;
    private final ServerSocket server;
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicLong lastDone = new AtomicLong(System.nanoTime());
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong served = new AtomicLong();
    private volatile boolean closed;

    private CliDaemon(Path addressFile, DaemonWire.Address address, ServerSocket server) {
        this.addressFile = addressFile;
        this.address = address;
        this.server = server;
    }

    /**
     * A daemon listening on the loopback address, its port and a new token written to {@code addressFile} (a stale
     * file is replaced), or an exception if a daemon already answers there.
     */
    static CliDaemon bind(Path addressFile) throws IOException {
        // the address file holds the token that lets a client run commands as this user: only the user may enter
        Files.setPosixFilePermissions(addressFile.getParent(), java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        if (Files.exists(addressFile) && DaemonClient.alive(addressFile)) {
            throw new AlreadyAnswering(addressFile);
        }
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        byte[] random = new byte[DaemonWire.TOKEN_LENGTH / 2];
        new SecureRandom().nextBytes(random);
        DaemonWire.Address address = new DaemonWire.Address(server.getLocalPort(), java.util.HexFormat.of().formatHex(random));
        try {
            address.write(addressFile);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        return new CliDaemon(addressFile, address, server);
    }

    /** Another daemon answers at the address file: this one is not needed. */
    static final class AlreadyAnswering extends IOException {
        AlreadyAnswering(Path addressFile) {
            super("a daemon already answers at " + addressFile);
        }
    }

    /** Commands run so far (not those refused). */
    long served() {
        return served.get();
    }

    /** Accepts commands until closed, each on a thread of its own. */
    void serve() {
        while (!closed) {
            Socket ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                throw new UncheckedIOException(e);
            }
            active.incrementAndGet();
            Thread t = new Thread(() -> {
                try (ch) {
                    handle(ch);
                } catch (java.io.EOFException e) {
                    // a connection that sent nothing
                } catch (IOException | RuntimeException e) {
                    log("command failed: " + e);
                } finally {
                    lastDone.set(System.nanoTime());
                    active.decrementAndGet();
                }
            }, "meldtown-command-" + accepted.incrementAndGet());
            t.setDaemon(true);
            t.start();
        }
    }

    private void handle(Socket ch) throws IOException {
        InputStream in = new BufferedInputStream(ch.getInputStream(), 8192);
        OutputStream wire = new BufferedOutputStream(ch.getOutputStream(), 65536);
        DaemonWire.Request req = DaemonWire.Request.read(in, address.token());
        String[] args = req.args().toArray(String[]::new);
        Verb verb = FastArgs.parse(args); // run as Main.run runs the forms FastArgs parses; the others are refused
        if (verb == null || !DaemonClient.eligible(args) || !req.workingDirectory().isAbsolute()) {
            synchronized (wire) {
                wire.write(DaemonWire.REFUSED);
                wire.flush();
            }
            return;
        }
        synchronized (wire) { // from here on the command runs: a client that loses the daemon must not run it again
            wire.write(DaemonWire.ACCEPTED);
        }
        served.incrementAndGet();
        PrintWriter out = new PrintWriter(new OutputStreamWriter(new BufferedOutputStream(new DaemonWire.FrameStream(wire, DaemonWire.OUT), 65536),
                StandardCharsets.UTF_8), false);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(new DaemonWire.FrameStream(wire, DaemonWire.ERR), StandardCharsets.UTF_8), true);
        int code;
        try {
            code = Invocation.as(req.workingDirectory(), req.progress(), () -> verb.execute(args[0], out, err));
        } catch (RuntimeException | Error e) { // the verbs report their own errors; this is the last line of defence
            err.println("meldtown: " + Verb.oneLine(String.valueOf(e)));
            code = Verb.EXIT_ERROR;
        }
        out.flush();
        err.flush();
        synchronized (wire) {
            wire.write(DaemonWire.EXIT);
            DaemonWire.writeInt(wire, code);
            wire.flush();
        }
    }

    /** Whether the daemon has had no command for {@code idleNanos}. */
    boolean idle(long idleNanos) {
        return active.get() == 0 && System.nanoTime() - lastDone.get() > idleNanos;
    }

    @Override
    public void close() throws IOException {
        stop();
    }

    /**
     * Runs every replica verb on scratch replicas of 2,000 items (in the temporary directory), {@link #WARM_UP_ROUNDS}
     * times or until the daemon stops, so that the first commands find the JIT's compiled code rather than make it
     * (the reason the daemon exists). Commands that arrive meanwhile run beside it.
     */
    private void warmUp() {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("meldtown-daemon-warm-up-");
            long start = System.nanoTime();
            int failed = 0;
            for (int round = 0; round < WARM_UP_ROUNDS && !closed; round++) {
                failed += AotTraining.exercise(dir, 2000);
            }
            log("warmed up in " + (System.nanoTime() - start) / 1_000_000 + " ms" + (failed == 0 ? "" : " (" + failed + " verbs failed)"));
        } catch (IOException | RuntimeException e) {
            log("warm-up failed: " + e);
        } finally {
            deleteQuietly(dir);
        }
    }

    static final int WARM_UP_ROUNDS = 12;

    private static void deleteQuietly(Path tree) {
        if (tree == null) {
            return;
        }
        try {
            AotTraining.delete(tree);
        } catch (IOException | RuntimeException e) {
            // a scratch directory left behind in the temporary directory
        }
    }

    private static void log(String line) {
        System.out.println(Instant.now() + " " + line);
        System.out.flush();
    }

    public static void main(String[] args) throws Exception {
        Path addressFile = Path.of(args[0]).toAbsolutePath();
        long idleSeconds = idleSeconds(args.length > 1 ? args[1] : "");
        Path jar = Path.of(System.getProperty("java.class.path")).toAbsolutePath();
        FileTime jarTime = Files.getLastModifiedTime(jar);
        Path starting = addressFile.resolveSibling(addressFile.getFileName() + ".starting");
        CliDaemon daemon;
        try {
            daemon = bind(addressFile);
        } catch (AlreadyAnswering e) {
            log("not started: " + e.getMessage());
            Files.deleteIfExists(starting);
            return;
        } catch (IOException e) {
            log("not started: " + e.getMessage()); // the marker keeps clients from starting another for a minute
            return;
        }
        Files.deleteIfExists(starting);
        log("listening on 127.0.0.1:" + daemon.address.port() + " (" + addressFile + ", idle " + idleSeconds + " s, jar " + jar + ")");
        Thread watch = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(2000);
                    String why = null;
                    if (daemon.idle(idleSeconds * 1_000_000_000L)) {
                        why = "idle for " + idleSeconds + " s";
                    } else if (!Files.exists(jar) || !Files.getLastModifiedTime(jar).equals(jarTime)) {
                        why = "its jar changed";
                    } else if (!daemon.ownsAddressFile()) {
                        why = "its address file was removed";
                    }
                    if (why != null) {
                        log("stopping after " + daemon.served() + " commands: " + why);
                        daemon.stop();
                        return;
                    }
                } catch (InterruptedException | IOException e) {
                    log("stopping after " + daemon.served() + " commands: " + e);
                    try {
                        daemon.stop();
                    } catch (IOException again) {
                        Runtime.getRuntime().halt(1);
                    }
                    return;
                }
            }
        }, "meldtown-daemon-watch");
        watch.setDaemon(true);
        watch.start();
        Thread warm = new Thread(daemon::warmUp, "meldtown-daemon-warm-up");
        warm.setDaemon(true);
        warm.start();
        daemon.serve();
        // no more commands are accepted: the ones accepted before finish, then the JVM ends
        while (daemon.active.get() > 0) {
            Thread.sleep(50);
        }
        warm.join(10_000); // it stops after its current round and removes its scratch replicas
        Runtime.getRuntime().halt(0);
    }

    /** The idle time given (seconds, at least 1), or the default for none or one that is not a number. */
    static long idleSeconds(String given) {
        if (given.isBlank()) {
            return DEFAULT_IDLE_SECONDS;
        }
        try {
            return Math.max(1, Long.parseLong(given.strip()));
        } catch (NumberFormatException e) {
            log("idle time '" + given + "' is not a number of seconds: " + DEFAULT_IDLE_SECONDS + " s");
            return DEFAULT_IDLE_SECONDS;
        }
    }

    /** Whether the address file is still this daemon's (not removed, nor replaced by another daemon's). */
    boolean ownsAddressFile() {
        try {
            return address.equals(DaemonWire.Address.read(addressFile));
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops accepting commands, and removes the address file if it is still this daemon's. */
    private void stop() throws IOException {
        closed = true;
        server.close();
        if (ownsAddressFile()) {
            Files.deleteIfExists(addressFile);
        }
    }
}
