package dev.cairn.spring.internal;

import dev.cairn.spring.CairnStartupException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a {@link CairnStartupException} (no {@code DataSource}, PostgreSQL older than 13, Kafka
 * unreachable when required at start, an event interface that is not sealed) in Spring Boot's
 * startup failure report: what is wrong and what to do.
 */
public final class CairnFailureAnalyzer extends AbstractFailureAnalyzer<CairnStartupException> {

  /** Creates the analyzer; Spring Boot finds it through {@code META-INF/spring.factories}. */
  public CairnFailureAnalyzer() {}

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, CairnStartupException cause) {
    return new FailureAnalysis(cause.getMessage(), cause.action(), cause);
  }
}
