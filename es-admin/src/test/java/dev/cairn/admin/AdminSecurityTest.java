package dev.cairn.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.cairn.admin.Fixture.Http;
import dev.cairn.admin.Fixture.Response;
import dev.cairn.admin.http.JettyServer;
import dev.cairn.admin.testing.Accounts.Opened;
import dev.cairn.testkit.PostgresExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Loopback by default, a token beyond it, Origin, Host and content-type checks, CORS, limits, audit. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AdminSecurityTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  static final String TOKEN = "s3cret-token-0123456789";

  Fixture fx;

  @BeforeEach
  void setUp() {
    fx = new Fixture(pg.dataSource());
    fx.manager.install(Fixture.balances(1));
    fx.append("acc-1", new Opened("ann"));
  }

  private CairnAdmin admin(AdminSecurity security) {
    CairnAdmin admin = CairnAdmin.builder(fx.store).projections(fx.manager).security(security).build();
    admin.migrate();
    return admin;
  }

  @Test
  void withoutToken_bindingBeyondLoopback_isRefused_onJettyAndOnTheJdkServer() throws IOException {
    CairnAdmin admin = admin(AdminSecurity.loopback());
    assertThatThrownBy(() -> admin.server("0.0.0.0", 0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("binds 0.0.0.0, beyond loopback: configure a bearer token");
    HttpServer jdk = HttpServer.create(new InetSocketAddress("0.0.0.0", 0), 0);
    try {
      assertThatThrownBy(() -> admin.mount(jdk)).isInstanceOf(IllegalStateException.class);
    } finally {
      jdk.stop(0);
    }
    // With a token it may bind anywhere.
    admin(AdminSecurity.token(TOKEN)).server("0.0.0.0", 0).close();
    assertThatThrownBy(() -> AdminSecurity.token("short")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 16");
  }

  @Test
  void withoutToken_mutatingRequests_needJson_aLoopbackHost_andNoForeignOrigin_andRefusalsAreAudited() throws IOException {
    CairnAdmin admin = admin(AdminSecurity.loopback());
    try (JettyServer server = admin.server("127.0.0.1", 0)) {
      server.start();
      String origin = "http://127.0.0.1:" + server.port();
      Http http = new Http(origin);
      String pause = "/cairn/api/projections/balances/pause";

      Response noType = http.post(pause, "{}");
      assertThat(noType.status()).isEqualTo(415);
      assertThat(noType.json().get("message").asText()).contains("Content-Type: application/json");
      assertThat(http.post(pause, "{}", "Content-Type", "text/plain").status()).isEqualTo(415);
      // A form post from a web page: the CSRF shape.
      assertThat(http.post(pause, "a=b", "Content-Type", "application/x-www-form-urlencoded").status()).isEqualTo(415);

      Response foreign = http.postJson(pause, "{}", "Origin", "http://evil.example");
      assertThat(foreign.status()).isEqualTo(403);
      assertThat(foreign.json().get("message").asText()).contains("cross-origin request from http://evil.example");
      assertThat(http.postJson(pause, "{}", "Origin", "null").status()).isEqualTo(403);
      // A scheme-relative origin has a host but no scheme: refused, not a server error.
      Response schemeless = http.postJson(pause, "{}", "Origin", "//127.0.0.1:" + server.port());
      assertThat(schemeless.status()).isEqualTo(403);

      // DNS rebinding: a page on evil.example resolved to 127.0.0.1 sends Host: evil.example.
      String rebound = raw(server.port(), "POST " + pause + " HTTP/1.1\r\nHost: evil.example:" + server.port()
          + "\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
      assertThat(rebound).startsWith("HTTP/1.1 403").contains("is not a loopback name");

      // Reads need nothing; no CORS header is ever sent without configuration.
      Response read = http.get("/cairn/api/projections", "Origin", "http://evil.example");
      assertThat(read.status()).isEqualTo(200);
      assertThat(read.raw().headers().firstValue("Access-Control-Allow-Origin")).isEmpty();

      // The same origin, a loopback host and JSON: accepted.
      Response ok = http.postJson(pause, "{}", "Origin", origin, "X-Cairn-Actor", "ops-cy");
      assertThat(ok.status()).as(ok.toString()).isEqualTo(202);

      JsonNode audit = http.get("/cairn/api/audit").json();
      assertThat(audit.get("total").asLong()).isEqualTo(8);
      assertThat(audit.get("items").get(0).get("action").asText()).isEqualTo("projection.pause");
      assertThat(audit.get("items").get(0).get("actor").asText()).isEqualTo("ops-cy");
      assertThat(audit.get("items").get(1).get("action").asText()).isEqualTo("refused");
      assertThat(audit.get("items").get(1).get("status").asInt()).isEqualTo(403);
      assertThat(audit.get("items").get(1).get("target").asText()).isEqualTo("POST " + pause);

      // Bodies are bounded.
      Response huge = http.postJson(pause, "{\"version\":1" + " ".repeat(CairnAdmin.MAX_BODY_BYTES) + "}");
      assertThat(huge.status()).isEqualTo(413);
    }
  }

  @Test
  void withToken_everyMutatingRequestNeedsIt_readsDoNot_unlessProtected() {
    CairnAdmin admin = admin(AdminSecurity.token(TOKEN));
    try (JettyServer server = admin.server("127.0.0.1", 0)) {
      server.start();
      Http http = new Http("http://127.0.0.1:" + server.port());
      String replay = "/cairn/api/projections/balances/replay";
      Response none = http.postJson(replay, "{}");
      assertThat(none.status()).isEqualTo(401);
      assertThat(none.raw().headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
      assertThat(http.postJson(replay, "{}", "Authorization", "Bearer wrong-token-0123456789").status()).isEqualTo(401);
      assertThat(http.postJson("/cairn/api/dead-letters/1/skip", "{}").status()).isEqualTo(401);
      assertThat(http.get("/cairn/api/store").status()).isEqualTo(200);

      Response accepted = http.postJson(replay, "{}", "Authorization", "Bearer " + TOKEN);
      assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
      assertThat(accepted.json().get("requestedBy").asText()).isEqualTo("token");
      // With a token, a script may post without a body and without a content type.
      assertThat(http.post("/cairn/api/projections/balances/pause", "", "Authorization", "Bearer " + TOKEN).status()).isEqualTo(202);
      assertThat(http.get("/cairn/api/audit").json().get("items").get(2).get("status").asInt()).isEqualTo(401);
    }
    CairnAdmin guarded = admin(AdminSecurity.token(TOKEN).withProtectedReads(true));
    try (JettyServer server = guarded.server("127.0.0.1", 0)) {
      server.start();
      Http http = new Http("http://127.0.0.1:" + server.port());
      assertThat(http.get("/cairn/api/store").status()).isEqualTo(401);
      assertThat(http.get("/cairn/api/store", "Authorization", "Bearer " + TOKEN).status()).isEqualTo(200);
    }
  }

  @Test
  void cors_isOnlyForConfiguredOrigins_andTheApiMountsOnTheJdkServerToo() throws IOException {
    CairnAdmin admin = admin(AdminSecurity.loopback().withAllowedOrigins("https://ops.example"));
    HttpServer jdk = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    admin.mount(jdk);
    jdk.start();
    try {
      Http http = new Http("http://127.0.0.1:" + jdk.getAddress().getPort());
      Response read = http.get("/cairn/api/store", "Origin", "https://ops.example");
      assertThat(read.status()).isEqualTo(200);
      assertThat(read.json().get("events").asLong()).isEqualTo(1);
      assertThat(read.raw().headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://ops.example");
      assertThat(http.get("/cairn/api/store", "Origin", "https://other.example").raw().headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
      assertThat(
              http.client()
                  .send(
                      java.net.http.HttpRequest.newBuilder(java.net.URI.create(http.base() + "/cairn/api/projections/balances/pause"))
                          .method("OPTIONS", java.net.http.HttpRequest.BodyPublishers.noBody())
                          .header("Origin", "https://ops.example")
                          .build(),
                      java.net.http.HttpResponse.BodyHandlers.ofString())
                  .statusCode())
          .isEqualTo(204);
      assertThat(http.postJson("/cairn/api/projections/balances/pause", "{}", "Origin", "https://ops.example").status()).isEqualTo(202);
      assertThat(http.postJson("/cairn/api/projections/balances/resume", "{}", "Origin", "https://other.example").status()).isEqualTo(403);
      Response tooLarge = http.postJson("/cairn/api/projections/balances/resume", " ".repeat(CairnAdmin.MAX_BODY_BYTES + 10));
      assertThat(tooLarge.status()).isEqualTo(413);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      jdk.stop(0);
    }
  }

  /** Sends a raw request (the JDK client will not send a foreign Host header) and reads the answer. */
  private static String raw(int port, String request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
