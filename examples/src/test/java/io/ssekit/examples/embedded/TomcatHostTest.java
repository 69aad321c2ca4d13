package io.ssekit.examples.embedded;

/** The embedding checks against embedded Tomcat 11. */
class TomcatHostTest extends EmbeddedHostContract {

  @Override
  RunningHost start(HostSettings settings) throws Exception {
    TomcatHost host = TomcatHost.start(settings);
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
