package dev.cairn.sample.orders;

import dev.cairn.admin.http.HttpLimits;
import dev.cairn.admin.http.JettyServer;

/**
 * The sample's HTTP API ({@link OrdersApi}) on the embedded Jetty server, on the loopback address.
 * The API itself is a framework-neutral request-to-response handler; this class only mounts it.
 */
final class OrdersHttpServer implements AutoCloseable {

  private final JettyServer server;

  OrdersHttpServer(OrdersService service, int port) {
    this(service, port, HttpLimits.defaults());
  }

  OrdersHttpServer(OrdersService service, int port, HttpLimits limits) {
    this.server =
        new JettyServer(new TracedApi(new OrdersApi(service), service.store().openTelemetry()), "127.0.0.1", port, limits);
  }

  void start() {
    server.start();
  }

  int port() {
    return server.port();
  }

  @Override
  public void close() {
    server.close();
  }
}
