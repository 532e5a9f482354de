package dev.meldtown.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real S3 server (the standalone S3Proxy jar that scripts/install/s3proxy.sh installs) as a separate process, over
 * a filesystem store in a directory, with a bucket. Unlike {@link S3Server} it can be stopped and started again on
 * the same port with its data, which is what "S3 is down" tests need. Every operation works from the directory alone
 * (pid and port files inside), so test code in another class loader controls the same server.
 */
public final class S3Process {
    public static final String ACCESS_KEY = S3Server.DEFAULT_ACCESS_KEY;
    public static final String SECRET_KEY = S3Server.DEFAULT_SECRET_KEY;
    public static final String BUCKET = S3Server.DEFAULT_BUCKET;

    private S3Process() {
    }

    /** Creates the store with a bucket in {@code dir} and starts the server on a free port; returns its endpoint. */
    public static String create(Path dir) {
        int port = Ports.free();
        configure(dir, port, ACCESS_KEY, SECRET_KEY, BUCKET);
        try {
            Files.writeString(dir.resolve("port"), String.valueOf(port));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        start(dir);
        return endpoint(dir);
    }

    /**
     * The one definition of this project's S3Proxy (the tests' and the local stack's): a filesystem store under
     * {@code dir/blobs} holding {@code bucket}, SigV2/SigV4 with one key pair, on loopback {@code port}; writes
     * {@code dir/s3proxy.conf} (private: it holds the secret key).
     */
    public static void configure(Path dir, int port, String accessKey, String secretKey, String bucket) {
        try {
            // S3Proxy's filesystem store keeps each bucket as a directory under basedir.
            Files.createDirectories(dir.resolve("blobs").resolve(bucket));
            Files2.writePrivate(dir.resolve("s3proxy.conf"), String.join("\n",
                    "s3proxy.endpoint=http://127.0.0.1:" + port,
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=" + accessKey,
                    "s3proxy.credential=" + secretKey,
                    "jclouds.provider=filesystem",
                    "jclouds.filesystem.basedir=" + dir.resolve("blobs"), ""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The server configured in {@code dir} by {@link #configure}, as a command (not started). */
    public static ProcessBuilder command(Path dir, String heap) {
        Path jar = Tools.home().resolve("s3proxy-4.1.0/s3proxy-4.1.0-jar-with-dependencies.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing; run scripts/install/s3proxy.sh (bin/test does it for you)");
        }
        List<String> command = Tools.javaCommand(heap);
        command.addAll(List.of("-jar", jar.toString(), "--properties", dir.resolve("s3proxy.conf").toString()));
        return new ProcessBuilder(command).directory(dir.toFile());
    }

    public static String endpoint(Path dir) {
        return "http://127.0.0.1:" + port(dir);
    }

    /** Starts the server in {@code dir} (again) and waits until it accepts connections. */
    public static void start(Path dir) {
        if (running(dir)) {
            return;
        }
        ServerDir.launch(dir, command(dir, "192m"), "s3proxy.log", Duration.ofSeconds(60), "s3proxy in " + dir);
    }

    /** Stops the server (SIGKILL: an outage, not a shutdown) and waits until its port is closed. */
    public static void stop(Path dir) {
        ServerDir.stop(dir, false);
    }

    public static boolean running(Path dir) {
        return ServerDir.running(dir);
    }

    private static int port(Path dir) {
        return ServerDir.port(dir);
    }
}
