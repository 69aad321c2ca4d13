package io.ssekit.core;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * The JSON conventions of the wire contract: snake_case field names and timestamps as ISO-8601
 * UTC with milliseconds and {@code Z}, such as {@code 2025-11-05T12:00:00.000Z}.
 */
public final class EventJson {

  /** Formats timestamps with exactly three fraction digits, in UTC. */
  public static final DateTimeFormatter TIMESTAMP_FORMAT =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .addModule(timestampModule())
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .build();

  private EventJson() {}

  /** Returns the shared mapper; it is thread-safe, and callers must not reconfigure it. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** Serializes {@code value} to JSON text. */
  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("cannot serialize " + value.getClass().getName(), e);
    }
  }

  /** Formats {@code instant} as the wire contract's timestamp, truncated to milliseconds. */
  public static String formatTimestamp(Instant instant) {
    return TIMESTAMP_FORMAT.format(instant);
  }

  /**
   * Parses an ISO-8601 timestamp with an offset, such as {@code 2025-11-05T12:00:00.000Z} or
   * {@code 2025-11-05T13:00:00+01:00}.
   *
   * @throws DateTimeParseException if the text is not such a timestamp
   */
  public static Instant parseTimestamp(String text) {
    return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
  }

  private static SimpleModule timestampModule() {
    SimpleModule module = new SimpleModule("ssekit-timestamps");
    module.addSerializer(
        Instant.class,
        new JsonSerializer<>() {
          @Override
          public void serialize(Instant value, JsonGenerator gen, SerializerProvider provider)
              throws IOException {
            gen.writeString(formatTimestamp(value));
          }
        });
    module.addDeserializer(
        Instant.class,
        new JsonDeserializer<>() {
          @Override
          public Instant deserialize(JsonParser parser, DeserializationContext context)
              throws IOException {
            String text = parser.getValueAsString();
            try {
              return parseTimestamp(text);
            } catch (DateTimeParseException e) {
              return (Instant)
                  context.handleWeirdStringValue(
                      Instant.class, text, "expected ISO-8601 such as 2025-11-05T12:00:00.000Z");
            }
          }
        });
    return module;
  }
}
