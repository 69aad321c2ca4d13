package io.ssekit.peers.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Starts the Spring MVC peer of the load comparison; the port comes from {@code server.port}. */
@SpringBootApplication
public class SpringSseApplication {

  public static void main(String[] args) {
    SpringApplication.run(SpringSseApplication.class, args);
  }
}
