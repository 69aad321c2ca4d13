package io.ssekit.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ssekit.core.EventBusUnavailableException;
import io.ssekit.core.InMemoryEventBus;
import io.ssekit.redis.RedisEventBus;
import io.ssekit.redis.testing.TestRedis;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reading {@code REDIS_URL} and {@code REDIS_STREAM_KEY}, and choosing the bus from them. */
class RedisConfigTest {

  @Test
  void redisUnsetMeansInMemoryBus() {
    ServerConfig config = ServerConfig.fromSources(Map.of("PORT", "0"), List.of());

    assertThat(config.redisUrl()).isNull();
    assertThat(config.redisStreamKey()).isEqualTo(RedisEventBus.DEFAULT_STREAM_KEY);
    assertThat(config.describe()).contains("redis_url=unset (in-memory event bus)");
    EventServer server = new EventServer(config);
    try {
      assertThat(server.bus()).isInstanceOf(InMemoryEventBus.class);
    } finally {
      server.stop();
    }
  }

  @Test
  void describeMasksRedisPassword() {
    ServerConfig config = ServerConfig.fromSources(
        Map.of("REDIS_URL", "redis://app:s3cret@redis.internal:6379/2", "REDIS_STREAM_KEY", "events:v2"),
        List.of());

    assertThat(config.redisUrl()).isEqualTo("redis://app:s3cret@redis.internal:6379/2");
    assertThat(config.describe())
        .contains("redis_url=redis://app:****@redis.internal:6379/2")
        .contains("redis_stream_key=events:v2")
        .doesNotContain("s3cret");
  }

  @Test
  void flagOverridesRedisVariables() {
    ServerConfig config = ServerConfig.fromSources(
        Map.of("REDIS_URL", "redis://127.0.0.1:6379/0"),
        List.of("--redis-url=redis://127.0.0.1:6380/1", "--redis-stream-key=other"));

    assertThat(config.redisUrl()).isEqualTo("redis://127.0.0.1:6380/1");
    assertThat(config.redisStreamKey()).isEqualTo("other");
  }

  @Test
  void invalidRedisUrlIsRejectedWithoutPassword() {
    assertThatThrownBy(() -> ServerConfig.fromSources(
            Map.of("REDIS_URL", "http://app:s3cret@redis.internal:6379"), List.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("REDIS_URL: Redis URL \"http://app:****@redis.internal:6379\" is invalid")
        .hasMessageContaining("such as redis://127.0.0.1:6379/0")
        .hasMessageNotContaining("s3cret");
  }

  @Test
  void emptyStreamKeyFlagIsRejected() {
    assertThatThrownBy(() -> ServerConfig.fromSources(Map.of(), List.of("--redis-stream-key=")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("--redis-stream-key is empty (expected: a value, or leave it out for the default"
            + " ssekit:events)");
  }

  @Test
  void redisUrlSelectsRedisBus() {
    try (TestRedis redis = TestRedis.connect()) {
      String streamKey = redis.uniqueStreamKey("redisUrlSelectsRedisBus");
      ServerConfig config = ServerConfig.fromSources(
          Map.of("PORT", "0", "REDIS_URL", TestRedis.DEFAULT_URL, "REDIS_STREAM_KEY", streamKey,
              "REPLAY_BUFFER_SIZE", "50"),
          List.of());
      EventServer server = new EventServer(config);
      try {
        assertThat(server.bus()).isInstanceOfSatisfying(RedisEventBus.class,
            bus -> assertThat(bus.streamKey()).isEqualTo(streamKey));
        assertThat(server.bus().isAvailable()).isTrue();
      } finally {
        server.stop();
      }
    }
  }

  @Test
  void unreachableRedisFailsServerCreation() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    ServerConfig config = ServerConfig.fromSources(
        Map.of("PORT", "0", "REDIS_URL", "redis://:s3cret@127.0.0.1:" + closedPort + "/0"), List.of());

    assertThatThrownBy(() -> new EventServer(config))
        .isInstanceOf(EventBusUnavailableException.class)
        .hasMessageContaining("redis://:****@127.0.0.1:" + closedPort + "/0")
        .hasMessageNotContaining("s3cret");
  }
}
