package dev.meldtown.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ModelTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void namesFollowTheRule() {
        for (String ok : new String[] {"a", "0", "acme", "a-b-1", "a".repeat(63)}) {
            assertThat(Name.isValid(ok)).as(ok).isTrue();
            assertThat(Name.of("tenant", ok).value()).isEqualTo(ok);
        }
        for (String bad : new String[] {null, "", "-a", "A", "a_b", "a.b", "..", "a/b", "a".repeat(64), "é"}) {
            assertThat(Name.isValid(bad)).as(String.valueOf(bad)).isFalse();
            assertThatThrownBy(() -> Name.of("replica", bad)).isInstanceOf(InvalidNameException.class);
        }
        assertThatThrownBy(() -> Name.of("town name", "Bad_Town"))
                .hasMessage("town name must match [a-z0-9][a-z0-9-]{0,62}, got 'Bad_Town'")
                .isInstanceOfSatisfying(InvalidNameException.class, e -> assertThat(e.kind()).isEqualTo("town name"));
        assertThatThrownBy(() -> Name.of("doc", "X".repeat(100))).hasMessageEndingWith("got '" + "X".repeat(80) + "…'");
    }

    @Test
    void refsValidateEveryPartAndNameTheBadOne() {
        ReplicaRef r = ReplicaRef.of("acme", "todo", "hub");
        assertThat(r.tenant().value()).isEqualTo("acme");
        assertThat(r.doc()).isEqualTo(DocRef.of("acme", "todo"));
        assertThat(r.sibling("alice")).isEqualTo(ReplicaRef.of("acme", "todo", "alice"));
        assertThat(r).hasToString("acme/todo/hub");
        assertThatThrownBy(() -> ReplicaRef.of("Acme", "todo", "hub")).hasMessageStartingWith("tenant must match");
        assertThatThrownBy(() -> ReplicaRef.of("acme", "to do", "hub")).hasMessageStartingWith("doc must match");
        assertThatThrownBy(() -> ReplicaRef.of("acme", "todo", "../x")).hasMessageStartingWith("replica must match");
    }

    @Test
    void settingsJsonIsTheWireFormatWithDefaultsForMissingFields() throws Exception {
        assertThat(JSON.writeValueAsString(DocumentSettings.DEFAULT)).isEqualTo("{\"compression\":\"none\",\"conflictPolicy\":\"keep\"}");
        var flate = new DocumentSettings(DocumentSettings.Compression.FLATE, DocumentSettings.ConflictPolicy.RESOLVE_TO_WINNER);
        String json = "{\"compression\":\"flate\",\"conflictPolicy\":\"resolve-to-winner\"}";
        assertThat(new String(JSON.writeValueAsBytes(flate), StandardCharsets.UTF_8)).isEqualTo(json);
        assertThat(JSON.readValue(json, DocumentSettings.class)).isEqualTo(flate);
        assertThat(flate.flate()).isTrue();
        assertThat(flate.resolveToWinner()).isTrue();
        assertThat(JSON.readValue("{}", DocumentSettings.class)).isEqualTo(DocumentSettings.DEFAULT);
        assertThat(JSON.readValue("{\"compression\":null}", DocumentSettings.class)).isEqualTo(DocumentSettings.DEFAULT);
        assertThat(new DocumentSettings(null, null)).isEqualTo(DocumentSettings.DEFAULT);
        assertThatThrownBy(() -> JSON.readValue("{\"compression\":\"zip\"}", DocumentSettings.class))
                .hasMessageContaining("compression must be one of [none, flate], got 'zip'");
        assertThatThrownBy(() -> DocumentSettings.ConflictPolicy.parse("merge"))
                .hasMessage("conflictPolicy must be one of [keep, resolve-to-winner], got 'merge'");
    }
}
