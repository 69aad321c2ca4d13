package io.ssekit.redis.testing;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A connection to the test Redis on {@code 127.0.0.1:6379} (or another URL) for setting up and
 * inspecting keys, plus stream keys that are unique per test and deleted by {@link #close()}.
 *
 * <p>Connecting fails, and with it the test, when that Redis is not running: tests that need
 * Redis must not pass without it. {@code .ci/run} starts it when it is missing. Confined to the
 * test thread.
 */
public final class TestRedis implements AutoCloseable {

  /** The shared test Redis; {@code .ci/run} starts it when it is missing. */
  public static final String DEFAULT_URL = "redis://127.0.0.1:6379/0";

  /** Prefix of every key that tests create, so a leftover key is easy to recognise. */
  public static final String KEY_PREFIX = "ssekit-test:";

  private final String url;
  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final List<String> keyPrefixes = new ArrayList<>();

  private TestRedis(String url) {
    this.url = url;
    this.client = RedisClient.create(RedisURI.builder(RedisURI.create(url)).withTimeout(Duration.ofSeconds(5)).build());
    try {
      this.connection = client.connect();
    } catch (RuntimeException e) {
      client.shutdown();
      throw new IllegalStateException(
          "the tests need Redis at " + url + " and cannot reach it (start it with: redis-server"
              + " --daemonize yes --bind 127.0.0.1 --port 6379 --save \"\" --appendonly no)", e);
    }
  }

  /** Connects to the shared test Redis. */
  public static TestRedis connect() {
    return new TestRedis(DEFAULT_URL);
  }

  /** Connects to the Redis at {@code url}, such as a {@link RedisServerProcess}. */
  public static TestRedis connect(String url) {
    return new TestRedis(url);
  }

  public String url() {
    return url;
  }

  /** Returns synchronous commands on the inspection connection. */
  public RedisCommands<String, String> commands() {
    return connection.sync();
  }

  /**
   * Returns a stream key that no other test uses; {@link #close()} deletes it and every key
   * that starts with it, such as its idempotency keys.
   */
  public String uniqueStreamKey(String testName) {
    String key = KEY_PREFIX + testName + ":" + UUID.randomUUID();
    keyPrefixes.add(key);
    return key;
  }

  /** Deletes the keys of {@link #uniqueStreamKey} and closes the connection. */
  @Override
  public void close() {
    try {
      for (String prefix : keyPrefixes) {
        deleteKeysStartingWith(prefix);
      }
    } finally {
      connection.close();
      client.shutdown();
    }
  }

  private void deleteKeysStartingWith(String prefix) {
    RedisCommands<String, String> commands = connection.sync();
    // The pattern escapes nothing because the prefix is letters, digits, ':' and '-' only.
    ScanArgs match = ScanArgs.Builder.matches(prefix + "*").limit(1_000);
    ScanCursor cursor = ScanCursor.INITIAL;
    do {
      KeyScanCursor<String> page = commands.scan(cursor, match);
      if (!page.getKeys().isEmpty()) {
        commands.del(page.getKeys().toArray(String[]::new));
      }
      cursor = page;
    } while (!cursor.isFinished());
  }
}
