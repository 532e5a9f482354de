package dev.meldtown.crdt.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A big pack's objects are hashed on several threads when it is scanned: the result is what one thread finds. */
class PackScanTest {
    @Test
    void aBigPackScansAsOneThreadWould() {
        List<String> objects = new ArrayList<>();
        for (int i = 0; i < Pack.PARALLEL_HASHING_FROM + 1500; i++) {
            // duplicates (the first is kept), braces and escapes inside strings, nested objects
            objects.add(i % 97 == 0 ? "{\"dup\":true}" : "{\"i\":" + i + ",\"s\":\"{x} \\\" }\",\"o\":{\"n\":[" + i + "]}}");
        }
        byte[] pack = ("[" + String.join(",", objects) + "]").getBytes(StandardCharsets.UTF_8);
        Map<String, long[]> scanned = Pack.scan(pack);

        Map<String, String> expected = new LinkedHashMap<>();
        for (String o : objects) {
            expected.putIfAbsent(Hashes.sha256Hex(o.getBytes(StandardCharsets.UTF_8)), o);
        }
        assertThat(scanned.keySet()).containsExactlyElementsOf(expected.keySet());
        scanned.forEach((digest, span) -> {
            byte[] slice = Arrays.copyOfRange(pack, (int) span[0], (int) (span[0] + span[1]));
            assertThat(new String(slice, StandardCharsets.UTF_8)).isEqualTo(expected.get(digest));
        });
        // the first of the equal objects is the one kept
        int firstDup = new String(pack, StandardCharsets.UTF_8).indexOf("{\"dup\":true}");
        assertThat(scanned.get(Hashes.sha256Hex("{\"dup\":true}".getBytes(StandardCharsets.UTF_8)))[0]).isEqualTo(firstDup);
    }
}
