package io.ssekit.app;

/** Thrown when a setting does not parse; the message names the variable, value and expectation. */
public class ConfigException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
