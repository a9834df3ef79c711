package dev.cairn.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.api.AppendRequest;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.EventSerializer;
import dev.cairn.api.EventTypeRegistry;
import dev.cairn.api.JacksonEventSerializer;
import dev.cairn.api.NewEvent;
import dev.cairn.api.SerializedEvent;
import dev.cairn.projections.Projection;
import dev.cairn.projections.ProjectionManager;
import dev.cairn.projections.Projections;
import dev.cairn.store.jdbc.JdbcEventStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/** A store with a small account domain, a balances projection, and an HTTP client for the API. */
final class Fixture {

  sealed interface Event permits Opened, Deposited {}

  record Opened(String owner) implements Event {}

  record Deposited(long amount) implements Event {}

  static final EventSerializer SERIALIZER =
      JacksonEventSerializer.create(EventTypeRegistry.builder().registerSealed(Event.class).build());
  static final long POISON = 13;
  static final AtomicBoolean POISON_FIXED = new AtomicBoolean();
  private static final AtomicInteger SCHEMAS = new AtomicInteger();
  static final ObjectMapper JSON = new ObjectMapper();

  final JdbcEventStore store;
  final ProjectionManager manager;
  private final Map<String, Long> versions = new ConcurrentHashMap<>();

  Fixture(DataSource ds) {
    store = JdbcEventStore.builder(ds).schema("a" + SCHEMAS.incrementAndGet()).meterRegistry(new SimpleMeterRegistry()).build();
    store.migrate();
    manager = ProjectionManager.create(store, SERIALIZER);
    manager.migrate();
  }

  /** Balances per account; deposits of {@link #POISON} fail until fixed. */
  static Projection balances(int version) {
    return Projections.builder("balances", version)
        .table("CREATE TABLE {table} (account text PRIMARY KEY, balance bigint NOT NULL)")
        .on(Opened.class, (e, h, m) -> add(h, m.table(), e.streamId(), 0))
        .on(
            Deposited.class,
            (e, h, m) -> {
              if (e.event().amount() == POISON && !POISON_FIXED.get()) {
                throw new IllegalStateException("poison deposit in " + e.streamId());
              }
              add(h, m.table(), e.streamId(), e.event().amount());
            })
        .build();
  }

  private static void add(org.jdbi.v3.core.Handle h, String table, String account, long amount) {
    h.createUpdate(
            "INSERT INTO " + table + " VALUES (:a, :n) ON CONFLICT (account) DO UPDATE SET balance = " + table + ".balance + :n")
        .bind("a", account)
        .bind("n", amount)
        .execute();
  }

  void append(String account, Event... events) {
    long expected = versions.getOrDefault(account, 0L);
    List<NewEvent> news = new ArrayList<>();
    for (Event e : events) {
      SerializedEvent s = SERIALIZER.serialize(e);
      news.add(new NewEvent(UUID.randomUUID(), s.eventType(), s.revision(), s.json(), EventMetadata.EMPTY.withCorrelationId("corr-" + account)));
    }
    versions.put(account, store.append(new AppendRequest(account, "account", expected, news)).version());
  }

  /** Reads the balances as readers see them (the view of the serving version). */
  Map<String, Long> balances() {
    String view = manager.readModel(balances(1).spec()).view();
    return store.jdbi()
        .withHandle(
            h -> {
              Map<String, Long> out = new java.util.TreeMap<>();
              h.createQuery("SELECT account, balance FROM " + view).map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2))).forEach(e -> out.put(e.getKey(), e.getValue()));
              return out;
            });
  }

  /** An HTTP client for one server. */
  record Http(String base, HttpClient client) {
    Http(String base) {
      this(base, HttpClient.newHttpClient());
    }

    Response get(String path, String... headers) {
      return send(builder(path, headers).GET());
    }

    Response post(String path, String body, String... headers) {
      HttpRequest.Builder b = builder(path, headers);
      return send(b.POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** A POST as a well-behaved client sends it: JSON declared. */
    Response postJson(String path, String body, String... headers) {
      String[] all = new String[headers.length + 2];
      all[0] = "Content-Type";
      all[1] = "application/json";
      System.arraycopy(headers, 0, all, 2, headers.length);
      return post(path, body, all);
    }

    private HttpRequest.Builder builder(String path, String... headers) {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
      if (headers.length > 0) {
        b.headers(headers);
      }
      return b;
    }

    private Response send(HttpRequest.Builder b) {
      try {
        HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body(), r);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  record Response(int status, String body, HttpResponse<String> raw) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + body, e);
      }
    }

    @Override
    public String toString() {
      return status + " " + body;
    }
  }
}
