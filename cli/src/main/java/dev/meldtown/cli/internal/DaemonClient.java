package dev.meldtown.cli.internal;

import java.io.BufferedInputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The command line's side of the {@link CliDaemon}: a replica verb on local files ({@code file://},
 * {@code file+flate://}) is sent to a warm JVM, which runs it with its code already compiled, and its output, error
 * lines and exit code come back as if this process had run it. With no daemon listening, a daemon is started in the
 * background for the next command, and this one runs in a JVM of its own ({@code bin/meldtown}, on exit code
 * {@link #NOT_SERVED}).
 *
 * <p>The daemon's address file ({@code d-<key>.port} in {@code -Dmeldtown.daemon.dir}) names its loopback port and
 * the token it asks for (TCP, not a Unix socket: opening a Unix socket channel seeds a {@code SecureRandom}, and the
 * client took 53 ms that way against 44, side by side).
 *
 * <p>Anything else runs here: hub verbs, S3 and hub replicas (their credentials come from this process's
 * environment), {@code memory://} (gone when the command ends), {@code --help} and every form {@link FastArgs}
 * leaves to picocli.
 */
public final class DaemonClient {
    /** How long a daemon that is starting (or failed to start) keeps others from starting. */
    private static final long STARTING_MILLIS = 60_000;

    private DaemonClient() {
    }

    /** The exit code of {@link #main} when no daemon took the command: {@code bin/meldtown} then runs it itself. */
    static final int NOT_SERVED = 222;

    /**
     * Whether {@code args} may run in the daemon: a replica verb whose replicas are all local files (the daemon
     * still refuses what {@link FastArgs} leaves to picocli).
     */
    static boolean eligible(String[] args) {
        if (args.length == 0 || !replicaVerb(args[0])) {
            return false;
        }
        boolean any = false;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            String url = null;
            if ((a.equals("-s") || a.equals("--source") || a.equals("-t") || a.equals("--target")) && i + 1 < args.length) {
                url = args[++i];
            } else if (a.startsWith("--source=") || a.startsWith("--target=")) {
                url = a.substring(a.indexOf('=') + 1);
            } else if (a.contains("://")) {
                return false; // a URL anywhere else: not ours to judge
            }
            if (url != null) {
                if (!url.startsWith("file:///") && !url.startsWith("file+flate:///")) {
                    return false;
                }
                any = true;
            }
        }
        return any;
    }

    /**
     * The verbs {@link FastArgs} parses (a switch, not {@code FastArgs.options}: loading and verifying FastArgs loads
     * every verb class, which this client never runs; {@code CliDaemonTest} keeps the two lists equal).
     */
    static boolean replicaVerb(String verb) {
        switch (verb) {
            case "read", "update", "meld", "log", "conflicts", "history", "value", "resolve":
                return true;
            default:
                return false;
        }
    }

    /**
     * The address file of the daemon for this JVM and jar, in {@code dir}. (StringBuilder, not {@code +}: the client's
     * start is a few dozen milliseconds, and the first string concatenation through invokedynamic costs several.)
     */
    static Path addressFile(Path dir) throws IOException {
        Path j = Path.of(System.getProperty("java.class.path")).toAbsolutePath();
        String key = new StringBuilder().append(j).append('|').append(Files.size(j)).append('|')
                .append(Files.getLastModifiedTime(j).toMillis()).append('|').append(System.getProperty("java.home")).toString();
        return dir.resolve(new StringBuilder("d-").append(Integer.toHexString(key.hashCode())).append('-')
                .append(Integer.toHexString(key.length())).append(".port").toString());
    }

    /**
     * Runs {@code args} in the daemon whose address file is {@code addressFile}, copying its output to {@code out}
     * and {@code err}. Returns the exit code, or {@code -1} if no daemon took the command (then nothing was written
     * and nothing was run).
     */
    static int call(Path addressFile, String[] args, Path workingDirectory, boolean progress, OutputStream out, OutputStream err) {
        Socket socket = send(addressFile, new DaemonWire.Request(Arrays.asList(args), workingDirectory, progress));
        if (socket == null) {
            return -1; // no daemon (or none alive behind the file)
        }
        try {
            InputStream in;
            int first;
            try {
                in = new BufferedInputStream(socket.getInputStream(), 65536);
                first = in.read();
            } catch (IOException e) {
                return -1; // the daemon went away before it took the command: nothing ran
            }
            if (first != DaemonWire.ACCEPTED) {
                return -1; // refused, or gone before it took the command
            }
            try {
                return DaemonWire.relay(in, out, err);
            } catch (IOException e) {
                // the daemon went away during the command: it may have run in part, so it is not run again here
                try {
                    out.flush();
                    err.write(("meldtown: the CLI daemon stopped during the command (" + e + "); its outcome is unknown\n")
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    err.flush();
                } catch (IOException ignored) {
                    // nowhere left to say it
                }
                return Verb.EXIT_ERROR;
            }
        } finally {
            try {
                socket.close();
            } catch (IOException ignored) {
                // the answer is complete
            }
        }
    }

    /**
     * A connection to the daemon of {@code addressFile} that has sent its token and {@code request}, or null when no
     * daemon answers there (nothing was sent then).
     */
    private static Socket send(Path addressFile, DaemonWire.Request request) {
        Socket socket = null;
        try {
            DaemonWire.Address address = DaemonWire.Address.read(addressFile);
            socket = new Socket(InetAddress.getLoopbackAddress(), address.port());
            OutputStream w = socket.getOutputStream();
            w.write(request.encode(address.token()));
            w.flush();
            return socket;
        } catch (IOException | RuntimeException e) {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // not connected after all
                }
            }
            return null;
        }
    }

    /** Whether a daemon answers at {@code addressFile} (it refuses an empty command). */
    static boolean alive(Path addressFile) {
        Socket socket = send(addressFile, new DaemonWire.Request(List.of(), Path.of("/"), false));
        if (socket == null) {
            return false;
        }
        try (socket) {
            socket.setSoTimeout(5000); // a daemon that does not answer a ping in time is not one to rely on
            return socket.getInputStream().read() == DaemonWire.REFUSED;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The client JVM {@code bin/meldtown} starts for a replica verb: runs it in the daemon of
     * {@code -Dmeldtown.daemon.dir} and ends with its exit code, or with {@link #NOT_SERVED}, having written nothing.
     */
    public static void main(String[] args) {
        OutputStream out = new java.io.FileOutputStream(java.io.FileDescriptor.out);
        OutputStream err = new java.io.FileOutputStream(java.io.FileDescriptor.err);
        int code = tryDaemon(System.getProperty("meldtown.daemon.dir"), System.getProperty("meldtown.daemon.idle"), args, out, err);
        Runtime.getRuntime().halt(code < 0 ? NOT_SERVED : code); // as Launcher: nothing else for exit to do
    }

    /**
     * {@code bin/meldtown}'s entry: runs {@code args} in the daemon of {@code dir} if it is eligible and one is
     * listening; otherwise starts one in the background (unless one is starting) and returns {@code -1}.
     */
    static int tryDaemon(String dir, String idleSeconds, String[] args, OutputStream out, OutputStream err) {
        if (dir == null || !eligible(args)) {
            return -1;
        }
        try {
            Path d = Path.of(dir);
            Path address = addressFile(d);
            int code = call(address, args, Path.of("").toAbsolutePath(), "true".equals(System.getProperty("meldtown.progress")), out, err);
            if (code < 0) {
                start(d, address, idleSeconds);
            }
            return code;
        } catch (IOException | RuntimeException e) {
            return -1; // no daemon: the command runs here as it always did
        }
    }

    /** Starts a daemon for {@code address} in the background, detached from this process and its terminal. */
    private static void start(Path dir, Path address, String idleSeconds) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        Path starting = address.resolveSibling(address.getFileName() + ".starting");
        try {
            Files.createFile(starting);
        } catch (FileAlreadyExistsException e) {
            if (System.currentTimeMillis() - Files.getLastModifiedTime(starting).toMillis() < STARTING_MILLIS) {
                return; // another command is starting it
            }
            Files.setLastModifiedTime(starting, FileTime.fromMillis(System.currentTimeMillis()));
        }
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            cmd.add("/usr/bin/setsid"); // its own session: a closed terminal's hangup does not reach it
        }
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseParallelGC", "-XX:InitialRAMPercentage=6", "-XX:NewRatio=1", "-Xshare:auto",
                "-Dfile.encoding=UTF-8", "-Dsun.jnu.encoding=UTF-8", "-Dstdout.encoding=UTF-8", "-Dstderr.encoding=UTF-8",
                "-cp", Path.of(System.getProperty("java.class.path")).toAbsolutePath().toString(),
                CliDaemon.class.getName(), address.toString(), idleSeconds == null ? "" : idleSeconds));
        File log = address.resolveSibling(address.getFileName().toString().replace(".port", ".log")).toFile();
        new ProcessBuilder(cmd).directory(dir.toFile()).redirectInput(new File("/dev/null"))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).redirectErrorStream(true).start();
    }
}
