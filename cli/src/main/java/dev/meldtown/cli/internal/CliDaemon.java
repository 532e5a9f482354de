package dev.meldtown.cli.internal;

import dev.meldtown.cli.Main;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
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
 * <p>It listens on a Unix socket in a directory only its user may enter, one daemon per jar and JDK. It stops when
 * it has had no command for its idle time (900 s unless given), when its jar changes, or when its socket is
 * removed.
 *
 * <p>Usage: {@code java -cp meldtown-cli.jar dev.meldtown.cli.internal.CliDaemon SOCKET [IDLE_SECONDS]}.
 */
public final class CliDaemon implements AutoCloseable {
    static final long DEFAULT_IDLE_SECONDS = 900;

    private final Path socket;
    private final ServerSocketChannel server;
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicLong lastDone = new AtomicLong(System.nanoTime());
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong served = new AtomicLong();
    private volatile boolean closed;

    private CliDaemon(Path socket, ServerSocketChannel server) {
        this.socket = socket;
        this.server = server;
    }

    /** A daemon listening on {@code socket} (a stale socket file is replaced), or an exception if one already is. */
    static CliDaemon bind(Path socket) throws IOException {
        // whoever can connect can run commands as this user: only this user may enter the socket's directory
        Files.setPosixFilePermissions(socket.getParent(), java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        if (Files.exists(socket)) {
            try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                probe.connect(UnixDomainSocketAddress.of(socket));
                throw new IOException("a daemon already listens on " + socket);
            } catch (IOException e) {
                if (e.getMessage() != null && e.getMessage().startsWith("a daemon already")) {
                    throw e;
                }
                Files.deleteIfExists(socket); // nobody behind it
            }
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        return new CliDaemon(socket, server);
    }

    /** Commands run so far (not those refused). */
    long served() {
        return served.get();
    }

    /** Accepts commands until closed, each on a thread of its own. */
    void serve() {
        while (!closed) {
            SocketChannel ch;
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
                    // a connection that sent no command: another daemon's probe whether this one is alive
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

    private void handle(SocketChannel ch) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(ch), 8192));
        DataOutputStream wire = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(ch), 65536));
        DaemonWire.Request req = DaemonWire.Request.read(in);
        String[] args = req.args().toArray(String[]::new);
        if (FastArgs.parse(args) == null || !DaemonClient.eligible(args) || !req.workingDirectory().isAbsolute()) {
            synchronized (wire) {
                wire.writeByte(DaemonWire.REFUSED);
                wire.flush();
            }
            return;
        }
        synchronized (wire) { // from here on the command runs: a client that loses the daemon must not run it again
            wire.writeByte(DaemonWire.ACCEPTED);
        }
        served.incrementAndGet();
        PrintWriter out = new PrintWriter(new OutputStreamWriter(new BufferedOutputStream(new DaemonWire.FrameStream(wire, DaemonWire.OUT), 65536),
                StandardCharsets.UTF_8), false);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(new DaemonWire.FrameStream(wire, DaemonWire.ERR), StandardCharsets.UTF_8), true);
        int code;
        try {
            code = Invocation.as(req.workingDirectory(), req.progress(), () -> Main.run(args, out, err));
        } catch (RuntimeException | Error e) { // the verbs report their own errors; this is the last line of defence
            err.println("meldtown: " + Verb.oneLine(String.valueOf(e)));
            code = Verb.EXIT_ERROR;
        }
        out.flush();
        err.flush();
        synchronized (wire) {
            wire.writeByte(DaemonWire.EXIT);
            wire.writeInt(code);
            wire.flush();
        }
    }

    /** Whether the daemon should stop: idle too long, or its socket is gone (removed, or replaced by another's). */
    boolean idle(long idleNanos) {
        return active.get() == 0 && System.nanoTime() - lastDone.get() > idleNanos;
    }

    @Override
    public void close() throws IOException {
        stop(true);
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
        try (var walk = Files.walk(tree)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | RuntimeException e) {
            // a scratch directory left behind in the temporary directory
        }
    }

    private static void log(String line) {
        System.out.println(Instant.now() + " " + line);
        System.out.flush();
    }

    public static void main(String[] args) throws Exception {
        Path socket = Path.of(args[0]).toAbsolutePath();
        long idleSeconds = idleSeconds(args.length > 1 ? args[1] : "");
        Path jar = Path.of(System.getProperty("java.class.path")).toAbsolutePath();
        FileTime jarTime = Files.getLastModifiedTime(jar);
        Path starting = socket.resolveSibling(socket.getFileName() + ".starting");
        CliDaemon daemon;
        try {
            daemon = bind(socket);
        } catch (IOException e) {
            log("not started: " + e.getMessage());
            if (e.getMessage() != null && e.getMessage().startsWith("a daemon already")) {
                Files.deleteIfExists(starting);
            } // otherwise the marker keeps clients from starting another for a minute
            return;
        }
        Object inode = Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        Files.deleteIfExists(starting);
        log("listening on " + socket + " (idle " + idleSeconds + " s, jar " + jar + ")");
        Thread watch = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(2000);
                    String why = null;
                    if (daemon.idle(idleSeconds * 1_000_000_000L)) {
                        why = "idle for " + idleSeconds + " s";
                    } else if (!Files.exists(jar) || !Files.getLastModifiedTime(jar).equals(jarTime)) {
                        why = "its jar changed";
                    } else if (!Files.exists(socket)
                            || !inode.equals(Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class).fileKey())) {
                        why = "its socket was removed";
                    }
                    if (why != null) {
                        log("stopping after " + daemon.served() + " commands: " + why);
                        daemon.stop(!why.startsWith("its socket"));
                        return;
                    }
                } catch (InterruptedException | IOException e) {
                    log("stopping after " + daemon.served() + " commands: " + e);
                    try {
                        daemon.stop(false);
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

    /** Stops accepting commands; {@code removeSocket} unless the socket file may be another daemon's by now. */
    private void stop(boolean removeSocket) throws IOException {
        closed = true;
        server.close();
        if (removeSocket) {
            Files.deleteIfExists(socket);
        }
    }
}
