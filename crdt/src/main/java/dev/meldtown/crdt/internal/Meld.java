package dev.meldtown.crdt.internal;

import dev.meldtown.crdt.DeltaBlock;
import dev.meldtown.crdt.MeldResult;
import dev.meldtown.crdt.MeldaException;
import dev.meldtown.crdt.MissingKeyException;
import dev.meldtown.crdt.RefreshReport;
import dev.meldtown.crdt.ReplicaStorage;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The meld, in one place (Melda's meld is a set union of immutable files): which files a replica lacks, the order
 * they travel in ({@link #ORDER}: packs, then indexes, then deltas, so that a reader who sees a delta finds its
 * packs), and how a loaded replica applies them from the bytes just moved, reading nothing it wrote back.
 *
 * <p>Two ways in. {@link #blocks} brings named blocks (announced ones): it reads each block and the packs it
 * needs from the source once, writes them (write-once, never overwriting), and applies them; the cost follows the
 * new blocks, whatever the history. It needs no listing when every parent of a named block is applied here or named
 * too, and otherwise falls back to {@link #all}, which lists both sides. A file that is corrupt travels as it is
 * (the union of files is the meld); the loader then reports the blocks that need it, as a refresh would.
 */
public final class Meld {
    /** The order files are written in: a delta only after the packs (and indexes) it needs. */
    public static final List<String> ORDER = List.of(".pack", ".index", ".delta");

    private final ReplicaStorage target;
    private final BlockGraph graph;
    private final ObjectStore store;
    private final Loader loader;

    public Meld(ReplicaStorage target, BlockGraph graph, ObjectStore store, Loader loader) {
        this.target = target;
        this.graph = graph;
        this.store = store;
        this.loader = loader;
    }

    /**
     * Brings the named blocks of {@code source} (with their packs and indexes) into this replica and applies them.
     *
     * @throws MissingKeyException if the source lacks a named block or a pack one of them needs (nothing is written)
     */
    public MeldResult blocks(ReplicaStorage source, Collection<String> ids) {
        Map<String, byte[]> deltas = new TreeMap<>();
        List<DeltaBlock> parsed = new ArrayList<>();
        for (String id : new TreeSet<>(ids)) {
            if (graph.isApplied(id)) {
                continue;
            }
            byte[] bytes = source.read(id + ".delta");
            deltas.put(id, bytes);
            try {
                parsed.add(DeltaBlock.parse(id, bytes));
            } catch (MeldaException e) {
                // moved as it is: the loader records it as corrupt
            }
        }
        for (DeltaBlock b : parsed) {
            for (String parent : b.parents()) {
                if (!graph.isApplied(parent) && !deltas.containsKey(parent)) {
                    return all(source); // blocks were stored that this replica has not seen, here or there
                }
            }
        }
        Set<String> packs = new TreeSet<>();
        for (DeltaBlock b : parsed) {
            for (String pack : b.packs()) {
                if (store.file(pack, ".pack") == null) {
                    packs.add(pack);
                }
            }
        }
        List<String> keys = new ArrayList<>();
        packs.forEach(p -> keys.addAll(List.of(p + ".pack", p + ".index")));
        Map<String, byte[]> read = source.readAll(keys); // one round of reads, concurrent where the source is remote
        Files files = new Files();
        for (String pack : packs) {
            byte[] bytes = read.get(pack + ".pack");
            if (bytes == null) {
                throw new MissingKeyException(pack + ".pack");
            }
            files.packs.put(pack, bytes);
            byte[] index = read.get(pack + ".index");
            if (index != null) {
                files.indexes.put(pack, index);
            }
        }
        files.deltas.putAll(deltas);
        return move(files, List.of(), null, false);
    }

    /** Brings every file of {@code source} this replica's storage lacks (both listed), then applies what it can. */
    public MeldResult all(ReplicaStorage source) {
        Set<String> have = new HashSet<>(target.list(""));
        Files files = new Files();
        for (String suffix : ORDER) {
            List<String> keys = new ArrayList<>();
            for (String name : source.list(suffix)) {
                if (!have.contains(name + suffix)) {
                    keys.add(name + suffix);
                }
            }
            // listed, then gone: left out by readAll, not part of the union
            source.readAll(keys).forEach((key, bytes) -> files.of(suffix).put(key.substring(0, key.length() - suffix.length()), bytes));
        }
        List<String> unseen = new ArrayList<>();
        for (String key : have) {
            if (key.endsWith(".delta")) {
                unseen.add(key.substring(0, key.length() - ".delta".length()));
            }
        }
        return move(files, unseen, hash -> have.contains(hash + ".index") || files.indexes.containsKey(hash), true);
    }

    /**
     * Copies every pack, index and delta of {@code source} missing from {@code target} ({@link #ORDER}), with the
     * storage's own copy (server-side where both are of a kind), for a target nobody has loaded.
     */
    public static List<String> copyMissing(ReplicaStorage source, ReplicaStorage target) {
        Set<String> have = new HashSet<>(target.list(""));
        List<String> copied = new ArrayList<>();
        for (String suffix : ORDER) {
            for (String name : source.list(suffix)) {
                String key = name + suffix;
                if (!have.contains(key) && target.copy(source, key)) {
                    copied.add(key);
                }
            }
        }
        return copied;
    }

    /**
     * Writes the blocks of a loaded replica ({@code source}: its {@link #loaded} view, {@code graph}: its blocks)
     * reachable from {@code tips} whose delta {@code target} lacks, with the packs and indexes they need, packs first
     * and write-once. The walk back stops at a block whose delta {@code present} names. Nothing is applied anywhere.
     */
    public static MeldResult copyInto(ReplicaStorage source, BlockGraph graph, ReplicaStorage target, Collection<String> tips,
                                      Predicate<String> present) {
        Map<String, byte[]> deltas = new TreeMap<>();
        Set<String> packs = new TreeSet<>();
        java.util.Deque<String> todo = new java.util.ArrayDeque<>(new TreeSet<>(tips));
        while (!todo.isEmpty()) {
            String id = todo.pop();
            if (deltas.containsKey(id) || present.test(id + ".delta")) {
                continue;
            }
            DeltaBlock b = graph.isApplied(id) ? graph.get(id) : null;
            if (b == null) {
                throw new IllegalArgumentException("block " + id + " is not applied in the source replica");
            }
            deltas.put(id, b.bytes());
            packs.addAll(b.packs());
            todo.addAll(b.parents());
        }
        List<String> keys = new ArrayList<>();
        for (String pack : packs) {
            for (String suffix : List.of(".pack", ".index")) {
                if (!present.test(pack + suffix)) {
                    keys.add(pack + suffix);
                }
            }
        }
        Map<String, byte[]> read = source.readAll(keys); // from memory where held; an index the pack has not is left out
        Files files = new Files();
        for (String key : keys) {
            byte[] bytes = read.get(key);
            if (bytes == null && key.endsWith(".pack")) {
                throw new MissingKeyException(key);
            }
            if (bytes != null) {
                String suffix = key.substring(key.lastIndexOf('.'));
                files.of(suffix).put(key.substring(0, key.length() - suffix.length()), bytes);
            }
        }
        files.deltas.putAll(deltas);
        Written written = files.writeTo(target);
        return new MeldResult(written.keys(), written.bytes(), false, new RefreshReport(List.of(), Map.of()));
    }

    /**
     * A read-only view of a loaded replica's files that serves what it holds in memory (its blocks' bytes, its
     * loaded packs and their indexes) and reads its storage for the rest: a meld out of a loaded replica reads only
     * what that replica never loaded.
     */
    public static ReplicaStorage loaded(ReplicaStorage storage, BlockGraph graph, ObjectStore store) {
        return new LoadedFiles(storage, graph, store);
    }

    private MeldResult move(Files files, Collection<String> unseen, Predicate<String> hasIndex, boolean listed) {
        Written written = files.writeTo(target);
        files.packs.forEach((hash, pack) -> store.offer(hash, pack, files.indexes.get(hash)));
        RefreshReport report = loader.load(files.deltas, unseen, hasIndex);
        return new MeldResult(written.keys(), written.bytes(), listed, report);
    }

    /** What {@link Files#writeTo} wrote: the keys it created (not those already there), and their bytes. */
    private record Written(List<String> keys, long bytes) {
    }

    /** Files in hand, by name without suffix. */
    private static final class Files {
        final Map<String, byte[]> packs = new LinkedHashMap<>();
        final Map<String, byte[]> indexes = new LinkedHashMap<>();
        final Map<String, byte[]> deltas = new TreeMap<>();

        /** Writes them write-once into {@code target} in {@link #ORDER}: packs, then indexes, then deltas. */
        Written writeTo(ReplicaStorage target) {
            List<String> written = new ArrayList<>();
            long bytes = 0;
            for (String suffix : ORDER) {
                for (Map.Entry<String, byte[]> e : of(suffix).entrySet()) {
                    if (target.write(e.getKey() + suffix, e.getValue())) {
                        written.add(e.getKey() + suffix);
                        bytes += e.getValue().length;
                    }
                }
            }
            return new Written(written, bytes);
        }

        Map<String, byte[]> of(String suffix) {
            return switch (suffix) {
                case ".pack" -> packs;
                case ".index" -> indexes;
                default -> deltas;
            };
        }
    }

    private static final class LoadedFiles implements ReplicaStorage {
        private final ReplicaStorage storage;
        private final BlockGraph graph;
        private final ObjectStore store;

        LoadedFiles(ReplicaStorage storage, BlockGraph graph, ObjectStore store) {
            this.storage = storage;
            this.graph = graph;
            this.store = store;
        }

        @Override
        public byte[] read(String key) {
            byte[] held = held(key);
            if (held != null) {
                return held;
            }
            if (absent(key)) {
                throw new MissingKeyException(key);
            }
            return storage.read(key);
        }

        /** The bytes of {@code key} held in memory, or null. */
        private byte[] held(String key) {
            int dot = key.lastIndexOf('.');
            String name = dot < 0 ? key : key.substring(0, dot);
            String suffix = dot < 0 ? "" : key.substring(dot);
            if (".delta".equals(suffix)) {
                DeltaBlock b = graph.get(name);
                return b == null ? null : b.bytes();
            }
            if (".pack".equals(suffix) || ".index".equals(suffix)) {
                Optional<byte[]> held = store.file(name, suffix);
                return held == null ? null : held.orElse(null);
            }
            return null;
        }

        /** Whether {@code key} is an index that a loaded pack is known not to have. */
        private boolean absent(String key) {
            if (!key.endsWith(".index")) {
                return false;
            }
            Optional<byte[]> held = store.file(key.substring(0, key.length() - ".index".length()), ".index");
            return held != null && held.isEmpty();
        }

        /** What it holds in memory, and the rest in one {@code readAll} of its storage. */
        @Override
        public Map<String, byte[]> readAll(Collection<String> keys) {
            Map<String, byte[]> out = new LinkedHashMap<>();
            List<String> rest = new ArrayList<>();
            for (String key : keys) {
                byte[] held = held(key);
                if (held != null) {
                    out.put(key, held);
                } else if (!absent(key)) {
                    rest.add(key);
                }
            }
            out.putAll(storage.readAll(rest));
            return out;
        }

        @Override
        public boolean write(String key, byte[] data) {
            throw new UnsupportedOperationException("a meld source is read-only");
        }

        @Override
        public List<String> list(String suffix) {
            return storage.list(suffix);
        }
    }
}
