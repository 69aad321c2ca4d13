package io.ssekit.core;

import java.util.regex.Pattern;

/**
 * The event types this library defines. Publishers may use any other type name that
 * {@link #isValidName(String)} accepts.
 */
public enum EventType {
  /** Progress of one video through download, transcription and analysis. */
  VIDEO_STATUS("video.status"),
  /** Keeps idle streams alive and lets the server notice closed ones; carries no id. */
  HEARTBEAT("heartbeat"),
  /** Tells a client that its last event ID is not retained, so it reloads its snapshot. */
  STREAM_RESET("stream.reset");

  /** Maximum length of an event type name, so a type never dominates a frame. */
  public static final int MAX_NAME_LENGTH = 64;

  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_.-]*");

  private final String wireName;

  EventType(String wireName) {
    this.wireName = wireName;
  }

  /** Returns the name used in the {@code event:} field and the JSON {@code type} field. */
  public String wireName() {
    return wireName;
  }

  /**
   * Returns whether {@code name} is a valid event type name: a lower-case letter, then
   * lower-case letters, digits, {@code _}, {@code .} or {@code -}, at most
   * {@value #MAX_NAME_LENGTH} characters.
   */
  public static boolean isValidName(String name) {
    return name.length() <= MAX_NAME_LENGTH && NAME.matcher(name).matches();
  }

  /** Returns whether only the server may send events of type {@code name}. */
  public static boolean isReserved(String name) {
    return HEARTBEAT.wireName.equals(name) || STREAM_RESET.wireName.equals(name);
  }
}
