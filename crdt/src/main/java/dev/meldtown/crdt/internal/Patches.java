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
     */
    public static void merge(List<JsonNode> m, List<JsonNode> n) {
        int pivotM = m.size();
        int ins = 0;
        for (int i = 0; i < m.size(); i++) {
            int at = n.indexOf(m.get(i));
            if (at >= 0) {
                pivotM = i;
                ins = at;
                break;
            }
        }
        for (int i = 0; i < m.size(); i++) {
            JsonNode e = m.get(i);
            int at = n.indexOf(e);
            if (at >= 0) {
                ins = at;
            } else if (i < pivotM) {
                n.add(ins, e);
                pivotM = i;
            } else {
                ins++;
                n.add(ins, e);
            }
        }
    }
}
