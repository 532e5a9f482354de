package dev.meldtown.cli.internal;

import dev.meldtown.crdt.ReplicaStorage;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.function.LongSupplier;

/**
 * Progress of a long operation (a meld or push of many files, a big read) on stderr, only when stderr is a terminal:
 * {@code bin/meldtown} sets {@code -Dmeldtown.progress=true} when it is ({@code [ -t 2 ]}; {@code MELDTOWN_PROGRESS=0}
 * turns it off). Never on a pipe, so scripts, tests and differential comparisons see libmelda-tools' bytes only.
 * One line, rewritten in place ({@code \r}) at most four times a second, shown only once the operation has taken a
 * second, and erased when it ends.
 */
public final class Progress implements AutoCloseable {
    static final long DELAY_NANOS = 1_000_000_000L;
    static final long EVERY_NANOS = 250_000_000L;

    private final String label;
    private final PrintWriter err;
    private final LongSupplier clock;
    private final boolean on;
    private final long start;
    private long lastShown = Long.MIN_VALUE;
    private long files;
    private long bytes;
    private boolean shown;
    private boolean closed;

    Progress(String label, PrintWriter err, LongSupplier clock, boolean on) {
        this.label = label;
        this.err = err;
        this.clock = clock;
        this.on = on;
        this.start = on ? clock.getAsLong() : 0;
    }

    /** Whether this process shows progress (stderr is a terminal, as {@code bin/meldtown} found). */
    static boolean enabled() {
        return Invocation.progress();
    }

    /** One more file of {@code size} bytes done. */
    void file(long size) {
        files++;
        bytes += size;
        if (!on || closed) {
            return;
        }
        long now = clock.getAsLong();
        if (now - start >= DELAY_NANOS && (lastShown == Long.MIN_VALUE || now - lastShown >= EVERY_NANOS)) {
            lastShown = now;
            err.print("\r" + label + " " + files + (files == 1 ? " file, " : " files, ") + size(bytes) + "\u001b[K");
            err.flush();
            shown = true;
        }
    }

    /** Erases the line, if one was shown. */
    @Override
    public void close() {
        closed = true;
        if (shown) {
            err.print("\r\u001b[K");
            err.flush();
            shown = false;
        }
    }

    static String size(long b) {
        if (b < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MiB", b / (1024.0 * 1024));
    }

    /** {@code storage}, counting the files read from it. */
    ReplicaStorage reading(ReplicaStorage storage) {
        return on ? new Counting(storage, this, true) : storage;
    }

    /** {@code storage}, counting the files written to it. */
    ReplicaStorage writing(ReplicaStorage storage) {
        return on ? new Counting(storage, this, false) : storage;
    }

    /** Delegates every call (so the storage's own copy and range reads still apply) and counts files. */
    private record Counting(ReplicaStorage inner, Progress progress, boolean reads) implements ReplicaStorage {
        @Override
        public byte[] read(String key) {
            byte[] b = inner.read(key);
            if (reads) {
                progress.file(b.length);
            }
            return b;
        }

        @Override
        public byte[] read(String key, long offset, int length) {
            byte[] b = inner.read(key, offset, length);
            if (reads) {
                progress.file(b.length);
            }
            return b;
        }

        @Override
        public boolean write(String key, byte[] data) {
            boolean written = inner.write(key, data);
            if (!reads && written) {
                progress.file(data.length);
            }
            return written;
        }

        @Override
        public boolean copy(ReplicaStorage source, String key) {
            boolean copied = inner.copy(source, key);
            if (!reads && copied) {
                progress.file(0);
            }
            return copied;
        }

        @Override
        public List<String> list(String suffix) {
            return inner.list(suffix);
        }

        @Override
        public List<String> listPage(String suffix, String startAfter, int limit) {
            return inner.listPage(suffix, startAfter, limit);
        }

        @Override
        public boolean exists(String key) {
            return inner.exists(key);
        }

        @Override
        public OptionalLong size(String key) {
            return inner.size(key);
        }

        @Override
        public void close() {
            // the caller closes the storage it opened
        }
    }
}
