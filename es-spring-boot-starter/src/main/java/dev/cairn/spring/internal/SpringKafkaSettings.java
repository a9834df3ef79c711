package dev.cairn.spring.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.core.io.Resource;

/**
 * Raw Kafka client settings from the application's {@code spring.kafka.*} properties: bootstrap
 * servers, security protocol, SSL stores, and the free-form {@code spring.kafka.properties.*}
 * (where SASL goes), plus the producer's, consumer's or admin's own {@code properties.*}. Read with
 * Boot's binder rather than through spring-kafka's {@code KafkaProperties}, so that the starter
 * does not pull spring-kafka (and its own kafka-clients version) into every application, and
 * because the relay and runners set their own serializers, idempotence and isolation.
 */
public final class SpringKafkaSettings {

  private final Binder binder;

  /**
   * Reads from an environment.
   *
   * @param environment the application's environment
   */
  public SpringKafkaSettings(Environment environment) {
    this.binder = Binder.get(environment);
  }

  /**
   * Returns the bootstrap servers, as Kafka takes them.
   *
   * @return a comma-separated list ({@code localhost:9092} when unset, as Spring Boot does)
   */
  public String bootstrapServers() {
    return String.join(
        ",", binder.bind("spring.kafka.bootstrap-servers", Bindable.listOf(String.class)).orElse(List.of("localhost:9092")));
  }

  /**
   * Returns the settings for the relay's producer.
   *
   * @return the settings
   */
  public Map<String, Object> producer() {
    return with("producer");
  }

  /**
   * Returns the settings for a runner's consumer.
   *
   * @return the settings
   */
  public Map<String, Object> consumer() {
    return with("consumer");
  }

  /**
   * Returns the settings for an admin client.
   *
   * @return the settings
   */
  public Map<String, Object> admin() {
    return with("admin");
  }

  private Map<String, Object> with(String client) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("bootstrap.servers", bootstrapServers());
    binder.bind("spring.kafka.security.protocol", String.class).ifBound(v -> out.put("security.protocol", v));
    ssl("spring.kafka.ssl", out);
    binder.bind("spring.kafka.properties", Bindable.mapOf(String.class, String.class)).ifBound(out::putAll);
    binder.bind("spring.kafka." + client + ".security.protocol", String.class).ifBound(v -> out.put("security.protocol", v));
    ssl("spring.kafka." + client + ".ssl", out);
    binder.bind("spring.kafka." + client + ".properties", Bindable.mapOf(String.class, String.class)).ifBound(out::putAll);
    return out;
  }

  private void ssl(String prefix, Map<String, Object> out) {
    binder.bind(prefix + ".key-password", String.class).ifBound(v -> out.put("ssl.key.password", v));
    binder.bind(prefix + ".key-store-location", String.class).ifBound(v -> out.put("ssl.keystore.location", file(prefix + ".key-store-location", v)));
    binder.bind(prefix + ".key-store-password", String.class).ifBound(v -> out.put("ssl.keystore.password", v));
    binder.bind(prefix + ".key-store-type", String.class).ifBound(v -> out.put("ssl.keystore.type", v));
    binder.bind(prefix + ".trust-store-location", String.class).ifBound(v -> out.put("ssl.truststore.location", file(prefix + ".trust-store-location", v)));
    binder.bind(prefix + ".trust-store-password", String.class).ifBound(v -> out.put("ssl.truststore.password", v));
    binder.bind(prefix + ".trust-store-type", String.class).ifBound(v -> out.put("ssl.truststore.type", v));
    binder.bind(prefix + ".protocol", String.class).ifBound(v -> out.put("ssl.protocol", v));
  }

  /** Kafka reads stores from files: a {@code file:} or plain path resolves, a classpath resource must be a file too. */
  private static String file(String property, String location) {
    Resource resource = new DefaultResourceLoader().getResource(location);
    try {
      return resource.getFile().getAbsolutePath();
    } catch (IOException e) {
      throw new UncheckedIOException(
          new IOException(property + "=" + location + " is not a file on disk, which Kafka's clients need for a store", e));
    }
  }
}
