package dev.cairn.sample.orders;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sample's OpenTelemetry. Off by default (the API's no-op, which records nothing); on when
 * the user names a trace exporter, {@code OTEL_TRACES_EXPORTER} (or {@code -Dotel.traces.exporter}),
 * e.g. {@code otlp} or {@code console}: then the SDK is configured by its autoconfiguration from
 * the {@code OTEL_*} variables (endpoint, sampler, resource...), with the service name {@code
 * cairn-sample-orders} and no metric or log export unless those variables say otherwise.
 */
final class Telemetry implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Telemetry.class);
  static final String EXPORTER_ENV = "OTEL_TRACES_EXPORTER";
  static final String EXPORTER_PROPERTY = "otel.traces.exporter";

  private final OpenTelemetry openTelemetry;
  private final @Nullable OpenTelemetrySdk sdk;

  private Telemetry(OpenTelemetry openTelemetry, @Nullable OpenTelemetrySdk sdk) {
    this.openTelemetry = openTelemetry;
    this.sdk = sdk;
  }

  /**
   * Reads the environment and the system properties.
   *
   * @return the SDK if an exporter was named, the no-op otherwise
   */
  static Telemetry fromEnvironment() {
    String exporter = System.getProperty(EXPORTER_PROPERTY, System.getenv(EXPORTER_ENV));
    if (exporter == null || exporter.isBlank() || exporter.trim().equals("none")) {
      LOG.info("tracing off (set {} to otlp or console to turn it on)", EXPORTER_ENV);
      return new Telemetry(OpenTelemetry.noop(), null);
    }
    OpenTelemetrySdk sdk =
        AutoConfiguredOpenTelemetrySdk.builder()
            // Defaults only: OTEL_* variables and otel.* system properties win over these.
            .addPropertiesSupplier(
                () -> Map.of(
                    "otel.service.name", "cairn-sample-orders",
                    "otel.metrics.exporter", "none",
                    "otel.logs.exporter", "none"))
            .build()
            .getOpenTelemetrySdk();
    LOG.info("tracing on: spans go to the {} exporter", exporter.trim());
    return new Telemetry(sdk, sdk);
  }

  OpenTelemetry openTelemetry() {
    return openTelemetry;
  }

  /** Flushes and stops the SDK, if one runs. */
  @Override
  public void close() {
    if (sdk != null) {
      sdk.close();
    }
  }
}
