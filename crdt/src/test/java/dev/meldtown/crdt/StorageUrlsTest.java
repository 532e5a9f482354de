package dev.meldtown.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StorageUrlsTest {
    @Test
    void builtInSchemes() {
        assertThat(StorageUrls.open("memory://")).isInstanceOf(MemoryStorage.class);
        assertThat(StorageUrls.open("memory://")).isNotSameAs(StorageUrls.open("memory://"));
        assertThat(StorageUrls.open("memory://shared-x")).isSameAs(StorageUrls.open("memory://shared-x"));
        assertThat(StorageUrls.open("memory+flate://")).isInstanceOf(FlateStorage.class);
        assertThat(StorageUrls.open("file:///tmp/a%20b")).isInstanceOfSatisfying(FileStorage.class,
                f -> assertThat(f.root().toString()).isEqualTo("/tmp/a b"));
        assertThat(StorageUrls.open("file+flate:///tmp/x")).isInstanceOfSatisfying(FlateStorage.class,
                f -> assertThat(f.inner()).isInstanceOf(FileStorage.class));
    }

    @Test
    void badUrlsAreTyped() {
        assertThatThrownBy(() -> StorageUrls.open("file://todolist")).isInstanceOf(InvalidUrlException.class)
                .hasMessageContaining("absolute");
        assertThatThrownBy(() -> StorageUrls.open("nope://x")).isInstanceOf(InvalidUrlException.class)
                .hasMessageContaining("nope");
        assertThatThrownBy(() -> StorageUrls.open("/just/a/path")).isInstanceOf(InvalidUrlException.class);
    }

    @Test
    void registeredSchemeAndItsFlateVariant() {
        StorageUrls.register(new StorageProvider() {
            @Override
            public Set<String> schemes() {
                return Set.of("testmem");
            }

            @Override
            public ReplicaStorage open(URI url) {
                assertThat(url.getScheme()).isEqualTo("testmem");
                return new MemoryStorage();
            }
        });
        assertThat(StorageUrls.open("testmem://bucket/prefix")).isInstanceOf(MemoryStorage.class);
        assertThat(StorageUrls.open("testmem+flate://bucket/prefix")).isInstanceOf(FlateStorage.class);
        assertThat(StorageUrls.schemes()).contains("testmem", "memory", "file");
    }

    @Test
    void documentLimitsComeFromTheSchemesProviderWithoutOpeningAStorage() {
        DocumentLimits strict = new DocumentLimits(10, 20, 30, 40, 50);
        StorageUrls.register(new StorageProvider() {
            @Override
            public Set<String> schemes() {
                return Set.of("limited");
            }

            @Override
            public ReplicaStorage open(URI url) {
                throw new AssertionError("documentLimits must not open " + url);
            }

            @Override
            public DocumentLimits documentLimits() {
                return strict;
            }
        });
        assertThat(StorageUrls.documentLimits("limited://host/replica")).isEqualTo(strict);
        assertThat(StorageUrls.documentLimits("LIMITED+flate://host/replica")).isEqualTo(strict);
        // built-in and service-loaded providers keep the default: what every reader can read
        assertThat(StorageUrls.documentLimits("file:///tmp/x")).isEqualTo(DocumentLimits.LOCAL);
        assertThat(StorageUrls.documentLimits("memory+flate://")).isEqualTo(DocumentLimits.LOCAL);
        assertThat(StorageUrls.documentLimits("svc-test://anything")).isEqualTo(DocumentLimits.LOCAL);
        assertThatThrownBy(() -> StorageUrls.documentLimits("nope://x")).isInstanceOf(InvalidUrlException.class)
                .hasMessageContaining("nope");
    }

    @Test
    void serviceLoaderProvidersAreDiscovered() {
        // src/test/resources/META-INF/services registers ServiceLoadedProvider for "svc-test"
        assertThat(StorageUrls.open("svc-test://anything")).isInstanceOf(MemoryStorage.class);
    }

    /** Found through META-INF/services in the test classpath. */
    public static final class ServiceLoadedProvider implements StorageProvider {
        @Override
        public Set<String> schemes() {
            return Set.of("svc-test");
        }

        @Override
        public ReplicaStorage open(URI url) {
            return new MemoryStorage();
        }
    }
}
