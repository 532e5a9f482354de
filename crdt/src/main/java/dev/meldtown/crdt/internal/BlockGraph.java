package dev.meldtown.crdt.internal;

import dev.meldtown.crdt.DeltaBlock;
import dev.meldtown.crdt.LogEntry;
import dev.meldtown.crdt.MeldaException;
import dev.meldtown.crdt.UnknownObjectException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The block graph of one replica (compare automerge's {@code change_graph}): every delta block seen in storage or
 * committed here, which of them are applied, and the anchors (the graph's heads).
 *
 * <p>Invariants (kept by this class alone; its collections never leave it writable):
 * <ul>
 *   <li>a block id is either in {@code blocks} (parsed, hash-checked) or in {@code corrupt} (bad hash or
 *       unparsable, never retried), never in both;</li>
 *   <li>{@code applied} ⊆ ids of {@code blocks}, and {@code pending} is exactly the ids of {@code blocks} not in
 *       {@code applied} (loaded, waiting for a pack or a parent);</li>
 *   <li>{@code namedAsParent} is the union of the parents of the applied blocks, and {@code anchorSet} is
 *       {@code applied} minus {@code namedAsParent}; both are kept up to date as blocks are applied, so
 *       {@link #anchors()} and a refresh cost the new blocks, not the history;</li>
 *   <li>{@code whyPending} holds, for pending blocks only, why the last refresh could not apply them;</li>
 *   <li>once every block of a refresh is applied, the parents of every applied block are applied ({@link #isValid}
 *       is the gate; within one batch a parent may be marked after its child).</li>
 * </ul>
 */
public final class BlockGraph {
    private final Map<String, DeltaBlock> blocks = new HashMap<>();
    private final Map<String, String> corrupt = new TreeMap<>();
    private final Map<String, String> whyPending = new HashMap<>();
    private final Set<String> applied = new LinkedHashSet<>();
    private final Set<String> pending = new TreeSet<>();
    private final Set<String> namedAsParent = new HashSet<>();
    private final TreeSet<String> anchorSet = new TreeSet<>();

    /** Whether the block was already seen, parsed or corrupt (either way it is not read again). */
    public boolean known(String id) {
        return blocks.containsKey(id) || corrupt.containsKey(id);
    }

    /**
     * Reads and parses a stored block: a valid one becomes pending; one that cannot be read or parsed is recorded as
     * corrupt (and never read again).
     */
    public void load(String id, Supplier<byte[]> bytes) {
        try {
            blocks.put(id, DeltaBlock.parse(id, bytes.get()));
            pending.add(id);
        } catch (MeldaException e) {
            corrupt.put(id, e.getMessage());
        }
    }

    /** A loaded block, or null. */
    public DeltaBlock get(String id) {
        return blocks.get(id);
    }

    /** A loaded block; unknown ids raise {@link UnknownObjectException}. */
    public DeltaBlock block(String id) {
        DeltaBlock b = blocks.get(id);
        if (b == null) {
            throw new UnknownObjectException("unknown block " + id);
        }
        return b;
    }

    public boolean isApplied(String id) {
        return applied.contains(id);
    }

    /** Loaded blocks not applied, by id. */
    public List<String> pending() {
        return new ArrayList<>(pending);
    }

    /** Corrupt block ids with the reason (read-only view). */
    public Map<String, String> corrupt() {
        return Collections.unmodifiableMap(corrupt);
    }

    /** Ids of all applied blocks: a read-only view. */
    public Set<String> appliedIds() {
        return Collections.unmodifiableSet(applied);
    }

    /** Applied blocks, by id. */
    public List<DeltaBlock> appliedBlocks() {
        List<DeltaBlock> out = new ArrayList<>();
        for (String id : new TreeSet<>(applied)) {
            out.add(blocks.get(id));
        }
        return out;
    }

    /** Applied blocks not named as parent by another applied block, sorted. */
    public List<String> anchors() {
        return new ArrayList<>(anchorSet);
    }

    /** Records a block committed here (already stored): loaded and applied at once. */
    public void addApplied(DeltaBlock b) {
        blocks.put(b.id(), b);
        markApplied(b);
    }

    /** Records a loaded block as applied (in any order: a parent may be applied after its child within one refresh). */
    public void markApplied(DeltaBlock b) {
        applied.add(b.id());
        pending.remove(b.id());
        namedAsParent.addAll(b.parents());
        b.parents().forEach(anchorSet::remove);
        if (!namedAsParent.contains(b.id())) {
            anchorSet.add(b.id());
        }
    }

    /** Replaces the reasons of pending blocks by those of the last refresh. */
    public void recordPending(Map<String, String> invalid) {
        whyPending.keySet().removeIf(applied::contains);
        invalid.forEach((id, why) -> {
            if (blocks.containsKey(id)) {
                whyPending.put(id, why);
            }
        });
    }

    /** Blocks present in storage but not applied, with the reason. */
    public Map<String, String> invalidBlocks() {
        Map<String, String> out = new TreeMap<>(corrupt);
        for (String id : blocks.keySet()) {
            if (!applied.contains(id)) {
                out.putIfAbsent(id, whyPending.getOrDefault(id, "not applied (missing pack or parent)"));
            }
        }
        return out;
    }

    /**
     * Whether a block can be applied: its packs load ({@code packError} gives null or the reason a pack cannot be
     * used) and all its ancestors are valid. Walks the parent DAG with an explicit stack, because histories of many
     * thousands of blocks would overflow the thread's stack. Reasons for invalid blocks go to {@code reasons}.
     */
    public boolean isValid(String root, Map<String, Boolean> memo, Map<String, String> reasons, Function<String, String> packError) {
        Set<String> visiting = new HashSet<>();
        Boolean decided = enter(root, memo, reasons, packError, visiting);
        if (decided != null) {
            return decided;
        }
        Deque<String> stack = new ArrayDeque<>();
        Map<String, Integer> next = new HashMap<>();
        stack.push(root);
        next.put(root, 0);
        Boolean childResult = null;
        while (!stack.isEmpty()) {
            String id = stack.peek();
            List<String> parents = blocks.get(id).parents();
            int i = next.get(id);
            if (childResult != null && !childResult) {
                String p = parents.get(i - 1);
                reasons.put(id, known(p) ? "invalid parent " + p : "missing parent " + p);
                childResult = leave(stack, id, false, memo, visiting);
                continue;
            }
            if (i < parents.size()) {
                String p = parents.get(i);
                next.put(id, i + 1);
                childResult = enter(p, memo, reasons, packError, visiting);
                if (childResult == null) {
                    stack.push(p);
                    next.put(p, 0);
                }
            } else {
                childResult = leave(stack, id, true, memo, visiting);
            }
        }
        return childResult;
    }

    /** Decides a block without visiting its parents when possible; null when its parents must be visited. */
    private Boolean enter(String id, Map<String, Boolean> memo, Map<String, String> reasons, Function<String, String> packError, Set<String> visiting) {
        if (applied.contains(id)) {
            return true;
        }
        Boolean m = memo.get(id);
        if (m != null) {
            return m;
        }
        DeltaBlock b = blocks.get(id);
        if (b == null) {
            memo.put(id, false);
            return false;
        }
        if (!visiting.add(id)) {
            reasons.put(id, "cycle in parents");
            memo.put(id, false);
            return false;
        }
        for (String p : b.packs()) {
            String err = packError.apply(p);
            if (err != null) {
                reasons.put(id, err);
                visiting.remove(id);
                memo.put(id, false);
                return false;
            }
        }
        return null;
    }

    private static Boolean leave(Deque<String> stack, String id, boolean ok, Map<String, Boolean> memo, Set<String> visiting) {
        stack.pop();
        visiting.remove(id);
        memo.put(id, ok);
        return ok;
    }

    /** An applied block and its ancestors, the block first; unknown or unapplied ids raise {@link UnknownObjectException}. */
    public Set<String> ancestors(String blockId) {
        if (!applied.contains(blockId)) {
            throw new UnknownObjectException("unknown or invalid block " + blockId);
        }
        Set<String> seen = new LinkedHashSet<>();
        Deque<String> q = new ArrayDeque<>(List.of(blockId));
        while (!q.isEmpty()) {
            String id = q.poll();
            if (seen.add(id)) {
                q.addAll(blocks.get(id).parents());
            }
        }
        return seen;
    }

    /** Blocks breadth-first from {@code start}, each once, marking those in {@code anchors} with {@code A}. */
    public List<LogEntry> log(List<String> start, Set<String> anchors) {
        List<LogEntry> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Deque<String> q = new ArrayDeque<>(start);
        while (!q.isEmpty()) {
            String id = q.poll();
            if (!seen.add(id)) {
                continue;
            }
            DeltaBlock b = blocks.get(id);
            char marker = anchors.contains(id) ? 'A' : b.isOrigin() ? 'O' : '-';
            out.add(new LogEntry(id, marker, b.info(), b.packs(), b.parents()));
            for (String p : new TreeSet<>(b.parents())) {
                if (!seen.contains(p)) {
                    q.add(p);
                }
            }
        }
        return out;
    }
}
