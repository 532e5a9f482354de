package dev.meldtown.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TenantTagsTest {
    @Test
    void theFirstTenantsKeepTheirNameAndEveryLaterOneIsOther() {
        TenantTags tags = new TenantTags();
        tags.maxTenants = 2;
        assertThat(tags.of("acme")).isEqualTo("acme");
        assertThat(tags.of("globex")).isEqualTo("globex");
        assertThat(tags.of("initech")).isEqualTo(TenantTags.OTHER);
        assertThat(tags.of("acme")).as("a named tenant stays named").isEqualTo("acme");
        assertThat(tags.of("umbrella")).isEqualTo(TenantTags.OTHER);
    }

    @Test
    void concurrentNewTenantsNeverNameMoreThanTheLimit() throws Exception {
        TenantTags tags = new TenantTags();
        tags.maxTenants = 50;
        Set<String> values = java.util.concurrent.ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        for (int i = 0; i < 2000; i++) {
            String tenant = "t" + i;
            pool.submit(() -> values.add(tags.of(tenant)));
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        Set<String> named = new HashSet<>(values);
        named.remove(TenantTags.OTHER);
        assertThat(named).hasSize(50);
        assertThat(values).contains(TenantTags.OTHER);
    }
}
