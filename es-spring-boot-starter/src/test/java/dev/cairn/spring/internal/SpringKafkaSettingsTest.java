package dev.cairn.spring.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.mock.env.MockEnvironment;

/** {@code spring.kafka.*} as raw Kafka client settings: bootstrap, TLS and SASL reach each client. */
class SpringKafkaSettingsTest {

  @Test
  void bootstrapSslAndSasl_reachProducerConsumerAndAdmin_andClientPropertiesStayWithTheirClient(@TempDir Path dir)
      throws Exception {
    Path truststore = Files.createFile(dir.resolve("trust.p12"));
    MockEnvironment env = new MockEnvironment()
        .withProperty("spring.kafka.bootstrap-servers", "k1:9093,k2:9093")
        .withProperty("spring.kafka.security.protocol", "SASL_SSL")
        .withProperty("spring.kafka.ssl.trust-store-location", "file:" + truststore)
        .withProperty("spring.kafka.ssl.trust-store-password", "secret")
        .withProperty("spring.kafka.properties.sasl.mechanism", "SCRAM-SHA-512")
        .withProperty("spring.kafka.producer.properties.linger.ms", "5")
        .withProperty("spring.kafka.consumer.properties.max.poll.records", "100");

    SpringKafkaSettings settings = new SpringKafkaSettings(env);

    for (var client : java.util.List.of(settings.producer(), settings.consumer(), settings.admin())) {
      assertThat(client)
          .containsEntry("bootstrap.servers", "k1:9093,k2:9093")
          .containsEntry("security.protocol", "SASL_SSL")
          .containsEntry("ssl.truststore.location", truststore.toAbsolutePath().toString())
          .containsEntry("ssl.truststore.password", "secret")
          .containsEntry("sasl.mechanism", "SCRAM-SHA-512");
    }
    assertThat(settings.producer()).containsEntry("linger.ms", "5").doesNotContainKey("max.poll.records");
    assertThat(settings.consumer()).containsEntry("max.poll.records", "100").doesNotContainKey("linger.ms");
  }

  @Test
  void noBootstrap_defaultsToLocalhost_asSpringBootDoes() {
    assertThat(new SpringKafkaSettings(new MockEnvironment()).producer()).containsEntry("bootstrap.servers", "localhost:9092");
  }
}
