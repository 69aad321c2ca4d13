package io.ssekit.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LoadOptionsTest {

  @Test
  void defaultsFollowTheServerKind() {
    LoadOptions options = LoadOptions.parse(new String[] {"--server=nchan", "--url=http://127.0.0.1:8102"});

    assertThat(options.streamUrl()).hasToString("http://127.0.0.1:8102/sub");
    assertThat(options.publishUrl()).hasToString("http://127.0.0.1:8102/pub");
    assertThat(options.streams()).isEqualTo(1000);
    assertThat(options.streamsInThisProcess()).isEqualTo(1000);
  }

  @Test
  void streamsBeyondOneProcessGoToReaders() {
    LoadOptions options = LoadOptions.parse(
        new String[] {"--server=ssekit", "--streams=19500", "--streams-per-process=10000"});

    assertThat(options.streamsInThisProcess()).isEqualTo(10_000);
  }

  @Test
  void nonLoopbackTargetIsRejected() {
    assertThatThrownBy(() -> LoadOptions.parse(new String[] {"--server=ssekit", "--url=http://10.0.0.1:8000"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("10.0.0.1")
        .hasMessageContaining("loopback");
  }

  @Test
  void outOfRangeCountNamesTheOptionAndRange() {
    assertThatThrownBy(() -> LoadOptions.parse(new String[] {"--server=ssekit", "--streams=0"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--streams is \"0\" (expected: an integer from 1 to 200000)");
  }

  @Test
  void warmupRunsTwoRoundsByDefault() {
    assertThat(LoadOptions.parse(new String[] {"--server=ssekit"}).warmupRounds()).isEqualTo(2);
    assertThat(LoadOptions.parse(new String[] {"--server=ssekit", "--warmup-rounds=1"}).warmupRounds())
        .isEqualTo(1);
    assertThatThrownBy(() -> LoadOptions.parse(new String[] {"--server=ssekit", "--warmup-rounds=0"}))
        .hasMessage("--warmup-rounds is \"0\" (expected: an integer from 1 to 10)");
  }

  @Test
  void publishWarmupIsOffByDefault() {
    assertThat(LoadOptions.parse(new String[] {"--server=ssekit"}).warmupPublishes()).isZero();
    assertThat(LoadOptions.parse(new String[] {"--server=ssekit", "--warmup-publishes=20000"}).warmupPublishes())
        .isEqualTo(20_000);
    assertThatThrownBy(() -> LoadOptions.parse(new String[] {"--server=ssekit", "--warmup-publishes=-1"}))
        .hasMessage("--warmup-publishes is \"-1\" (expected: an integer from 0 to 200000)");
  }

  @Test
  void unknownServerAndOptionAreRejected() {
    assertThatThrownBy(() -> LoadOptions.parse(new String[] {"--server=apache"}))
        .hasMessageContaining("ssekit, nchan, better-sse, spring-sse");
    assertThatThrownBy(() -> LoadOptions.parse(new String[] {"--server=ssekit", "--stream=5"}))
        .hasMessageContaining("unknown option --stream");
  }

  @Test
  void sourceAddressesStepPerGroupOfStreams() {
    assertThat(StreamGroup.sourceAddress(StreamGroup.RUN_SOURCE_BASE, 0, 1000).getHostAddress()).isEqualTo("127.0.0.2");
    assertThat(StreamGroup.sourceAddress(StreamGroup.RUN_SOURCE_BASE, 1999, 1000).getHostAddress()).isEqualTo("127.0.0.3");
    assertThat(StreamGroup.sourceAddress(StreamGroup.RUN_SOURCE_BASE, 300_000, 1000).getHostAddress()).isEqualTo("127.0.1.46");
  }

  @Test
  void cpuTicksAreUtimeAndStime() {
    String stat = "4242 (java (main)) S 1 4242 4242 0 -1 4194560 1000 0 0 0 150 25 0 0 20 0 30 0";

    assertThat(ProcStats.parseCpuTicks(stat)).containsExactly(150, 25);
  }
}
