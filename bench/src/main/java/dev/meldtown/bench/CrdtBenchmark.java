package dev.meldtown.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.MemoryStorage;
import dev.meldtown.crdt.Replica;
import dev.meldtown.crdt.ReplicaStorage;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * In-process numbers of the crdt library on the todo document, in memory storage (no disk, no JVM start):
 * creating the document, committing a 1% edit, melding a divergent replica, and opening plus reading the melded
 * replica. Each invocation starts from fresh copies prepared outside the measurement.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class CrdtBenchmark {
    /** The documents and replicas of one size, built once per trial. */
    @State(Scope.Benchmark)
    public static class Inputs {
        @Param({"1000", "10000", "100000"})
        public int n;

        ObjectNode base;
        ObjectNode editA;
        MemoryStorage baseStorage;
        MemoryStorage storageB;
        MemoryStorage merged;

        @Setup(Level.Trial)
        public void prepare() {
            base = TodoDocs.base(n);
            editA = TodoDocs.edit(base, 'a');
            baseStorage = new MemoryStorage();
            TodoDocs.commitBase(baseStorage, n);
            storageB = copy(baseStorage);
            Replica b = Replica.open(storageB);
            b.update(TodoDocs.edit(base, 'b'));
            b.commit((ObjectNode) null);
            merged = copy(baseStorage);
            Replica a = Replica.open(merged);
            a.update(editA);
            a.commit((ObjectNode) null);
            a.meld(storageB);
        }
    }

    /** A freshly opened copy of the base replica, per invocation. */
    @State(Scope.Thread)
    public static class OpenBase {
        Replica replica;

        @Setup(Level.Invocation)
        public void open(Inputs in) {
            replica = Replica.open(copy(in.baseStorage));
        }
    }

    /** A fresh replica that committed edit A, per invocation. */
    @State(Scope.Thread)
    public static class OpenA {
        Replica replica;

        @Setup(Level.Invocation)
        public void open(Inputs in) {
            replica = Replica.open(copy(in.baseStorage));
            replica.update(in.editA);
            replica.commit((ObjectNode) null);
        }
    }

    /** update + commit of the whole document into an empty replica. */
    @Benchmark
    public String create(Inputs in) {
        Replica r = Replica.open(new MemoryStorage());
        r.update(in.base);
        return r.commit((ObjectNode) null).orElseThrow();
    }

    /** update + commit changing 1% of the items (plus one appended) on an open replica. */
    @Benchmark
    public String commitOnePercent(Inputs in, OpenBase s) {
        s.replica.update(in.editA);
        return s.replica.commit((ObjectNode) null).orElseThrow();
    }

    /** meld of a divergent replica (copies and loads its block) into an open one, then read of the merge. */
    @Benchmark
    public ObjectNode meldAndRead(Inputs in, OpenA s) {
        s.replica.meld(in.storageB);
        return s.replica.read();
    }

    /** Opening (loading every block and pack) and reading the melded replica: what a CLI read does. */
    @Benchmark
    public ObjectNode openAndRead(Inputs in) {
        return Replica.open(in.merged).read();
    }

    static MemoryStorage copy(ReplicaStorage from) {
        MemoryStorage to = new MemoryStorage();
        Replica.copyMissing(from, to);
        return to;
    }
}
