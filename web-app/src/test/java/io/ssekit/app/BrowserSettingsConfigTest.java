package io.ssekit.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The settings for browsers and limits, read as an operator sets them. */
class BrowserSettingsConfigTest {

  @Test
  void defaultsAllowReactDevServersAndSaneLimits() {
    ServerConfig config = ServerConfig.defaults();

    assertThat(config.corsAllowedOrigins()).containsExactly("http://localhost:3000", "http://localhost:5173");
    assertThat(config.maxStreamsPerAddress()).isEqualTo(1000);
    assertThat(config.maxRequestHeaderBytes()).isEqualTo(8192);
    assertThat(config.maxTrackedVideos()).isEqualTo(10_000);
  }

  @Test
  void originsAreSplitTrimmedAndNormalized() {
    ServerConfig config = ServerConfig.fromSources(
        Map.of("CORS_ALLOWED_ORIGINS", " https://App.example.com:443 ,http://localhost:3000,"), List.of());

    assertThat(config.corsAllowedOrigins()).containsExactly("https://app.example.com", "http://localhost:3000");
    assertThat(config.describe()).contains("cors_allowed_origins=https://app.example.com,http://localhost:3000");
  }

  @Test
  void noneAllowsNoOrigin() {
    ServerConfig config = ServerConfig.fromSources(Map.of(), List.of("--cors-allowed-origins=none"));

    assertThat(config.corsAllowedOrigins()).isEmpty();
    assertThat(config.describe()).contains("cors_allowed_origins=none");
  }

  @Test
  void wildcardOriginStopsStart() {
    assertThatThrownBy(() -> ServerConfig.fromSources(Map.of("CORS_ALLOWED_ORIGINS", "*"), List.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("CORS_ALLOWED_ORIGINS=\"*\" is invalid: origin \"*\" is not allowed because"
            + " credentials are allowed");
  }

  @Test
  void limitsAreReadFromFlags() {
    ServerConfig config = ServerConfig.fromSources(Map.of("MAX_STREAMS_PER_ADDRESS", "5"),
        List.of("--max-request-header-bytes=16384", "--max-tracked-videos=3"));

    assertThat(config.maxStreamsPerAddress()).isEqualTo(5);
    assertThat(config.maxRequestHeaderBytes()).isEqualTo(16_384);
    assertThat(config.maxTrackedVideos()).isEqualTo(3);
    assertThat(config.withPort(0).maxStreamsPerAddress()).isEqualTo(5);
  }

  @Test
  void headerLimitBelowMinimumStopsStart() {
    assertThatThrownBy(() -> ServerConfig.fromSources(Map.of("MAX_REQUEST_HEADER_BYTES", "100"), List.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("MAX_REQUEST_HEADER_BYTES=\"100\" is invalid (expected: an integer from 1024 to 1048576)");
  }
}
