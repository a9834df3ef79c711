package dev.cairn.sample.orders.spring;

import dev.cairn.testkit.KafkaServer;
import dev.cairn.testkit.PostgresDatabase;
import dev.cairn.testkit.PostgresServer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.support.DefaultSingletonBeanRegistry;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Gives the sample a database and a broker before anything else is created: the servers named by
 * {@code CAIRN_PG_URL} and {@code CAIRN_KAFKA_BOOTSTRAP}, or else an embedded PostgreSQL and an
 * in-process Kafka broker (es-testkit), unless {@code spring.datasource.url} and {@code
 * spring.kafka.bootstrap-servers} are set. Embedded servers are a bean of the context, closed
 * after everything that uses them ({@code cairn.sample.embedded=false} turns this off).
 */
public final class EmbeddedServers implements ApplicationContextInitializer<ConfigurableApplicationContext>, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedServers.class);

  private final Deque<AutoCloseable> started = new ArrayDeque<>();

  /** Created by Spring Boot from {@code META-INF/spring.factories}. */
  public EmbeddedServers() {}

  @Override
  public void initialize(ConfigurableApplicationContext context) {
    ConfigurableEnvironment env = context.getEnvironment();
    if (!env.getProperty("cairn.sample.embedded", Boolean.class, true)) {
      return;
    }
    Map<String, Object> properties = new LinkedHashMap<>();
    EmbeddedServers servers = new EmbeddedServers();
    try {
      if (!env.containsProperty("spring.datasource.url")) {
        String url = System.getenv(PostgresServer.ENV);
        if (url == null || url.isBlank()) {
          PostgresServer pg = servers.keep(PostgresServer.embedded());
          PostgresDatabase db = servers.keep(pg.createDatabase("orders"));
          url = db.jdbcUrl();
          LOG.info("PostgreSQL: {}", pg.describe());
        } else {
          LOG.info("PostgreSQL: the database named by {}", PostgresServer.ENV);
        }
        properties.put("spring.datasource.url", url);
      }
      if (!env.containsProperty("spring.kafka.bootstrap-servers")) {
        String bootstrap = System.getenv(KafkaServer.ENV);
        if (bootstrap == null || bootstrap.isBlank()) {
          KafkaServer kafka = servers.keep(KafkaServer.inProcess());
          bootstrap = kafka.bootstrapServers();
          LOG.info("Kafka: {}", kafka.describe());
        } else {
          LOG.info("Kafka: the cluster named by {}", KafkaServer.ENV);
        }
        properties.put("spring.kafka.bootstrap-servers", bootstrap);
      }
    } catch (RuntimeException e) {
      servers.close();
      throw e;
    }
    env.getPropertySources().addFirst(new MapPropertySource("cairnSampleServers", properties));
    // A bean, so that the context closes the servers last: after its lifecycles stopped the relay
    // and the runners, and after the connection pool closed.
    if (context.getBeanFactory() instanceof DefaultSingletonBeanRegistry registry) {
      registry.registerSingleton("cairnSampleServers", servers);
      registry.registerDisposableBean("cairnSampleServers", servers::close);
    } else {
      context.addApplicationListener(e -> {
        if (e instanceof ContextClosedEvent) {
          servers.close();
        }
      });
    }
  }

  private <T extends AutoCloseable> T keep(T server) {
    started.push(server);
    return server;
  }

  /** Stops the servers started, the last one first. */
  @Override
  public void close() {
    while (!started.isEmpty()) {
      AutoCloseable server = started.pop();
      try {
        server.close();
      } catch (Exception e) {
        LOG.warn("stopping {} failed: {}", server, e.toString());
      }
    }
  }
}
