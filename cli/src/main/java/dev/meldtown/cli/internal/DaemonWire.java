package dev.meldtown.cli.internal;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The CLI daemon's protocol over its Unix socket, one command per connection. The client sends a {@link Request};
 * the daemon answers with frames: {@code 'a'} (accepted: the command runs from here on), then {@code 'o'} and {@code 'e'} carry bytes of the command's stdout and stderr, in
 * the order it wrote them; {@code 'x'} ends the answer with the exit code; {@code 'r'} (refused) tells the client to
 * run the command itself.
 */
final class DaemonWire {
    static final int MAGIC = 0x4d544431; // "MTD1"
    static final byte OUT = 'o';
    static final byte ERR = 'e';
    static final byte EXIT = 'x';
    static final byte REFUSED = 'r';
    static final byte ACCEPTED = 'a';
    /** Longest argument, working directory or frame accepted, a guard against a confused peer. */
    static final int MAX_STRING = 1 << 20;

    private DaemonWire() {
    }

    /** One command: its arguments, the client's working directory, whether its stderr is a terminal. */
    record Request(List<String> args, Path workingDirectory, boolean progress) {
        void write(DataOutputStream out) throws IOException {
            out.writeInt(MAGIC);
            out.writeInt(args.size());
            for (String a : args) {
                writeString(out, a);
            }
            writeString(out, workingDirectory.toString());
            out.writeBoolean(progress);
            out.flush();
        }

        static Request read(DataInputStream in) throws IOException {
            if (in.readInt() != MAGIC) {
                throw new IOException("not a meldtown CLI client");
            }
            int n = in.readInt();
            if (n < 0 || n > 4096) {
                throw new IOException("bad argument count " + n);
            }
            String[] args = new String[n];
            for (int i = 0; i < n; i++) {
                args[i] = readString(in);
            }
            Path cwd = Path.of(readString(in));
            return new Request(List.of(args), cwd, in.readBoolean());
        }
    }

    static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_STRING) {
            throw new IOException("bad string length " + n);
        }
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }

    /** The daemon's side of one stream (stdout or stderr) of a command: each write becomes one frame. */
    static final class FrameStream extends OutputStream {
        private final DataOutputStream wire;
        private final byte kind;

        FrameStream(DataOutputStream wire, byte kind) {
            this.wire = wire;
            this.kind = kind;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            synchronized (wire) { // stdout and stderr frames interleave on one socket
                while (len > 0) {
                    int n = Math.min(len, 65536);
                    wire.writeByte(kind);
                    wire.writeInt(n);
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
    static int relay(DataInputStream in, OutputStream out, OutputStream err) throws IOException {
        byte[] buf = new byte[65536];
        while (true) {
            byte kind = in.readByte();
            switch (kind) {
                case EXIT:
                    return in.readInt();
                case OUT:
                case ERR:
                    int n = in.readInt();
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
                    break;
                default:
                    throw new IOException("bad frame kind " + kind);
            }
        }
    }
}
