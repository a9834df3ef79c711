package dev.cairn.spring;

import dev.cairn.store.jdbc.JdbcAggregateRepository;

/**
 * Adjusts the repository builder of a declared aggregate before the starter builds it, after the
 * {@code cairn.aggregates.<stream type>.*} properties were applied: for settings that properties
 * do not cover, such as {@code snapshotWhenLoadSlowerThan}.
 */
@FunctionalInterface
public interface AggregateRepositoryCustomizer {

  /**
   * Adjusts one repository's builder.
   *
   * @param aggregate the declaration
   * @param builder its repository's builder
   */
  void customize(CairnAggregate<?, ?, ?> aggregate, JdbcAggregateRepository.Builder<?, ?, ?> builder);
}
