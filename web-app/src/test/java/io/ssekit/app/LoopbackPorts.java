package io.ssekit.app;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free TCP ports on the loopback address, for servers that tests start as processes. */
final class LoopbackPorts {

  private LoopbackPorts() {}

  /** Returns a port that was free on the loopback address a moment ago. */
  static int free() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
