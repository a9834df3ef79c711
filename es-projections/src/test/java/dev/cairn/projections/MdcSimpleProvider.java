package dev.cairn.projections;

import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.simple.SimpleServiceProvider;
import org.slf4j.spi.MDCAdapter;

/**
 * slf4j-simple with a working MDC (its own ignores every entry), so that tests can see the trace
 * ids put there while a command runs. Chosen by the {@code slf4j.provider} system property that
 * this module's surefire configuration sets.
 */
public final class MdcSimpleProvider extends SimpleServiceProvider {

  private final MDCAdapter mdc = new BasicMDCAdapter();

  /** Creates the provider (SLF4J does, through the system property). */
  public MdcSimpleProvider() {}

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }
}
