package io.ssekit.app;

import io.ssekit.core.EventBusUnavailableException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the standalone server until SIGTERM or SIGINT. */
public final class Main {

  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  /**
   * Starts the server with settings from the environment and {@code args}; exits with status 2
   * when a setting is invalid and 1 when the server cannot start.
   */
  public static void main(String[] args) throws InterruptedException {
    List<String> arguments = Arrays.asList(args);
    if (arguments.contains("--help") || arguments.contains("-h")) {
      printHelp();
      return;
    }
    ServerConfig config;
    try {
      config = ServerConfig.fromSources(System.getenv(), arguments);
    } catch (ConfigException e) {
      System.err.println("Invalid configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    log.info("Starting with {}", config.describe());
    log.info("JVM: {}", CollectorAdvice.describeThisJvm());
    String collectorAdvice = CollectorAdvice.forThisJvm();
    if (collectorAdvice != null) {
      log.info(collectorAdvice);
    }
    EventServer server;
    try {
      server = new EventServer(config);
    } catch (EventBusUnavailableException e) {
      // The message names the Redis URL with its password masked; the cause adds nothing more.
      log.error("Cannot start the server: {}", e.getMessage());
      System.exit(1);
      return;
    }
    try {
      server.start();
    } catch (Exception e) {
      log.error("Cannot start the server on {}:{}", config.host(), config.port(), e);
      server.stop();
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "shutdown"));
    Thread.currentThread().join();
  }

  private static void printHelp() {
    System.out.println("Usage: web-app/bin/ssekit-server [--name=value ...]");
    System.out.println("   or: java [JVM options] -jar ssekit-server.jar [--name=value ...]");
    System.out.println("Each setting is an environment variable NAME or a flag --name (flags win):");
    for (Map.Entry<String, String> variable : ServerConfig.VARIABLES.entrySet()) {
      System.out.printf("  %-25s %s%n", variable.getKey(), variable.getValue());
    }
  }
}
