package dev.cairn.spring;

import dev.cairn.store.jdbc.JdbcAggregateRepository;

/**
 * Adjusts the repository builder of a declared aggregate before the starter builds it, after the
 * {@code cairn.aggregates.<stream type>.*} properties were applied: for settings that properties
 * do not cover, such as {@code snapshotWhenLoadSlowerThan}. A setting that a property set already
 * (or snapshots, which the starter turns on for an aggregate with a state type unless {@code
 * snapshots=false}) cannot be set again here: the builder refuses the second call and startup
 * fails naming the setting and its value, instead of one of the two winning silently.
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
