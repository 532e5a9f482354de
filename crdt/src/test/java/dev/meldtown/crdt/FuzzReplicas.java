package dev.meldtown.crdt;

import static dev.meldtown.crdt.TestDocs.obj;

import dev.meldtown.crdt.internal.Pack;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.internal.Hashes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fixed base replica of {@link CrdtFuzzTest#replica}: an origin todo list, then two divergent replicas
 * (a title conflict, concurrent inserts into the ♭ array) melded together. Deterministic (no info, no time).
 */
final class FuzzReplicas {
    private static final Map<String, byte[]> BASE = build();

    private FuzzReplicas() {
    }

    /** A fresh copy of the base replica. */
    static MemoryStorage base() {
        MemoryStorage s = new MemoryStorage();
        BASE.forEach(s::write);
        return s;
    }

    private static Map<String, byte[]> build() {
        MemoryStorage a = new MemoryStorage();
        Replica ra = Replica.open(a);
        ra.update(obj("{'software':'MeldaDo','items\u266D':[{'_id':'a','title':'one','done':false},"
                + "{'_id':'b','title':'two','done':true}],'n':{'x':[1,2.5,'s']}}"));
        ra.commit((ObjectNode) null);
        MemoryStorage b = new MemoryStorage();
        Replica.copyMissing(a, b);
        Replica rb = Replica.open(b);
        ra.update(obj("{'software':'MeldaDo','items\u266D':[{'_id':'a','title':'ONE','done':false},"
                + "{'_id':'c','title':'three','done':false},{'_id':'b','title':'two','done':true}],'n':{'x':[1,2.5,'s']}}"));
        ra.commit((ObjectNode) null);
        rb.update(obj("{'software':'MeldaDo','items\u266D':[{'_id':'a','title':'uno','done':true},"
                + "{'_id':'b','title':'two','done':true},{'_id':'d','title':'four','done':false}],'n':{'x':[1,2.5,'s']}}"));
        rb.commit((ObjectNode) null);
        ra.meld(b);
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String suffix : List.of(".delta", ".pack", ".index")) {
            for (String k : a.list(suffix)) {
                files.put(k + suffix, a.read(k + suffix));
            }
        }
        return files;
    }

    /**
     * A seed for the replica target: the block and pack that committing {@code next} on top of the base writes, with
     * the pack hash, base block ids and object digests replaced by the target's placeholders.
     */
    static byte[] seed(ObjectNode next) {
        MemoryStorage s = base();
        List<String> baseBlocks = new ArrayList<>(s.list(".delta"));
        Collections.sort(baseBlocks);
        Replica r = Replica.open(s);
        r.update(next);
        String id = r.commit((ObjectNode) null).orElseThrow();
        DeltaBlock block = r.block(id);
        String text = new String(block.bytes(), StandardCharsets.ISO_8859_1);
        byte[] pack = new byte[0];
        if (!block.packs().isEmpty()) {
            String k = block.packs().get(0);
            pack = s.read(k + ".pack");
            List<String> objs = new ArrayList<>(Pack.scan(pack).keySet());
            for (int i = 0; i < Math.min(10, objs.size()); i++) {
                text = text.replace(objs.get(i), "@O" + i);
            }
            text = text.replace(k, "@K");
        }
        for (int i = 0; i < baseBlocks.size(); i++) {
            text = text.replace(baseBlocks.get(i), "@B" + i);
        }
        byte[] d = text.getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = new byte[d.length + 1 + pack.length];
        System.arraycopy(d, 0, out, 0, d.length);
        System.arraycopy(pack, 0, out, d.length + 1, pack.length);
        return out;
    }

    /**
     * Writes seeds from the base replica: {@code java ... FuzzReplicas <CrdtFuzzTestInputs dir>} puts its blocks under
     * {@code deltaBlock/}, its packs under {@code pack/} and commits on top of it under {@code replica/} (kept for
     * regenerating the corpus).
     */
    public static void main(String[] args) throws IOException {
        Path root = Path.of(args[0]);
        for (Map.Entry<String, byte[]> e : BASE.entrySet()) {
            String key = e.getKey();
            String sub = key.endsWith(".delta") ? "deltaBlock" : key.endsWith(".pack") ? "pack" : null;
            if (sub != null) {
                Files.createDirectories(root.resolve(sub));
                Files.write(root.resolve(sub).resolve("base-" + key.substring(0, 12)), e.getValue());
            }
        }
        Path dir = root.resolve("replica");
        Files.createDirectories(dir);
        String[] docs = {
            "{'software':'MeldaDo','items\u266D':[{'_id':'a','title':'ONE','done':true},{'_id':'c','title':'three','done':false},"
                    + "{'_id':'d','title':'four','done':false},{'_id':'b','title':'two','done':true}],'n':{'x':[1,2.5,'s']}}",
            "{'software':'MeldaDo','items\u266D':[{'_id':'e','title':'five {braces}','done':false}],'n':{'x':[]}}",
            "{'software':'MeldaDo','items\u266D':[],'n':{'y\u266D':[{'_id':'q','v':[{'w':1}]},{'_id':'r'}]}}",
        };
        for (String d : docs) {
            byte[] seed = seed(obj(d));
            Files.write(dir.resolve("seed-" + Hashes.sha256Hex(seed).substring(0, 12)), seed);
        }
    }
}
