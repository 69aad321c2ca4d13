package io.ssekit.examples.embedded;

/** The embedding checks against a plain embedded Jetty 12 server. */
class JettyHostTest extends EmbeddedHostContract {

  @Override
  RunningHost start(HostSettings settings) throws Exception {
    JettyHost host = JettyHost.start(settings);
    return new RunningHost() {
      @Override
      public int port() {
        return host.port();
      }

      @Override
      public EventsApplication application() {
        return host.application();
      }

      @Override
      public void close() {
        host.close();
      }
    };
  }
}
