package io.ssekit.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Prints the results of {@link LoadGenerator} runs as one Markdown table, a row per result
 * file. Arguments are result files or folders of them ({@code *.json}, in name order).
 */
public final class LoadReport {

  private static final ObjectMapper JSON = new ObjectMapper();

  static final String HEADER =
      "| server | run | streams | events (rate/s) | p50 ms | p90 ms | p99 ms | max ms | event first / last p50 ms"
          + " | missing / dup / out of order | RSS per stream | CPU µs per delivery (kernel) | load avg |\n"
          + "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";

  private LoadReport() {}

  public static void main(String[] args) throws IOException {
    if (args.length == 0) {
      System.err.println("Usage: LoadReport RESULT.json|FOLDER... (prints a Markdown table of the runs)");
      System.exit(2);
    }
    StringBuilder table = new StringBuilder(HEADER);
    for (Path file : resultFiles(args)) {
      table.append(row(JSON.readTree(file.toFile()))).append('\n');
    }
    System.out.print(table);
  }

  /** Returns one table row for a result. */
  static String row(JsonNode result) {
    JsonNode delivery = result.path("delivery");
    JsonNode latency = delivery.path("latency_us");
    JsonNode server = result.path("server_process");
    String streams = delivery.path("streams_opened").asLong() == result.path("streams").asLong()
        ? grouped(result.path("streams").asLong())
        : grouped(delivery.path("streams_opened").asLong()) + " of " + grouped(result.path("streams").asLong());
    return String.join(" | ",
        "| " + result.path("server").asText(),
        result.path("label").asText(),
        streams,
        grouped(result.path("events").asLong()) + " (" + trim(result.path("rate").asDouble()) + ")",
        millis(latency.path("p50")),
        millis(latency.path("p90")),
        millis(latency.path("p99")),
        millis(latency.path("max")),
        latency.has("event_first_p50")
            ? millis(latency.path("event_first_p50")) + " / " + millis(latency.path("event_last_p50"))
            : "-",
        delivery.path("missing").asLong() + " / " + delivery.path("duplicates").asLong() + " / "
            + delivery.path("out_of_order").asLong(),
        server.has("rss_per_stream_bytes")
            ? String.format(Locale.ROOT, "%.1f KiB", server.path("rss_per_stream_bytes").asDouble() / 1024)
            : "-",
        server.has("cpu_us_per_delivery")
            ? String.format(Locale.ROOT, "%.1f (%.1f)",
                server.path("cpu_us_per_delivery").asDouble(), server.path("cpu_system_us_per_delivery").asDouble())
            : "-",
        String.format(Locale.ROOT, "%.1f to %.1f |",
            result.path("load_average_1m_start").asDouble(), result.path("load_average_1m_end").asDouble()));
  }

  private static String millis(JsonNode micros) {
    if (micros.isMissingNode() || micros.asLong() < 0) {
      return "-";
    }
    return String.format(Locale.ROOT, "%.1f", micros.asLong() / 1000.0);
  }

  private static String grouped(long value) {
    return String.format(Locale.ROOT, "%,d", value);
  }

  private static String trim(double value) {
    return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
  }

  private static List<Path> resultFiles(String[] args) throws IOException {
    List<Path> files = new ArrayList<>();
    for (String arg : args) {
      Path path = Path.of(arg);
      if (Files.isDirectory(path)) {
        try (Stream<Path> listing = Files.list(path)) {
          listing.filter(file -> file.toString().endsWith(".json")).sorted().forEach(files::add);
        }
      } else if (Files.isRegularFile(path)) {
        files.add(path);
      } else {
        throw new IOException("no result file or folder at " + path);
      }
    }
    return files;
  }
}
