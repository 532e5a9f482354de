package dev.meldtown.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

class KubernetesLastTest {

    @Test
    void classesThatNeedTheKubernetesBuildsComeLastAndTheNodeLastOfAll() {
        List<Class<?>> discovered = List.of(NodeChartTest.class, ContainerImagesTest.class, HelmChartTest.class, StackTest.class,
                ConsoleTest.class, MonitoringAsCodeTest.class, ChaosTest.class, SchemathesisTest.class);
        List<Class<?>> ordered = discovered.stream().sorted(Comparator.comparingInt(KubernetesLast::rank)).toList();
        assertThat(ordered).containsExactly(ContainerImagesTest.class, ConsoleTest.class, ChaosTest.class, SchemathesisTest.class,
                StackTest.class, MonitoringAsCodeTest.class, HelmChartTest.class, NodeChartTest.class);
    }
}
