package dev.cairn.spring;

import dev.cairn.api.EventSerializer;
import dev.cairn.api.EventTypeRegistry;
import dev.cairn.api.JacksonEventSerializer;
import dev.cairn.bus.kafka.KafkaRelay;
import dev.cairn.bus.kafka.KafkaRelayBuilder;
import dev.cairn.projections.Projection;
import dev.cairn.projections.ProjectionManager;
import dev.cairn.spring.internal.CairnSchema;
import dev.cairn.spring.internal.RelayLifecycle;
import dev.cairn.spring.internal.RepositoryRegistrar;
import dev.cairn.spring.internal.SpringKafkaSettings;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.store.jdbc.JdbcEventStoreBuilder;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Wires Cairn into a Spring Boot application: the {@link JdbcEventStore} on the application's
 * {@code DataSource} (unless it defines its own), its migrations, the serializer of every declared
 * aggregate's events, a repository bean per {@link CairnAggregate}, the projection runners of
 * every {@link Projection} bean and, with {@code cairn.relay.enabled=true}, the relay to Kafka
 * (unless the application defines its own). Exclude it to wire Cairn by hand.
 */
@AutoConfiguration(
    afterName = {
      "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
      "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"
    })
@EnableConfigurationProperties(CairnProperties.class)
public class CairnAutoConfiguration {

  /** Created by Spring Boot. */
  public CairnAutoConfiguration() {}

  /**
   * The event store on the application's {@code DataSource}, with {@code cairn.store.*} and the
   * application's {@code MeterRegistry}.
   *
   * @param dataSource the application's data source
   * @param properties the settings
   * @param meters the application's meter registry, if any
   * @return the store
   * @throws CairnStartupException if there is no data source
   */
  @Bean
  @ConditionalOnMissingBean
  public JdbcEventStore cairnEventStore(
      ObjectProvider<DataSource> dataSource, CairnProperties properties, ObjectProvider<MeterRegistry> meters,
      ObjectProvider<OpenTelemetry> openTelemetry) {
    DataSource ds = dataSource.getIfAvailable();
    if (ds == null) {
      throw CairnStartupException.noDataSource();
    }
    StoreProperties s = properties.getStore();
    JdbcEventStoreBuilder builder =
        JdbcEventStore.builder(ds)
            .schema(s.getSchema())
            .notifyOnAppend(s.isNotifyOnAppend())
            .maxEventBytes(s.getMaxEventBytes())
            .fenceHeldThreshold(s.getFenceHeldThreshold())
            .groupCommit(s.getGroupCommitMaxSize(), s.getGroupCommitMaxInFlight(), s.getGroupCommitMaxWait())
            .meterRegistry(meters.getIfUnique(() -> Metrics.globalRegistry));
    PropertyMapper.get().from(s.getTablePrefix()).whenHasText().to(builder::tablePrefix);
    // The application's OpenTelemetry (its SDK) when it declares one; the relay and the runners
    // take the store's. Without one, the global instance (a no-op unless an SDK registered it).
    openTelemetry.ifUnique(builder::openTelemetry);
    return builder.build();
  }

  /**
   * Checks the database version and runs the migrations (unless {@code cairn.store.migrate=false}).
   *
   * @param store the store
   * @param properties the settings
   * @return the marker that the schema is ready
   */
  @Bean
  public CairnSchema cairnSchema(JdbcEventStore store, CairnProperties properties) {
    return new CairnSchema(store, properties.getStore().isMigrate());
  }

  /**
   * The serializer of every declared aggregate's events, with Cairn's own Jackson 2 mapper ({@link
   * JacksonEventSerializer#defaultMapper()}), not the application's Jackson 3 {@code JsonMapper}:
   * stored events must not change shape when the application's web JSON settings change.
   *
   * @param aggregates the declared aggregates
   * @return the serializer
   */
  @Bean
  @ConditionalOnMissingBean(EventSerializer.class)
  public JacksonEventSerializer cairnEventSerializer(ObjectProvider<CairnAggregate<?, ?, ?>> aggregates) {
    EventTypeRegistry.Builder registry = EventTypeRegistry.builder();
    Set<Class<?>> seen = new LinkedHashSet<>();
    aggregates.orderedStream().forEach(a -> {
      if (seen.add(a.eventType())) {
        registry.registerSealed(a.eventType());
      }
    });
    return JacksonEventSerializer.create(registry.build());
  }

  /**
   * Registers a repository bean for each {@link CairnAggregate} bean.
   *
   * @return the registrar
   */
  @Bean
  public static RepositoryRegistrar cairnRepositoryRegistrar() {
    return new RepositoryRegistrar();
  }

  /**
   * The projection manager, with its tables migrated unless {@code cairn.store.migrate=false}.
   *
   * @param store the store
   * @param serializer the serializer
   * @param schema the store's schema, ready
   * @return the manager
   */
  @Bean
  @ConditionalOnMissingBean
  public ProjectionManager cairnProjectionManager(JdbcEventStore store, EventSerializer serializer, CairnSchema schema) {
    ProjectionManager manager = ProjectionManager.create(store, serializer);
    if (schema.migrated()) {
      manager.migrate();
    }
    return manager;
  }

  /**
   * Installs and runs every {@link Projection} bean.
   *
   * @param manager the projection manager
   * @param projections the projections
   * @param aggregates the declared aggregates, whose topics Kafka-fed runners read by default
   * @param relay this application's relay, if any
   * @param properties the settings
   * @param environment for {@code spring.kafka.*}
   * @return the runners
   */
  @Bean
  @ConditionalOnBooleanProperty(name = "cairn.projections.enabled", matchIfMissing = true)
  public CairnProjections cairnProjections(
      ProjectionManager manager,
      ObjectProvider<Projection> projections,
      ObjectProvider<CairnAggregate<?, ?, ?>> aggregates,
      ObjectProvider<KafkaRelay> relay,
      ObjectProvider<JdbcEventStore> store,
      CairnProperties properties,
      Environment environment) {
    String prefix = properties.getRelay().getTopicPrefix();
    List<String> topics = aggregates.orderedStream().map(a -> prefix + a.streamType()).distinct().toList();
    SpringKafkaSettings kafka = new SpringKafkaSettings(environment);
    JdbcEventStore own = store.getIfUnique();
    OpenTelemetry openTelemetry = own != null ? own.openTelemetry() : GlobalOpenTelemetry.getOrNoop();
    return new CairnProjections(
        manager, projections.orderedStream().toList(), properties.getProjections(), topics, group -> kafka.consumer(),
        relay.getIfUnique(), openTelemetry);
  }

  /** The relay, with {@code cairn.relay.enabled=true}, unless the application defines its own. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnBooleanProperty("cairn.relay.enabled")
  @ConditionalOnMissingBean(KafkaRelay.class)
  static class RelayConfiguration {

    /**
     * The relay, with its Kafka client settings from {@code spring.kafka.*}.
     *
     * @param store the store
     * @param schema the store's schema, ready
     * @param properties the settings
     * @param environment for {@code spring.kafka.*}
     * @param meters the application's meter registry, if any
     * @return the relay, started by its lifecycle
     */
    @Bean
    KafkaRelay cairnRelay(
        JdbcEventStore store, CairnSchema schema, CairnProperties properties, Environment environment,
        ObjectProvider<MeterRegistry> meters) {
      RelayProperties r = properties.getRelay();
      KafkaRelayBuilder builder =
          KafkaRelay.builder(store)
              .kafkaSettings(new SpringKafkaSettings(environment).producer())
              .batchSize(r.getBatchSize())
              .stalenessBound(r.getStalenessBound())
              .pollInterval(r.getPollInterval())
              .maxBackoff(r.getMaxBackoff())
              .readAhead(r.isReadAhead())
              .linger(r.getLinger())
              .listenForNotifications(properties.getStore().isNotifyOnAppend())
              .meterRegistry(meters.getIfUnique(() -> store.meterRegistry()));
      // The options left unset keep the relay's defaults.
      PropertyMapper map = PropertyMapper.get();
      map.from(r.getTopicPrefix()).whenHasText().to(builder::topicPrefix);
      map.from(r.getPartitions()).to(builder::partitions);
      map.from(r.getReplicationFactor()).to(builder::replicationFactor);
      map.from(r.getTransactionalId()).to(builder::transactionalId);
      map.from(r.getReplacesTransactionalId()).to(builder::replacesTransactionalId);
      map.from(r.getRetention()).to(builder::retention);
      map.from(r.getSource()).to(builder::source);
      return builder.build();
    }

    /**
     * Starts and stops the relay with the context.
     *
     * @param cairnRelay the relay
     * @param properties the settings
     * @param environment for {@code spring.kafka.*}
     * @return the lifecycle
     */
    @Bean
    RelayLifecycle cairnRelayLifecycle(KafkaRelay cairnRelay, CairnProperties properties, Environment environment) {
      RelayProperties r = properties.getRelay();
      return new RelayLifecycle(
          cairnRelay, r.isRequireOnStart() ? new SpringKafkaSettings(environment).admin() : null, r.getRequireOnStartTimeout());
    }
  }
}
