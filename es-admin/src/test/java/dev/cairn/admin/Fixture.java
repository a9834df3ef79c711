package dev.cairn.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.admin.testing.Accounts;
import dev.cairn.projections.Projection;
import dev.cairn.projections.ProjectionManager;
import dev.cairn.store.jdbc.JdbcEventStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import javax.sql.DataSource;

/** A store with the test accounts ({@link Accounts}), a projection manager, and an HTTP client for the API. */
final class Fixture {

  static final ObjectMapper JSON = new ObjectMapper();

  final JdbcEventStore store;
  final ProjectionManager manager;
  private final Accounts accounts;

  Fixture(DataSource ds) {
    store = Accounts.store(ds, "a");
    manager = ProjectionManager.create(store, Accounts.SERIALIZER);
    manager.migrate();
    accounts = new Accounts(store);
  }

  /** The balances projection, poisoned: deposits of {@link Accounts#POISON} fail until fixed. */
  static Projection balances(int version) {
    return Accounts.balances(version, true);
  }

  /** Appends events to an account, after those appended before. */
  void append(String account, Accounts.Event... events) {
    accounts.append(account, events);
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
