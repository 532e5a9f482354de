package dev.meldtown.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.meldtown.crdt.internal.Myers;
import dev.meldtown.crdt.internal.Patches;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The yavomrs test vectors of spec §2.3, plus patch application and merge_arrays. */
class MyersDiffTest {
    static List<JsonNode> letters(String s) {
        List<JsonNode> l = new ArrayList<>();
        for (char c : s.toCharArray()) {
            l.add(TextNode.valueOf(String.valueOf(c)));
        }
        return l;
    }

    static List<JsonNode> strings(String... s) {
        List<JsonNode> l = new ArrayList<>();
        for (String x : s) {
            l.add(TextNode.valueOf(x));
        }
        return l;
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ABCDE|XABD|[['i',0,['X']],['d',1,3],['d',1,4]]",
        "AWESOMO|STRANGESOMO|[['d',2,0],['i',0,['S','T','R','A','N','G']]]",
        "A|B|[['d',1,0],['i',0,['B']]]",
        "''|ABC|[['i',0,['A','B','C']]]",
        "ABC|ABC|[]",
        "ABC|''|[['d',3,0]]",
    })
    void yavomVectors(String old, String neu, String expected) {
        List<JsonNode> a = letters(old);
        List<JsonNode> b = letters(neu);
        JsonNode patch = Myers.diff(a, b);
        assertThat(CanonicalJson.write(patch)).isEqualTo(expected.replace('\'', '"'));
        Patches.apply(a, patch, "test");
        assertThat(a).isEqualTo(b);
    }

    @Test
    void seedScenarioPatches() {
        assertThat(CanonicalJson.write(Myers.diff(strings("alice_todo_01"), strings("alice_todo_02"))))
                .isEqualTo("[[\"d\",1,0],[\"i\",0,[\"alice_todo_02\"]]]");
        assertThat(CanonicalJson.write(Myers.diff(strings("alice_todo_01"), strings("alice_todo_01", "bob_todo_01", "bob_todo_02"))))
                .isEqualTo("[[\"i\",1,[\"bob_todo_01\",\"bob_todo_02\"]]]");
    }

    @Test
    void mergeArraysSeedExample() {
        List<JsonNode> n = strings("alice_todo_02");
        Patches.merge(strings("alice_todo_01", "bob_todo_01", "bob_todo_02"), n);
        assertThat(n).isEqualTo(strings("alice_todo_01", "bob_todo_01", "bob_todo_02", "alice_todo_02"));
        List<JsonNode> other = strings("alice_todo_01", "bob_todo_01", "bob_todo_02");
        Patches.merge(strings("alice_todo_02"), other);
        assertThat(other).isEqualTo(strings("alice_todo_02", "alice_todo_01", "bob_todo_01", "bob_todo_02"));
    }

    @Test
    void mergeArraysAroundPivot() {
        List<JsonNode> n = strings("p");
        Patches.merge(strings("x1", "x2", "p", "y"), n);
        assertThat(n).isEqualTo(strings("x1", "x2", "p", "y"));
    }

    @Test
    void outOfRangePatchIsTypedError() {
        List<JsonNode> a = letters("AB");
        assertThatThrownBy(() -> Patches.apply(a, TestDocs.json("[['d',3,0]]"), "t"))
                .isInstanceOf(CorruptDataException.class).hasMessageContaining("out of range");
        assertThatThrownBy(() -> Patches.apply(a, TestDocs.json("[['i',5,['x']]]"), "t"))
                .isInstanceOf(CorruptDataException.class);
        assertThatThrownBy(() -> Patches.apply(a, TestDocs.json("[['x',0,0]]"), "t"))
                .isInstanceOf(CorruptDataException.class);
        assertThatThrownBy(() -> Patches.apply(a, TestDocs.json("{}"), "t"))
                .isInstanceOf(CorruptDataException.class);
    }
}
