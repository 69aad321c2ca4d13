package io.ssekit.bench.load;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The settings of one load run, from {@code --name=value} arguments. Every count and time is
 * bounded, and the target must be a loopback address.
 */
record LoadOptions(
    ServerKind server,
    String label,
    URI baseUrl,
    List<URI> streamBaseUrls,
    String streamPath,
    String publishPath,
    int streams,
    int events,
    double rate,
    int warmupPublishes,
    int warmupStreams,
    int warmupEvents,
    double warmupRate,
    int warmupRounds,
    List<Long> serverPids,
    int threads,
    int streamsPerProcess,
    int streamsPerAddress,
    int connectConcurrency,
    double settleSeconds,
    double openSeconds,
    double drainSeconds,
    double maxSeconds,
    @Nullable Path out,
    boolean readerRole,
    int firstStream) {

  /** Maximum streams of one run: two nodes' worth on a bigger machine, spread over processes. */
  static final int MAX_STREAMS = 200_000;

  /** Maximum streams one generator process holds: it may open at most 20,000 files here. */
  static final int MAX_STREAMS_PER_PROCESS = 19_000;

  static final int MAX_EVENTS = 1_000_000;

  /** Maximum events per second, of the run and of the warm-up. */
  static final double MAX_RATE = 100_000;

  /** One line per option, for {@code --help} and for errors. */
  static final String USAGE = """
      Options (all --name=value):
        --server=NAME              ssekit, nchan, better-sse or spring-sse: sets the default paths (required)
        --url=URL                  base URL of the server, a loopback address (default http://127.0.0.1:8000)
        --stream-urls=URL[,URL...] base URLs the streams spread over, stream i to URL i mod n (default: --url)
        --stream-path=PATH         path of the event stream (default: the server's)
        --publish-path=PATH        path that publishes one event per POST (default: the server's)
        --label=TEXT               name of the run in the results (default: empty)
        --streams=N                streams to hold, 1 to 200000 (default 1000)
        --events=N                 events to publish, 0 to 1000000 (default 200)
        --rate=N                   events per second, 0.1 to 100000 (default 50)
        --warmup-publishes=N       events published to 10 streams after the warm-up rounds, each as soon as
                                   the previous one was answered, to compile a server's publish path,
                                   0 to 200000 (default 0)
        --warmup-streams=N         streams of each warm-up round, which come first (default 100)
        --warmup-events=N          events published in each warm-up round (default 200)
        --warmup-rate=N            events per second of the warm-up (default 100)
        --warmup-rounds=N          warm-up rounds, each with new streams, 1 to 10 (default 2)
        --server-pid=PID[,PID...]  processes whose RSS and CPU time are measured (default: none)
        --threads=N                reader threads per generator process, 1 to 16 (default 1)
        --streams-per-process=N    streams one generator process holds, 1 to 19000 (default 10000)
        --streams-per-address=N    streams per loopback source address 127.0.0.2, .3, ... (default 1000)
        --connect-concurrency=N    streams opening at once per reader thread (default 100)
        --settle-seconds=S         pause before each memory reading (default 3)
        --open-seconds=S           time the streams of a phase get to open (default 120)
        --drain-seconds=S          wait for deliveries after the last publish (default 10)
        --max-seconds=S            hard bound on the whole run (default 900)
        --out=FILE                 write the JSON result there (default: standard output)
      """;

  /**
   * Parses {@code args}.
   *
   * @throws IllegalArgumentException naming the option, the value and what is expected
   */
  static LoadOptions parse(String[] args) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String arg : args) {
      if (!arg.startsWith("--") || !arg.contains("=")) {
        throw new IllegalArgumentException("argument \"" + arg + "\" is not of the form --name=value");
      }
      int equals = arg.indexOf('=');
      values.put(arg.substring(2, equals), arg.substring(equals + 1));
    }
    Reader reader = new Reader(values);
    String serverName = reader.text("server", null);
    if (serverName == null) {
      throw new IllegalArgumentException("--server is missing (expected: one of " + ServerKind.labels() + ")");
    }
    ServerKind server = ServerKind.fromLabel(serverName);
    URI baseUrl = parseUrl(reader.text("url", "http://127.0.0.1:8000"), "url");
    List<URI> streamBaseUrls = new ArrayList<>();
    String streamUrls = reader.text("stream-urls", "");
    if (streamUrls.isBlank()) {
      streamBaseUrls.add(baseUrl);
    } else {
      for (String part : streamUrls.split(",")) {
        streamBaseUrls.add(parseUrl(part.trim(), "stream-urls"));
      }
    }
    LoadOptions options = new LoadOptions(
        server,
        reader.text("label", ""),
        baseUrl,
        List.copyOf(streamBaseUrls),
        path(reader.text("stream-path", server.streamPath()), "stream-path"),
        path(reader.text("publish-path", server.publishPath()), "publish-path"),
        reader.integer("streams", 1000, 1, MAX_STREAMS),
        reader.integer("events", 200, 0, MAX_EVENTS),
        reader.decimal("rate", 50, 0.1, MAX_RATE),
        reader.integer("warmup-publishes", 0, 0, 200_000),
        reader.integer("warmup-streams", 100, 0, 5_000),
        reader.integer("warmup-events", 200, 0, 10_000),
        reader.decimal("warmup-rate", 100, 0.1, MAX_RATE),
        reader.integer("warmup-rounds", 2, 1, 10),
        parsePids(reader.text("server-pid", "")),
        reader.integer("threads", 1, 1, 16),
        reader.integer("streams-per-process", 10_000, 1, MAX_STREAMS_PER_PROCESS),
        reader.integer("streams-per-address", 1000, 1, 20_000),
        reader.integer("connect-concurrency", 100, 1, 10_000),
        reader.decimal("settle-seconds", 3, 0, 600),
        reader.decimal("open-seconds", 120, 1, 3600),
        reader.decimal("drain-seconds", 10, 0, 600),
        reader.decimal("max-seconds", 900, 1, 7200),
        outPath(reader.text("out", null)),
        "reader".equals(reader.text("role", "coordinator")),
        reader.integer("first-stream", 0, 0, MAX_STREAMS));
    reader.rejectUnknown();
    return options;
  }

  /** Returns the URL that opens a stream on the first of the stream base URLs. */
  URI streamUrl() {
    return streamBaseUrls.get(0).resolve(streamPath);
  }

  /** Returns the URL that publishes an event. */
  URI publishUrl() {
    return baseUrl.resolve(publishPath);
  }

  /** Returns the port of {@code url}, with the scheme's default when the URL names none. */
  static int port(URI url) {
    return url.getPort() > 0 ? url.getPort() : 80;
  }

  /** Returns the number of streams this process keeps open itself; the rest go to reader processes. */
  int streamsInThisProcess() {
    return readerRole ? streams : Math.min(streams, streamsPerProcess);
  }

  private static URI parseUrl(String text, String option) {
    URI uri;
    try {
      uri = URI.create(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--" + option + " contains \"" + text + "\", which is not a URL (expected: such as http://127.0.0.1:8000)");
    }
    if (!"http".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "--" + option + " contains \"" + text + "\" (expected: an http URL such as http://127.0.0.1:8000)");
    }
    loopbackAddress(uri, option);
    return uri;
  }

  /**
   * Returns the IPv4 loopback address that {@code url} names.
   *
   * @throws IllegalArgumentException if it names another address; load runs stay on this machine
   */
  static InetAddress loopbackAddress(URI url, String option) {
    InetAddress address;
    try {
      address = InetAddress.getByName(url.getHost());
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("--" + option + " names host \"" + url.getHost() + "\", which does not resolve");
    }
    if (!address.isLoopbackAddress() || address.getAddress().length != 4) {
      throw new IllegalArgumentException(
          "--" + option + " names " + address.getHostAddress() + " (expected: an IPv4 loopback address such as 127.0.0.1;"
              + " load runs stay on this machine)");
    }
    return address;
  }

  private static String path(String text, String option) {
    if (!text.startsWith("/")) {
      throw new IllegalArgumentException("--" + option + " is \"" + text + "\" (expected: a path starting with /)");
    }
    return text;
  }

  private static List<Long> parsePids(String text) {
    List<Long> pids = new ArrayList<>();
    if (text.isBlank()) {
      return pids;
    }
    for (String part : text.split(",")) {
      try {
        long pid = Long.parseLong(part.trim());
        if (pid < 1) {
          throw new NumberFormatException();
        }
        pids.add(pid);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "--server-pid contains \"" + part + "\" (expected: process ids separated by commas)");
      }
    }
    return List.copyOf(pids);
  }

  private static @Nullable Path outPath(@Nullable String text) {
    return text == null || text.isEmpty() ? null : Path.of(text);
  }

  /** Takes options out of the map as they are read, so the leftovers are the unknown ones. */
  private static final class Reader {

    private final Map<String, String> values;

    Reader(Map<String, String> values) {
      this.values = values;
    }

    @Nullable String text(String name, @Nullable String defaultValue) {
      String value = values.remove(name);
      return value == null ? defaultValue : value;
    }

    int integer(String name, int defaultValue, int min, int max) {
      String value = values.remove(name);
      if (value == null) {
        return defaultValue;
      }
      try {
        int parsed = Integer.parseInt(value.replace("_", ""));
        if (parsed >= min && parsed <= max) {
          return parsed;
        }
      } catch (NumberFormatException e) {
        // Reported below with the expected range.
      }
      throw new IllegalArgumentException(
          "--" + name + " is \"" + value + "\" (expected: an integer from " + min + " to " + max + ")");
    }

    double decimal(String name, double defaultValue, double min, double max) {
      String value = values.remove(name);
      if (value == null) {
        return defaultValue;
      }
      try {
        double parsed = Double.parseDouble(value);
        if (parsed >= min && parsed <= max) {
          return parsed;
        }
      } catch (NumberFormatException e) {
        // Reported below with the expected range.
      }
      throw new IllegalArgumentException(
          "--" + name + " is \"" + value + "\" (expected: a number from " + min + " to " + max + ")");
    }

    void rejectUnknown() {
      if (!values.isEmpty()) {
        throw new IllegalArgumentException(
            "unknown option --" + values.keySet().iterator().next() + " (run with --help for the list)");
      }
    }
  }
}
