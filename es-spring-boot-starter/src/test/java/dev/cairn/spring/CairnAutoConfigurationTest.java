package dev.cairn.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.api.AppendRequest;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.GlobalPosition;
import dev.cairn.api.NewEvent;
import dev.cairn.bus.kafka.CairnRecords;
import dev.cairn.bus.kafka.KafkaRelay;
import dev.cairn.projections.ProjectionManager;
import dev.cairn.spring.TallyDomain.Add;
import dev.cairn.spring.TallyDomain.Tally;
import dev.cairn.spring.TallyDomain.TallyEvent;
import dev.cairn.spring.internal.CairnFailureAnalyzer;
import dev.cairn.spring.internal.RelayLifecycle;
import dev.cairn.store.jdbc.JdbcAggregateRepository;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.KafkaExtension;
import dev.cairn.testkit.PostgresExtension;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Each condition of the auto-configuration on a real PostgreSQL (and, where the relay runs, a real
 * Kafka broker): every case uses a schema of its own in the class's database.
 */
class CairnAutoConfigurationTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  private static ApplicationContextRunner runner(String schema) {
    return new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(DataSourceAutoConfiguration.class, CairnAutoConfiguration.class, CairnHealthAutoConfiguration.class))
        .withPropertyValues("spring.datasource.url=" + pg.jdbcUrl(), "cairn.store.schema=" + schema);
  }

  @Configuration(proxyBeanMethods = false)
  static class TallyApp {
    @Bean
    CairnAggregate<Add, Tally, TallyEvent> tallies() {
      return TallyDomain.aggregate();
    }

    @Bean
    dev.cairn.projections.Projection tallyTotals() {
      return TallyDomain.totals();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnRelay {
    @Bean
    KafkaRelay myRelay(JdbcEventStore store) {
      return KafkaRelay.builder(store)
          .kafkaSettings(Map.of("bootstrap.servers", kafka.bootstrapServers()))
          .transactionalId(kafka.name("own-relay"))
          .build();
    }
  }

  /** Injects the repository by its generic type, as an application would. */
  static class TallyService {
    @Autowired JdbcAggregateRepository<Add, Tally, TallyEvent> tallies;
  }

  @Test
  void withoutKafka_storeMigrates_repositoryByType_metricsInAppRegistry_andStoreFedProjectionReachesReadModel() {
    runner("no_kafka")
        .withUserConfiguration(TallyApp.class)
        .withBean(TallyService.class)
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context).hasSingleBean(JdbcEventStore.class);
          assertThat(context).doesNotHaveBean(KafkaRelay.class);
          assertThat(context).hasBean("talliesRepository");
          JdbcAggregateRepository<Add, Tally, TallyEvent> repo = context.getBean(TallyService.class).tallies;
          repo.handle("t-1", new Add(5));
          repo.handle("t-1", new Add(7));
          assertThat(repo.load("t-1").state()).isEqualTo(new Tally(12));
          // Metrics go to the application's registry, not Micrometer's global one.
          assertThat(context.getBean(MeterRegistry.class).find("cairn.store.append").meters()).isNotEmpty();
          await().atMost(Duration.ofSeconds(60)).until(
              () -> pg.jdbi().withHandle(h -> h.createQuery("SELECT total FROM no_kafka.tally_totals WHERE tally_id = 't-1'")
                  .mapTo(Long.class).findOne().orElse(0L)) == 12L);
          CompositeHealthContributor health = context.getBean("cairnHealthContributor", CompositeHealthContributor.class);
          assertThat(((HealthIndicator) health.getContributor("store")).health().getStatus()).isEqualTo(Status.UP);
          CompositeHealthContributor projections = (CompositeHealthContributor) health.getContributor("projections");
          await().atMost(Duration.ofSeconds(60)).until(
              () -> ((HealthIndicator) projections.getContributor("tally_totals")).health().getStatus().equals(Status.UP));
        });
  }

  @Test
  void applicationsOpenTelemetry_tracesTheCommand_andTheProjectionAppliesInItsTrace() {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    OpenTelemetrySdk sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    runner("traced")
        .withUserConfiguration(TallyApp.class)
        .withBean(TallyService.class)
        .withBean(OpenTelemetry.class, () -> sdk)
        .run(context -> {
          assertThat(context).hasNotFailed();
          context.getBean(TallyService.class).tallies.handle("t-9", new Add(4));
          SpanData command =
              spans.getFinishedSpanItems().stream().filter(s -> s.getName().startsWith("handle ")).findFirst().orElseThrow();
          // The store-fed runner took the store's OpenTelemetry: its apply span joins the command's trace.
          await().atMost(Duration.ofSeconds(60)).until(
              () -> spans.getFinishedSpanItems().stream()
                  .anyMatch(s -> s.getName().equals("process store") && s.getTraceId().equals(command.getTraceId())));
        });
    sdk.close();
  }

  @Test
  void migrateFalse_createsNoTables() {
    runner("not_migrated")
        .withPropertyValues("cairn.store.migrate=false", "cairn.projections.enabled=false")
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context).hasSingleBean(JdbcEventStore.class);
          long tables = pg.jdbi().withHandle(h -> h.createQuery(
                  "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'not_migrated'").mapTo(Long.class).one());
          assertThat(tables).isZero();
        });
  }

  @Test
  void applicationsOwnStore_starterBacksOff_andUsesIt() {
    runner("starter_schema")
        .withBean("myStore", JdbcEventStore.class,
            () -> JdbcEventStore.builder(pg.dataSource()).schema("own_store").build())
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context).hasSingleBean(JdbcEventStore.class);
          assertThat(context).hasBean("myStore").doesNotHaveBean("cairnEventStore");
          assertThat(context.getBean(JdbcEventStore.class).schema()).isEqualTo("own_store");
          assertThat(context.getBean(ProjectionManager.class)).isNotNull();
        });
  }

  @Test
  void relayEnabled_usesSpringKafkaBootstrap_andHealthGoesUp_thenDownWhenStopped() {
    runner("with_kafka")
        .withUserConfiguration(TallyApp.class)
        .withPropertyValues(
            "cairn.relay.enabled=true", "spring.kafka.bootstrap-servers=" + kafka.bootstrapServers(),
            "cairn.relay.topic-prefix=" + kafka.name("t") + ".", "cairn.relay.partitions=2",
            "cairn.relay.transactional-id=" + kafka.name("relay"))
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context).hasSingleBean(KafkaRelay.class);
          HealthIndicator relay = (HealthIndicator)
              context.getBean("cairnHealthContributor", CompositeHealthContributor.class).getContributor("relay");
          await().atMost(Duration.ofSeconds(60)).until(() -> relay.health().getStatus().equals(Status.UP));
          context.getBean(RelayLifecycle.class).stop();
          org.springframework.boot.health.contributor.Health down = relay.health();
          assertThat(down.getStatus()).isEqualTo(Status.DOWN);
          assertThat(down.getDetails().get("causes").toString()).contains("DOWN");
        });
  }

  /** A context with the relay on and projections off, its settings under test, and meters of its own. */
  private static ApplicationContextRunner relayRunner(String schema, String name, String... settings) {
    return runner(schema)
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withPropertyValues(
            "cairn.relay.enabled=true", "cairn.projections.enabled=false", "spring.kafka.bootstrap-servers=" + kafka.bootstrapServers(),
            "cairn.relay.topic-prefix=" + kafka.name(name) + ".", "cairn.relay.partitions=1",
            "cairn.relay.transactional-id=" + kafka.name(name + "-relay"))
        .withPropertyValues(settings);
  }

  private static AppendRequest added(String stream, long expected) {
    return new AppendRequest(
        stream, "tally", expected, List.of(new NewEvent(UUID.randomUUID(), "Added", 1, "{\"amount\":1}", EventMetadata.EMPTY)));
  }

  private static GlobalPosition publish(KafkaRelay relay, JdbcEventStore store, AppendRequest request) {
    GlobalPosition at = store.append(request).events().get(0).position();
    await("relay at " + at).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
        .until(() -> relay.status().position().compareTo(at) >= 0);
    return at;
  }

  @Test
  void relaySettings_lingerSourceRetention_reachTheRelay() {
    relayRunner(
            "relay_settings", "settings", "cairn.relay.linger=1s", "cairn.relay.source=urn:cairn:settings-test",
            "cairn.relay.retention=7d", "cairn.relay.poll-interval=200ms", "cairn.relay.max-backoff=2s")
        .run(context -> {
          assertThat(context).hasNotFailed();
          KafkaRelay relay = context.getBean(KafkaRelay.class);
          JdbcEventStore store = context.getBean(JdbcEventStore.class);
          publish(relay, store, added("t-1", 0));
          // Three appends right after the first batch committed, within its 1-s linger: the relay
          // reads them when the linger ends, in one transaction. Without a linger the woken relay
          // reads them at once: tens of milliseconds, where the linger takes the rest of its second
          // (less the few milliseconds between that commit and these appends).
          long appended = System.nanoTime();
          store.append(added("t-2", 0));
          store.append(added("t-3", 0));
          publish(relay, store, added("t-4", 0));
          assertThat(Duration.ofNanos(System.nanoTime() - appended)).as("appended -> published").isGreaterThan(Duration.ofMillis(500));
          DistributionSummary batches = context.getBean(MeterRegistry.class).get("cairn.relay.batch.size").summary();
          assertThat(batches.count()).as("Kafka transactions").isEqualTo(2);
          assertThat(batches.max()).isEqualTo(3);

          String topic = context.getBean(CairnProperties.class).getRelay().getTopicPrefix() + "tally";
          Config config = kafka.admin().describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, topic)))
              .all().get().values().iterator().next();
          assertThat(config.get("retention.ms").value()).isEqualTo(String.valueOf(Duration.ofDays(7).toMillis()));
          try (KafkaConsumer<String, byte[]> consumer =
              new KafkaConsumer<>(kafka.consumerConfig("settings-reader"))) {
            consumer.subscribe(List.of(topic));
            List<String> sources = new ArrayList<>();
            await("four records").atMost(Duration.ofSeconds(60)).until(() -> {
              consumer.poll(Duration.ofMillis(200))
                  .forEach(r -> sources.add(new String(r.headers().lastHeader(CairnRecords.CE_SOURCE).value(), StandardCharsets.UTF_8)));
              return sources.size() >= 4;
            });
            assertThat(sources).containsOnly("urn:cairn:settings-test").hasSize(4);
          }
        });
  }

  @Test
  void relayReadAhead_runsItsPrefetchThread() {
    relayRunner("relay_read_ahead", "ahead", "cairn.relay.read-ahead=true")
        .run(context -> {
          assertThat(context).hasNotFailed();
          KafkaRelay relay = context.getBean(KafkaRelay.class);
          JdbcEventStore store = context.getBean(JdbcEventStore.class);
          publish(relay, store, added("a-1", 0));
          publish(relay, store, added("a-2", 0));
          // The relay reads ahead on a thread of its own, started at its first prefetch.
          assertThat(Thread.getAllStackTraces().keySet())
              .extracting(Thread::getName)
              .anyMatch(n -> n.startsWith("cairn-relay-prefetch-") && n.contains(relay.transactionalId()));
        });
  }

  @Test
  void relaySettings_outOfBounds_stopStartup_namingTheProperty() {
    for (String bad : List.of("cairn.relay.linger=2s", "cairn.relay.poll-interval=0s", "cairn.relay.max-backoff=-1s", "cairn.relay.retention=0s")) {
      runner("relay_bad").withPropertyValues("cairn.relay.enabled=true", "cairn.projections.enabled=false", bad)
          .run(context -> {
            assertThat(context).as(bad).hasFailed();
            assertThat(describe(context.getStartupFailure())).as(bad).contains(bad.substring(0, bad.indexOf('=')) + " must be");
          });
    }
  }

  @Test
  void applicationsOwnRelay_starterBacksOff() {
    runner("own_relay")
        .withPropertyValues("cairn.relay.enabled=true", "cairn.projections.enabled=false")
        .withUserConfiguration(OwnRelay.class)
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context).hasSingleBean(KafkaRelay.class).hasBean("myRelay").doesNotHaveBean("cairnRelay");
          assertThat(context).doesNotHaveBean(RelayLifecycle.class);
        });
  }

  @Test
  void badProperty_stopsStartup_namingThePropertyAndTheRule() {
    runner("bad_property")
        .withPropertyValues("cairn.store.schema=Orders-Schema")
        .run(context -> {
          assertThat(context).hasFailed();
          Throwable failure = context.getStartupFailure();
          assertThat(failure).rootCause().hasMessageContaining("[a-z_][a-z0-9_]*").hasMessageContaining("Orders-Schema");
          assertThat(describe(failure)).contains("cairn.store.schema must match");
        });
  }

  @Test
  void repositoryCustomizer_addsWhatPropertiesDoNotCover_butCannotSetAPropertysSettingAgain() {
    runner("customized")
        .withUserConfiguration(TallyApp.class)
        .withPropertyValues("cairn.projections.enabled=false", "cairn.aggregates.tally.cache-size=100")
        .withBean(AggregateRepositoryCustomizer.class, () -> (aggregate, b) -> b.snapshotWhenLoadSlowerThan(Duration.ofMillis(50)))
        .withBean(TallyService.class)
        .run(context -> assertThat(context).hasNotFailed().hasBean("talliesRepository"));
    runner("customized_twice")
        .withUserConfiguration(TallyApp.class)
        .withPropertyValues("cairn.projections.enabled=false", "cairn.aggregates.tally.cache-size=100")
        .withBean(AggregateRepositoryCustomizer.class, () -> (aggregate, b) -> b.cacheSize(50))
        .withBean(TallyService.class)
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause().hasMessageStartingWith("cache size was already set to 100");
        });
  }

  @Test
  void noDataSource_failureAnalysisSaysWhatToSet() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(CairnAutoConfiguration.class))
        .run(context -> {
          assertThat(context).hasFailed();
          FailureAnalysis analysis = new CairnFailureAnalyzer().analyze(context.getStartupFailure());
          assertThat(analysis).isNotNull();
          assertThat(analysis.getDescription()).contains("needs a DataSource");
          assertThat(analysis.getAction()).contains("spring.datasource.url");
        });
  }

  @Test
  void eventInterfaceNotSealed_failureAnalysisNamesIt() {
    runner("not_sealed")
        .withBean("open", CairnAggregate.class, CairnAutoConfigurationTest::openAggregate)
        .run(context -> {
          assertThat(context).hasFailed();
          FailureAnalysis analysis = new CairnFailureAnalyzer().analyze(context.getStartupFailure());
          assertThat(analysis).isNotNull();
          assertThat(analysis.getDescription()).contains(TallyDomain.OpenEvent.class.getName()).contains("not a sealed interface");
          assertThat(analysis.getAction()).contains("sealed interface OpenEvent permits");
        });
  }

  @Test
  void kafkaUnreachable_withRequireOnStart_failsStartupExplainingTheDefault() {
    runner("kafka_required")
        .withPropertyValues(
            "cairn.relay.enabled=true", "cairn.relay.require-on-start=true", "cairn.relay.require-on-start-timeout=2s",
            "spring.kafka.bootstrap-servers=127.0.0.1:1", "cairn.projections.enabled=false")
        .run(context -> {
          assertThat(context).hasFailed();
          FailureAnalysis analysis = new CairnFailureAnalyzer().analyze(context.getStartupFailure());
          assertThat(analysis).isNotNull();
          assertThat(analysis.getDescription()).contains("127.0.0.1:1").contains("require-on-start=true");
          assertThat(analysis.getAction()).contains("cairn.relay.require-on-start=false");
        });
  }

  @Test
  void adminApi_withoutTokenOnEveryInterface_isRefused_withTokenIsMounted() {
    WebApplicationContextRunner web = new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(
            DataSourceAutoConfiguration.class, CairnAutoConfiguration.class, CairnAdminAutoConfiguration.class))
        .withPropertyValues(
            "spring.datasource.url=" + pg.jdbcUrl(), "cairn.store.schema=admin_mount", "cairn.admin.enabled=true",
            "cairn.projections.enabled=false");
    web.run(context -> {
      assertThat(context).hasFailed();
      assertThat(describe(context.getStartupFailure())).contains("beyond loopback: configure a bearer token");
    });
    web.withPropertyValues("server.address=127.0.0.1").run(context -> assertThat(context).hasNotFailed().hasBean("cairnAdminRoute"));
    web.withPropertyValues("cairn.admin.token=0123456789abcdef-secret").run(context -> assertThat(context).hasNotFailed().hasBean("cairnAdminRoute"));
  }

  /** The mistake: a decider's events declared with an interface that is not sealed. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static CairnAggregate openAggregate() {
    Class events = TallyDomain.OpenEvent.class;
    return CairnAggregate.withoutSnapshots("open", new TallyDomain.TallyDecider(), events);
  }

  private static String describe(Throwable failure) {
    StringBuilder out = new StringBuilder();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      out.append(t.getMessage()).append('\n');
    }
    return out.toString();
  }
}
