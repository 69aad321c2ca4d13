package io.ssekit.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CorsFilterConfigurationTest {

  @Test
  void originIsNormalizedAsBrowsersSendIt() {
    assertThat(CorsFilter.normalizeOrigin(" HTTP://LocalHost:3000 ")).isEqualTo("http://localhost:3000");
    assertThat(CorsFilter.normalizeOrigin("https://app.example.com:443")).isEqualTo("https://app.example.com");
    assertThat(CorsFilter.normalizeOrigin("http://app.example.com:80")).isEqualTo("http://app.example.com");
    assertThat(CorsFilter.normalizeOrigin("http://[::1]:5173")).isEqualTo("http://[::1]:5173");
  }

  @Test
  void wildcardIsRejectedBecauseCredentialsAreAllowed() {
    assertThatThrownBy(() -> CorsFilter.normalizeOrigin("*"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("credentials are allowed");
  }

  @Test
  void nonOriginsAreRejected() {
    for (String invalid : List.of("null", "localhost:3000", "ftp://example.com", "http://example.com/",
        "http://example.com/app", "http://user@example.com", "http://example.com?x=1", "http://")) {
      assertThatThrownBy(() -> CorsFilter.normalizeOrigin(invalid))
          .as(invalid)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("expected: scheme://host[:port]");
    }
  }

  @Test
  void builderRejectsHeaderThatIsNotToken() {
    assertThatThrownBy(() -> CorsFilter.builder().allowedHeaders(List.of("X-Token, Evil")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("allowedHeaders contains \"X-Token, Evil\"");
  }

  @Test
  void emptyOriginListAllowsNone() {
    CorsFilter filter = CorsFilter.builder().allowedOrigins(List.of()).build();

    assertThat(filter.allowedOrigins()).isEmpty();
  }

  @Test
  void csrfExemptPathMustBeExactOrPrefix() {
    assertThatThrownBy(() -> CsrfFilter.builder().exemptPath("/api/*/broadcast"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("exempt path \"/api/*/broadcast\" is invalid (expected: /exact/path or /prefix/*)");
    assertThatThrownBy(() -> CsrfFilter.builder().exemptPath("api/broadcast"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
