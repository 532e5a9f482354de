package dev.meldtown.blockstore.internal;

import dev.meldtown.crdt.CanonicalJson;
import dev.meldtown.service.ProblemException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The rules of a commit's preconditions (RFC 9110 §13.1.1, §13.1.2), with no service around them. */
class DocumentTagTest {
    private static final String A = DocumentTag.of(CanonicalJson.parse("{\"b\":1,\"a\":[1,2]}"));
    private static final String B = DocumentTag.of(CanonicalJson.parse("{\"a\":2}"));

    @Test
    void aTagIsTheQuotedSha256OfTheCanonicalJsonSoFieldOrderDoesNotMatter() {
        assertThat(A).matches("\"[0-9a-f]{64}\"").isEqualTo(DocumentTag.of(CanonicalJson.parse("{\"a\":[1,2],\"b\":1}")));
        assertThat(A).isNotEqualTo(B).isNotEqualTo(DocumentTag.of(CanonicalJson.parse("{\"b\":1,\"a\":[2,1]}")));
    }

    @Test
    void ifMatchPassesOnlyWhenTheCurrentTagIsListedStrongly() {
        assertThatCode(() -> DocumentTag.Precondition.of(A, null).check("r", true, () -> A)).doesNotThrowAnyException();
        assertThatCode(() -> DocumentTag.Precondition.of(B + " , " + A, null).check("r", true, () -> A)).doesNotThrowAnyException();
        assertThat(status(() -> DocumentTag.Precondition.of(B, null).check("r", true, () -> A))).isEqualTo(412);
        assertThat(status(() -> DocumentTag.Precondition.of("W/" + A, null).check("r", true, () -> A))).isEqualTo(412);
        // a replica with no block reads as {}: that is the tag its GET gives, and If-Match takes it
        String empty = DocumentTag.of(CanonicalJson.parse("{}"));
        assertThatCode(() -> DocumentTag.Precondition.of(empty, null).check("r", false, () -> empty)).doesNotThrowAnyException();
        assertThat(status(() -> DocumentTag.Precondition.of(A, null).check("r", false, () -> empty))).isEqualTo(412);
        assertThatCode(() -> DocumentTag.Precondition.of("*", null).check("r", true, () -> A)).doesNotThrowAnyException();
        assertThat(status(() -> DocumentTag.Precondition.of(" * ", null).check("r", false, () -> A))).isEqualTo(412);
    }

    @Test
    void ifNoneMatchFailsWhenTheCurrentTagIsListedWeaklyOrAnyDocumentExistsForAStar() {
        assertThatCode(() -> DocumentTag.Precondition.of(null, "*").check("r", false, () -> A)).doesNotThrowAnyException();
        assertThat(status(() -> DocumentTag.Precondition.of(null, "*").check("r", true, () -> A))).isEqualTo(412);
        assertThat(status(() -> DocumentTag.Precondition.of(null, "W/" + A).check("r", true, () -> A))).isEqualTo(412);
        assertThatCode(() -> DocumentTag.Precondition.of(null, B).check("r", true, () -> A)).doesNotThrowAnyException();
    }

    @Test
    void theFailureCarriesTheCurrentTagAndTheDocumentIsHashedOnlyWhenATagListNeedsIt() {
        AtomicInteger hashed = new AtomicInteger();
        DocumentTag.Precondition.NONE.check("r", true, () -> { hashed.incrementAndGet(); return A; });
        DocumentTag.Precondition.of("*", null).check("r", true, () -> { hashed.incrementAndGet(); return A; });
        assertThat(hashed).hasValue(0);
        assertThatThrownBy(() -> DocumentTag.Precondition.of(B, null).check("r", true, () -> A))
                .isInstanceOfSatisfying(ProblemException.class, e -> {
                    assertThat(e.type()).isEqualTo("precondition-failed");
                    assertThat(e.headers()).containsEntry("ETag", A);
                });
    }

    @Test
    void aHeaderThatIsNotAStarOrAListOfEntityTagsIsA400() {
        for (String bad : new String[] {"abc", "\"a\" \"b\"", "\"a\",", "\"a b\"", "W/abc", "*, \"a\"", ""}) {
            assertThat(status(() -> DocumentTag.Precondition.of(bad, null))).as(bad).isEqualTo(400);
            assertThat(status(() -> DocumentTag.Precondition.of(null, bad))).as(bad).isEqualTo(400);
        }
        assertThat(DocumentTag.Precondition.of(null, null).isNone()).isTrue();
    }

    private static int status(Runnable r) {
        try {
            r.run();
        } catch (ProblemException e) {
            return e.status();
        }
        return 0;
    }
}
