package dev.cairn.admin;

import static java.util.Objects.requireNonNull;

import dev.cairn.admin.Doctor.Finding;
import dev.cairn.admin.Doctor.Severity;
import dev.cairn.bus.kafka.KafkaRelay;
import dev.cairn.bus.kafka.RelayDiagnostics;
import dev.cairn.store.jdbc.JdbcEventStore;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The {@link Doctor}'s checks that need the broker: Kafka-fed runners that stopped committing
 * while records wait, the relay's position topic's cleanup policy, and whether the event topics
 * take the largest record the store's events can make. Each runs against one admin client the
 * doctor has already found reachable.
 */
final class KafkaChecks {

  private final JdbcEventStore store;
  private final Admin admin;
  private final String topicPrefix;
  private final Duration stalledAfter;

  KafkaChecks(JdbcEventStore store, Admin admin, String topicPrefix, Duration stalledAfter) {
    this.store = store;
    this.admin = admin;
    this.topicPrefix = topicPrefix;
    this.stalledAfter = stalledAfter;
  }

  private record OffsetRow(String name, int version, String topic, int partition, long nextOffset,
      OffsetDateTime updatedAt) {}

  List<Finding> runners() throws Exception {
    List<OffsetRow> rows = store.jdbi().withHandle(h -> !Doctor.exists(store, h, "projection_offsets")
        ? List.<OffsetRow>of()
        : h.createQuery("""
                SELECT o.name, o.version, o.topic, o.partition, o.next_offset, o.updated_at FROM %s o
                JOIN %s v ON v.name = o.name AND v.version = o.version WHERE v.status <> 'RETIRED'
                ORDER BY o.name, o.version, o.topic, o.partition"""
                .formatted(store.qualifiedTable("projection_offsets"), store.qualifiedTable("projection_versions")))
            .map((rs, ctx) -> new OffsetRow(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getInt(4),
                rs.getLong(5), rs.getObject(6, OffsetDateTime.class)))
            .list());
    if (rows.isEmpty()) {
      return List.of(new Finding("kafka-runners", Severity.SKIPPED, "no Kafka-fed runner has committed offsets"));
    }
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    rows.forEach(r -> request.put(new TopicPartition(r.topic(), r.partition()), OffsetSpec.latest()));
    var ends = admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
        .get(30, TimeUnit.SECONDS);
    Map<String, long[]> perProjection = new LinkedHashMap<>();
    List<Finding> out = new ArrayList<>();
    for (OffsetRow r : rows) {
      var end = ends.get(new TopicPartition(r.topic(), r.partition()));
      // The relay writes in transactions, and each ends with a commit marker that takes an offset
      // but is never delivered: a runner that applied everything stands one below the end.
      long lag = end == null ? 0 : Math.max(0, end.offset() - r.nextOffset() - 1);
      Duration idle = Duration.between(r.updatedAt().toInstant(), Instant.now());
      String key = r.name() + " v" + r.version();
      perProjection.computeIfAbsent(key, k -> new long[1])[0] += lag;
      if (lag > 0 && idle.compareTo(stalledAfter) > 0) {
        out.add(new Finding("kafka-runners", Severity.PROBLEM, "Kafka-fed runner of " + key + " has not committed "
            + r.topic() + "-" + r.partition() + " for " + Doctor.seconds(idle) + " while " + lag
            + " record(s) wait: is it running, paused, retrying an event, or without partitions?"));
      }
    }
    if (out.isEmpty()) {
      perProjection.forEach((k, lag) -> out.add(new Finding("kafka-runners", Severity.OK,
          "Kafka-fed runner of " + k + ": " + lag[0] + " record(s) behind")));
    }
    return out;
  }

  List<Finding> positionTopic() throws Exception {
    Set<String> topics = new LinkedHashSet<>(store.jdbi().withHandle(h -> !Doctor.exists(store, h, "relay_owners")
        ? List.<String>of()
        : h.createQuery("SELECT position_topic FROM " + store.qualifiedTable("relay_owners")).mapTo(String.class).list()));
    if (topics.isEmpty()) {
      topics.add(topicPrefix + KafkaRelay.POSITION_TOPIC);
    }
    Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
    List<Finding> out = new ArrayList<>();
    for (String topic : topics) {
      if (!existing.contains(topic)) {
        out.add(new Finding("position-topic", Severity.SKIPPED, "position topic " + topic + " does not exist yet"));
        continue;
      }
      Map<String, String> configs = configs(topic);
      String policy = configs.getOrDefault(TopicConfig.CLEANUP_POLICY_CONFIG, "");
      String retention = configs.getOrDefault(TopicConfig.RETENTION_MS_CONFIG, "").trim();
      List<String> policies = List.of(policy.toLowerCase(Locale.ROOT).replace(" ", "").split(","));
      boolean compacted = policies.contains(TopicConfig.CLEANUP_POLICY_COMPACT);
      boolean deletes = policies.contains(TopicConfig.CLEANUP_POLICY_DELETE) && !"-1".equals(retention);
      if (!compacted || deletes) {
        out.add(new Finding("position-topic", Severity.PROBLEM, "position topic " + topic + " has cleanup.policy="
            + policy + " and retention.ms=" + retention + ": it would delete the relay's position, and the relay"
            + " refuses to publish; make it compact (kafka-configs --alter --entity-type topics --entity-name "
            + topic + " --add-config cleanup.policy=compact)"));
      } else {
        out.add(new Finding("position-topic", Severity.OK, "position topic " + topic + " is compacted (cleanup.policy="
            + policy + ")"));
      }
    }
    return out;
  }

  List<Finding> eventSize() throws Exception {
    int bound = RelayDiagnostics.largestRecordBytes(store.maxEventBytes());
    List<String> streamTypes = store.jdbi().withHandle(h -> !Doctor.exists(store, h, "streams")
        ? List.<String>of()
        : h.createQuery("SELECT DISTINCT stream_type FROM " + store.qualifiedTable("streams") + " ORDER BY 1")
            .mapTo(String.class).list());
    Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
    List<Finding> out = new ArrayList<>();
    int checked = 0;
    for (String type : streamTypes) {
      String topic = topicPrefix + type;
      if (!existing.contains(topic)) {
        continue;
      }
      checked++;
      String value = configs(topic).get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
      if (value != null && Long.parseLong(value.trim()) < bound) {
        out.add(new Finding("event-size", Severity.PROBLEM, "topic " + topic + " has max.message.bytes=" + value.trim()
            + " but an event of the store's maxEventBytes (" + store.maxEventBytes() + ") can make a record of "
            + bound + " bytes, which the relay could not publish: raise it to at least " + bound));
      }
    }
    if (out.isEmpty()) {
      out.add(new Finding("event-size", checked == 0 ? Severity.SKIPPED : Severity.OK, checked == 0
          ? "no event topic named " + topicPrefix + "<stream type> exists yet"
          : checked + " event topic(s) take records of " + bound + " bytes (events up to " + store.maxEventBytes()
              + " bytes)"));
    }
    return out;
  }

  private Map<String, String> configs(String topic)
      throws ExecutionException, InterruptedException, TimeoutException {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    // all() completes only when every resource asked for was described, so this one is there.
    Map<ConfigResource, Config> described = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS);
    Config config = requireNonNull(described.get(resource), "config");
    Map<String, String> values = new HashMap<>();
    config.entries().forEach(e -> {
      if (e.value() != null) {
        values.put(e.name(), e.value());
      }
    });
    return values;
  }
}
