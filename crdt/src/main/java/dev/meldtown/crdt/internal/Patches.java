package dev.meldtown.crdt.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meldtown.crdt.CorruptDataException;
import java.util.ArrayList;
import java.util.List;

/** Applies descriptor patches sequentially; malformed or out-of-range ops raise a typed error (Melda panics). */
public final class Patches {
    private Patches() {
    }

    public static void apply(List<JsonNode> order, JsonNode patch, String where) {
        if (patch == null || !patch.isArray()) {
            throw new CorruptDataException("corrupt patch in " + where + ": not an array");
        }
        for (JsonNode op : patch) {
            if (!op.isArray() || op.size() != 3 || !op.get(0).isTextual()) {
                throw new CorruptDataException("corrupt patch in " + where + ": bad operation " + op);
            }
            String kind = op.get(0).textValue();
            if ("i".equals(kind)) {
                int pos = index(op.get(1), op, where);
                JsonNode items = op.get(2);
                if (!items.isArray() || pos > order.size()) {
                    throw new CorruptDataException("corrupt patch in " + where + ": insert out of range " + op
                            + " (length " + order.size() + ")");
                }
                List<JsonNode> ins = new ArrayList<>();
                items.forEach(ins::add);
                order.addAll(pos, ins);
            } else if ("d".equals(kind)) {
                int count = index(op.get(1), op, where);
                int pos = index(op.get(2), op, where);
                if ((long) pos + count > order.size()) {
                    throw new CorruptDataException("corrupt patch in " + where + ": delete out of range " + op
                            + " (length " + order.size() + ")");
                }
                order.subList(pos, pos + count).clear();
            } else {
                throw new CorruptDataException("corrupt patch in " + where + ": unknown operation " + op);
            }
        }
    }

    private static int index(JsonNode n, JsonNode op, String where) {
        if (n == null || !n.canConvertToInt() || !n.isIntegralNumber() || n.intValue() < 0) {
            throw new CorruptDataException("corrupt patch in " + where + ": bad number in " + op);
        }
        return n.intValue();
    }

    /**
     * Melda's {@code merge_arrays(M, N)}: inserts the elements of {@code m} missing from {@code n} into {@code n}
     * around a pivot (spec §4.5). Elements are never removed.
     *
     * <p>The reference algorithm looks every element of {@code m} up in {@code n} by position ({@code indexOf})
     * and inserts by index: quadratic, minutes for a 100k-item array. Here {@code n} is a linked list with a map from
     * element to its first node, which gives exactly the same result (first occurrences, duplicates included: an
     * inserted element is never already present) in linear time.
     */
    public static void merge(List<JsonNode> m, List<JsonNode> n) {
        Linked list = new Linked(n);
        Node ins = list.head; // "index 0": before the first node (null when n is empty)
        int pivotM = m.size();
        for (int i = 0; i < m.size(); i++) {
            Node at = list.first.get(m.get(i));
            if (at != null) {
                pivotM = i;
                ins = at;
                break;
            }
        }
        boolean changed = false;
        for (int i = 0; i < m.size(); i++) {
            JsonNode e = m.get(i);
            Node at = list.first.get(e);
            if (at != null) {
                ins = at;
            } else if (i < pivotM) {
                ins = list.insertBefore(ins, e); // n.add(ins, e): e now sits at index ins
                pivotM = i;
                changed = true;
            } else {
                ins = list.insertAfter(ins, e); // ins++; n.add(ins, e)
                changed = true;
            }
        }
        if (changed) {
            n.clear();
            for (Node x = list.head; x != null; x = x.next) {
                n.add(x.value);
            }
        }
    }

    private static final class Node {
        final JsonNode value;
        Node prev;
        Node next;

        Node(JsonNode value) {
            this.value = value;
        }
    }

    private static final class Linked {
        final java.util.HashMap<JsonNode, Node> first = new java.util.HashMap<>();
        Node head;
        Node tail;

        Linked(List<JsonNode> items) {
            for (JsonNode v : items) {
                Node x = new Node(v);
                if (tail == null) {
                    head = x;
                } else {
                    tail.next = x;
                    x.prev = tail;
                }
                tail = x;
                first.putIfAbsent(v, x);
            }
        }

        /** Inserts before {@code at}, or appends when {@code at} is null (index 0 of an empty list). */
        Node insertBefore(Node at, JsonNode v) {
            Node x = new Node(v);
            first.put(v, x);
            if (at == null) {
                if (tail == null) {
                    head = x;
                } else {
                    tail.next = x;
                    x.prev = tail;
                }
                tail = x;
                return x;
            }
            x.next = at;
            x.prev = at.prev;
            if (at.prev == null) {
                head = x;
            } else {
                at.prev.next = x;
            }
            at.prev = x;
            return x;
        }

        /** Inserts after {@code at} (before its successor, so at the tail when it is the last), or appends when null. */
        Node insertAfter(Node at, JsonNode v) {
            return insertBefore(at == null ? null : at.next, v);
        }
    }
}
