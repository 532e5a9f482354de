package dev.meldtown.cli.internal;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * The CLI daemon's protocol, one command per TCP connection on the loopback address. The daemon's address file
 * ({@link Address}, readable by its user only) names its port and a random token; a client sends the token and a
 * {@link Request}; the daemon answers with frames: {@code 'a'} (accepted: the command runs from here on), then
 * {@code 'o'} and {@code 'e'} with bytes of the command's stdout and stderr in the order it wrote them, and
 * {@code 'x'} with the exit code; or only {@code 'r'} (refused: the client runs the command itself).
 *
 * <p>Integers are written by hand, not through {@code DataOutputStream}: the client JVM runs interpreted for some
 * 40 ms, and the first use of the JDK's byte-array var handles costs a few of them.
 */
final class DaemonWire {
    static final int MAGIC = 0x4d544432; // "MTD2"
    static final byte OUT = 'o';
    static final byte ERR = 'e';
    static final byte EXIT = 'x';
    static final byte REFUSED = 'r';
    static final byte ACCEPTED = 'a';
    /** Longest argument, working directory or frame accepted, a guard against a confused peer. */
    static final int MAX_STRING = 1 << 20;
    static final int TOKEN_LENGTH = 64;

    private DaemonWire() {
    }

    /** Where a daemon listens and the token it asks for: one line {@code PORT TOKEN} in a file only its user reads. */
    record Address(int port, String token) {
        static Address read(Path file) throws IOException {
            String s = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII).strip();
            int sp = s.indexOf(' ');
            if (sp <= 0 || s.length() - sp - 1 != TOKEN_LENGTH) {
                throw new IOException("not a daemon address file: " + file);
            }
            try {
                return new Address(Integer.parseInt(s.substring(0, sp)), s.substring(sp + 1));
            } catch (NumberFormatException e) {
                throw new IOException("not a daemon address file: " + file);
            }
        }

        /** Writes the file whole (a reader never sees half of it), readable by this user only. */
        void write(Path file) throws IOException {
            Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Files.write(tmp, (port + " " + token + "\n").getBytes(StandardCharsets.US_ASCII));
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** One command: its arguments, the client's working directory, whether its stderr is a terminal. */
    record Request(List<String> args, Path workingDirectory, boolean progress) {
        /** The bytes a client sends: the token, then the request. */
        byte[] encode(String token) {
            ByteArrayOutputStream b = new ByteArrayOutputStream(256);
            b.writeBytes(token.getBytes(StandardCharsets.US_ASCII));
            writeInt(b, MAGIC);
            writeInt(b, args.size());
            for (String a : args) {
                writeString(b, a);
            }
            writeString(b, workingDirectory.toString());
            b.write(progress ? 1 : 0);
            return b.toByteArray();
        }

        /** The request after {@code token}, or an exception (a wrong token among them). */
        static Request read(InputStream in, String token) throws IOException {
            byte[] got = in.readNBytes(TOKEN_LENGTH);
            if (got.length == 0) {
                throw new EOFException();
            }
            if (!java.security.MessageDigest.isEqual(got, token.getBytes(StandardCharsets.US_ASCII))) {
                throw new IOException("a client without the daemon's token");
            }
            if (readInt(in) != MAGIC) {
                throw new IOException("not a meldtown CLI client");
            }
            int n = readInt(in);
            if (n < 0 || n > 4096) {
                throw new IOException("bad argument count " + n);
            }
            List<String> args = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                args.add(readString(in));
            }
            Path cwd = Path.of(readString(in));
            int progress = in.read();
            if (progress < 0) {
                throw new EOFException();
            }
            return new Request(List.copyOf(args), cwd, progress == 1);
        }
    }

    static void writeInt(OutputStream out, int v) {
        try {
            out.write(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static int readInt(InputStream in) throws IOException {
        int a = in.read();
        int b = in.read();
        int c = in.read();
        int d = in.read();
        if ((a | b | c | d) < 0) {
            throw new EOFException();
        }
        return (a << 24) | (b << 16) | (c << 8) | d;
    }

    private static void writeString(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        writeInt(out, b.length);
        out.writeBytes(b);
    }

    static String readString(InputStream in) throws IOException {
        int n = readInt(in);
        if (n < 0 || n > MAX_STRING) {
            throw new IOException("bad string length " + n);
        }
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new EOFException();
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    /** The daemon's side of one stream (stdout or stderr) of a command: each write becomes frames of at most 64 KiB. */
    static final class FrameStream extends OutputStream {
        private final OutputStream wire;
        private final byte kind;

        FrameStream(OutputStream wire, byte kind) {
            this.wire = wire;
            this.kind = kind;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            synchronized (wire) { // stdout and stderr frames interleave on one connection
                while (len > 0) {
                    int n = Math.min(len, 65536);
                    wire.write(kind);
                    writeInt(wire, n);
                    wire.write(b, off, n);
                    off += n;
                    len -= n;
                }
            }
        }

        @Override
        public void flush() throws IOException {
            synchronized (wire) {
                wire.flush();
            }
        }
    }

    /**
     * The client's side, after the {@code 'a'} frame: copies frames to {@code out} and {@code err} until the answer
     * ends, and returns the exit code. {@link EOFException} if the daemon went away before the end.
     */
    static int relay(InputStream in, OutputStream out, OutputStream err) throws IOException {
        byte[] buf = new byte[65536];
        while (true) {
            int kind = in.read();
            if (kind == EXIT) {
                return readInt(in);
            }
            if (kind != OUT && kind != ERR) {
                throw kind < 0 ? new EOFException() : new IOException("bad frame kind " + kind);
            }
            int n = readInt(in);
            if (n < 0 || n > MAX_STRING) {
                throw new IOException("bad frame length " + n);
            }
            OutputStream to = kind == OUT ? out : err;
            while (n > 0) {
                int k = in.read(buf, 0, Math.min(n, buf.length));
                if (k < 0) {
                    throw new EOFException();
                }
                to.write(buf, 0, k);
                n -= k;
            }
            if (kind == ERR) {
                to.flush();
            }
        }
    }
}
