package dev.meldtown.service;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HttpLimitsTest {
    @ParameterizedTest
    @ValueSource(strings = {"/.", "/..", "/a/./b", "/a/../b", "/a/%2e/b", "/a/%2E%2e/b", "/a/.%2E", "/a/%2e.?q=1", "/v1/tenants/t/docs/..",
            "./a", "../a", ".", "..", "/a/b/.."})
    void aDotSegmentIsFound(String uri) {
        assertThat(HttpLimits.hasDotSegment(uri)).as(uri).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/", "//", "/a/b", "/a/...", "/a/.b", "/a/b.", "/a/%2e%2e%2e", "/a/%2e%2eb", "/a/b.pack",
            "/v1/tenants/t/docs/d/replicas/r/files/0123456789abcdef.delta", "/a?path=/../", "/a/b?x=.", "/a/%2f..", "/a/..%2f"})
    void noOtherPathIs(String uri) {
        assertThat(HttpLimits.hasDotSegment(uri)).as(uri).isFalse();
    }
}
