package dev.meldtown.service.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meldtown.service.ProblemException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The SSE ids of the change feeds: what one feed gives out it reads back; anything else is 400. */
class FeedPositionTest {
    @Test
    void anIdReadsBackAsTheSamePositionsAndIsUrlSafe() {
        FeedPosition position = new FeedPosition("doc", Map.of(new FeedPosition.Slot(0, 0), 21L, new FeedPosition.Slot(0, 11), 0L,
                new FeedPosition.Slot(1, 2), Long.MAX_VALUE));
        String id = position.encode();
        assertThat(id).matches("[A-Za-z0-9_-]+");
        assertThat(FeedPosition.decode(id, "doc", 2)).isEqualTo(position);
        // the text is ordered, so equal positions give equal ids
        assertThat(new FeedPosition("doc", Map.of(new FeedPosition.Slot(1, 2), Long.MAX_VALUE, new FeedPosition.Slot(0, 11), 0L,
                new FeedPosition.Slot(0, 0), 21L)).encode()).isEqualTo(id);
        assertThat(new String(Base64.getUrlDecoder().decode(id), StandardCharsets.US_ASCII)).isEqualTo("doc1|0.0=21,0.11=0,1.2=" + Long.MAX_VALUE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"!!", "sync1|0.0=1", "doc1|", "doc1|0.0", "doc1|0.0=-1", "doc1|2.0=1", "doc1|0.0=1,0.0=1",
            "doc1|0.0=99999999999999999999", "doc1|0.0=1,", "doc2|0.0=1", "doc1|a.0=1", "doc1|0.0=1;x"})
    void anythingElseIs400(String text) {
        String id = text.equals("!!") ? text : Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> FeedPosition.decode(id, "doc", 2)).isInstanceOfSatisfying(ProblemException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.type()).isEqualTo("invalid-last-event-id");
        });
    }

    @Test
    void aTooLongIdIs400BeforeItIsDecoded() {
        assertThatThrownBy(() -> FeedPosition.decode("A".repeat(FeedPosition.MAX_ID_LENGTH + 1), "doc", 2))
                .isInstanceOf(ProblemException.class).hasMessageContaining("longer than");
    }
}
