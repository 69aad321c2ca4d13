package io.ssekit.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CollectorAdviceTest {

  private static final List<String> G1 = List.of("G1 Young Generation", "G1 Old Generation");
  private static final List<String> SERIAL = List.of("Copy", "MarkSweepCompact");

  @Test
  void g1OnTwoCpusGetsAdvice() {
    String advice = CollectorAdvice.forMachine(2, G1);

    assertThat(advice).contains("G1 collector on 2 CPUs");
    assertThat(advice).contains("-XX:+UseSerialGC");
  }

  @Test
  void g1OnOneCpuGetsAdvice() {
    assertThat(CollectorAdvice.forMachine(1, G1)).contains("G1 collector on 1 CPU;");
  }

  @Test
  void g1OnFourCpusGetsNone() {
    assertThat(CollectorAdvice.forMachine(4, G1)).isNull();
  }

  @Test
  void serialCollectorGetsNone() {
    assertThat(CollectorAdvice.forMachine(2, SERIAL)).isNull();
  }
}
