package dev.cairn.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.admin.http.ApiException;
import dev.cairn.admin.http.ApiHandler;
import dev.cairn.admin.http.ApiRequest;
import dev.cairn.admin.http.ApiResponse;
import dev.cairn.admin.http.Router;
import dev.cairn.admin.internal.AdminJson;
import dev.cairn.admin.internal.StaticFiles;
import dev.cairn.api.GlobalPosition;
import dev.cairn.projections.ProjectionCommand;
import dev.cairn.projections.ProjectionCommand.Status;
import dev.cairn.projections.ProjectionCommand.Type;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API as one framework-neutral handler: {@link #handle(ApiRequest)} answers every
 * request under the base path (default {@code /cairn}): the JSON API under {@code <base>/api}
 * and the console's static files. Mount it on {@link dev.cairn.admin.http.JettyServer}, the JDK
 * server ({@link dev.cairn.admin.http.JdkMount}) or a Spring MVC controller; {@link
 * #before(ApiHandler)} puts it in front of an application's own handler. The contract is in the
 * module's README.
 */
public final class AdminApi implements ApiHandler {

  private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);
  private static final Set<String> READS = Set.of("GET", "HEAD", "OPTIONS");

  private final CairnAdmin admin;
  private final AdminSecurity security;
  private final String base;
  private final Router router;
  private final StaticFiles console = new StaticFiles("dev/cairn/admin/console/");
  /** The console's libraries, from WebJars on the class path: {@code <base>/webjars/uplot/1.6.30/dist/...}. */
  private final StaticFiles webjars = new StaticFiles("META-INF/resources/webjars/");
  private final MeterRegistry meters;

  AdminApi(CairnAdmin admin, AdminSecurity security, String basePath, MeterRegistry meters) {
    this.admin = admin;
    this.security = security;
    this.base = basePath;
    this.meters = meters;
    String api = basePath + "/api";
    this.router =
        Router.builder()
            .get(api + "/overview", r -> ok(overview()))
            .get(api + "/store", r -> ok(admin.store().overview()))
            .get(api + "/relay", r -> ok(admin.relays().list()))
            .get(api + "/projections", r -> ok(admin.projections().list()))
            .get(api + "/projections/{name}", r -> ok(admin.projections().get(r.pathParam("name"))))
            .post(api + "/projections/{name}/{action}", this::projectionAction)
            .post(api + "/projections/{name}/dead-letters/retry-all", r -> command(r, r.pathParam("name"), Type.RETRY_ALL, body(r, Set.of("version"))))
            .get(api + "/dead-letters", this::deadLetters)
            .get(api + "/dead-letters/{id}", r -> ok(admin.deadLetters().get(id(r.pathParam("id"), "dead letter"))))
            .post(api + "/dead-letters/{id}/{action}", this::deadLetterAction)
            .get(api + "/streams/{id}", this::stream)
            .get(api + "/events", this::events)
            .get(api + "/commands", this::commands)
            .get(api + "/commands/{id}", r -> ok(admin.operations().command(id(r.pathParam("id"), "command"))))
            .get(api + "/workflows", r -> ok(admin.workflows().list()))
            .get(api + "/workflows/{name}", r -> ok(admin.workflows().get(r.pathParam("name"))))
            .get(api + "/workflows/{name}/instances/{id}", r -> ok(admin.workflows().instance(r.pathParam("name"), r.pathParam("id"))))
            .post(api + "/workflows/{name}/deadlines/retry-failed", this::retryFailedDeadlines)
            .get(api + "/audit", r -> ok(admin.audit().list(r.query("action").orElse(null), intParam(r, "limit", 50), intParam(r, "offset", 0))))
            .build();
  }

  /**
   * Answers this API's requests, and hands every other path to the application's handler.
   *
   * @param application the application's own handler
   * @return the combined handler
   */
  public ApiHandler before(ApiHandler application) {
    return r -> owns(r.rawPath()) ? handle(r) : application.handle(r);
  }

  /**
   * Returns the base path: the console there, the JSON API under {@code <base>/api}.
   *
   * @return e.g. {@code /cairn}
   */
  public String basePath() {
    return base;
  }

  /**
   * Tells whether a path is this API's (the base path or below it).
   *
   * @param rawPath the request's path
   * @return true if this API answers it
   */
  public boolean owns(String rawPath) {
    return rawPath.equals(base) || rawPath.startsWith(base + "/");
  }

  @Override
  public ApiResponse handle(ApiRequest request) {
    long start = System.nanoTime();
    ApiResponse answer = answer(request);
    Optional<String> origin = security.corsOrigin(request);
    if (origin.isPresent()) {
      answer = answer.withHeader("Access-Control-Allow-Origin", origin.get()).withHeader("Vary", "Origin");
    }
    Timer.builder("cairn.admin.requests")
        .description("admin API requests")
        .tag("method", READS.contains(request.method()) ? request.method() : "POST")
        .tag("status", String.valueOf(answer.status()))
        .register(meters)
        .record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
    return answer;
  }

  private ApiResponse answer(ApiRequest request) {
    String path = request.rawPath();
    if (!owns(path)) {
      return ApiResponse.error(404, "not_found", "no route for " + request.method() + " " + path);
    }
    boolean mutating = !READS.contains(request.method());
    try {
      if (request.method().equals("OPTIONS")) {
        return preflight(request);
      }
      boolean isApi = path.startsWith(base + "/api/") || path.equals(base + "/api");
      // The console's files are public (a browser cannot send a token with a page load); its
      // calls to the API are checked like any other.
      Optional<ApiResponse> refused = mutating || isApi ? security.check(request, mutating) : Optional.empty();
      if (refused.isPresent()) {
        if (mutating) {
          audit(request, refused.get().status(), new String(refused.get().body(), java.nio.charset.StandardCharsets.UTF_8));
        }
        return refused.get();
      }
      if (!isApi) {
        return staticFile(request, path);
      }
      return router.handle(request);
    } catch (ApiException e) {
      return e.response();
    } catch (IllegalArgumentException e) {
      return ApiResponse.error(400, "invalid_request", e.getMessage());
    } catch (NoSuchElementException e) {
      return ApiResponse.error(404, notFoundCode(path), e.getMessage());
    } catch (IllegalStateException e) {
      return ApiResponse.error(409, "conflict", e.getMessage());
    } catch (UnsupportedOperationException e) {
      return ApiResponse.error(503, "not_available", e.getMessage());
    } catch (RuntimeException e) {
      Optional<ApiResponse> unavailable = unavailable(e);
      if (unavailable.isPresent()) {
        LOG.warn("{} {}: {}", request.method(), path, e.toString());
        return unavailable.get();
      }
      LOG.error("{} {} failed", request.method(), path, e);
      return ApiResponse.error(500, "internal_error", "the admin API failed; see the server's log");
    }
  }

  private ApiResponse preflight(ApiRequest request) {
    Optional<String> origin = security.corsOrigin(request);
    if (origin.isEmpty()) {
      return ApiResponse.error(403, "forbidden", "cross-origin requests are not allowed from " + request.header("Origin").orElse("(no origin)"));
    }
    return new ApiResponse(
        204,
        Map.of(
            "Access-Control-Allow-Methods", "GET, POST",
            "Access-Control-Allow-Headers", "Authorization, Content-Type, X-Cairn-Actor",
            "Access-Control-Max-Age", "600"),
        new byte[0]);
  }

  private ApiResponse staticFile(ApiRequest request, String path) {
    if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
      return ApiResponse.error(405, "method_not_allowed", request.method() + " is not allowed on " + path + "; allowed: GET, HEAD")
          .withHeader("Allow", "GET, HEAD");
    }
    if (path.equals(base)) {
      return new ApiResponse(308, Map.of("Location", base + "/"), new byte[0]);
    }
    String rest = path.substring(base.length() + 1);
    return (rest.startsWith("webjars/") ? webjars.serve(rest.substring("webjars/".length())) : console.serve(rest))
        .orElseGet(() -> ApiResponse.error(404, "not_found", "the console has no file " + rest.replaceAll("\\p{Cntrl}", "?")));
  }

  private Map<String, @Nullable Object> overview() {
    Map<String, @Nullable Object> out = new LinkedHashMap<>();
    out.put("store", admin.hasStore() ? admin.store().overview() : null);
    out.put("relays", admin.hasStore() ? admin.relays().list() : java.util.List.of());
    out.put("projections", admin.projections().list());
    Map<String, Long> dl = new LinkedHashMap<>();
    dl.put("parked", admin.deadLetters().list(null, null, null, "parked", 1, 0).total());
    dl.put("held", admin.deadLetters().list(null, null, null, "held", 1, 0).total());
    out.put("deadLetters", dl);
    out.put("commandsPending", admin.operations().commands(null, Status.PENDING, 1, 0).total());
    return out;
  }

  private ApiResponse projectionAction(ApiRequest r) {
    String name = r.pathParam("name");
    String action = r.pathParam("action");
    return switch (action) {
      case "pause" -> command(r, name, Type.PAUSE, body(r, Set.of("version")));
      case "resume" -> command(r, name, Type.RESUME, body(r, Set.of("version")));
      case "replay" -> command(r, name, Type.REPLAY, body(r, Set.of("version", "from", "position", "offsets")));
      case "rebuild" -> command(r, name, Type.REBUILD, body(r, Set.of("version", "switchWhenCaughtUp")));
      case "switch" -> {
        Map<String, Object> body = body(r, Set.of("version"));
        if (!body.containsKey("version")) {
          throw new ApiException(400, "invalid_request", "switch needs version, the version to serve (an integer >= 1)");
        }
        yield command(r, name, Type.SWITCH, body);
      }
      default -> throw new ApiException(
          404, "not_found", "no action " + action + " on projections (pause, resume, replay, rebuild, switch)");
    };
  }

  private ApiResponse command(ApiRequest r, String name, Type type, Map<String, Object> body) {
    Integer version = (Integer) body.remove("version");
    ProjectionCommand c = admin.operations().request(name, version, type, body, security.actor(r), r.remoteAddress());
    return respond(202, c);
  }

  private ApiResponse deadLetterAction(ApiRequest r) {
    String action = r.pathParam("action");
    if (!action.equals("retry") && !action.equals("skip")) {
      throw new ApiException(404, "not_found", "no action " + action + " on dead letters (retry or skip)");
    }
    long id = id(r.pathParam("id"), "dead letter");
    body(r, Set.of());
    return respond(202, admin.operations().resolve(id, action.equals("skip"), security.actor(r), r.remoteAddress()));
  }

  private ApiResponse retryFailedDeadlines(ApiRequest r) {
    body(r, Set.of());
    return ok(admin.workflows().retryFailedDeadlines(r.pathParam("name"), security.actor(r), r.remoteAddress()));
  }

  private ApiResponse deadLetters(ApiRequest r) {
    return ok(
        admin.deadLetters()
            .list(
                r.query("projection").filter(s -> !s.isEmpty()).orElse(null),
                r.query("stream").filter(s -> !s.isEmpty()).orElse(null),
                r.query("error").filter(s -> !s.isEmpty()).orElse(null),
                r.query("status").filter(s -> !s.isEmpty()).orElse(null),
                intParam(r, "limit", 50),
                intParam(r, "offset", 0)));
  }

  private ApiResponse stream(ApiRequest r) {
    long after = longParam(r, "after", 0);
    return ok(admin.streams().stream(r.pathParam("id"), after, intParam(r, "limit", 100)));
  }

  private ApiResponse events(ApiRequest r) {
    int limit = intParam(r, "limit", 50);
    Optional<String> after = r.query("after");
    if (after.isEmpty()) {
      return ok(admin.streams().newest(limit));
    }
    GlobalPosition position;
    try {
      position = GlobalPosition.parse(after.get());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("after must be a global position \"txId/position\" such as 812/40, was " + after.get());
    }
    return ok(admin.streams().after(position, limit));
  }

  private ApiResponse commands(ApiRequest r) {
    Status status = null;
    Optional<String> s = r.query("status").filter(v -> !v.isEmpty());
    if (s.isPresent()) {
      try {
        status = Status.valueOf(s.get().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("status must be PENDING, RUNNING, DONE or FAILED, was " + s.get());
      }
    }
    return ok(admin.operations().commands(r.query("projection").filter(v -> !v.isEmpty()).orElse(null), status, intParam(r, "limit", 50), intParam(r, "offset", 0)));
  }

  /**
   * Reads a mutating request's body: a JSON object (an empty body is {@code {}}) with only the
   * given fields; {@code version} must be an integer >= 1.
   */
  private static Map<String, Object> body(ApiRequest r, Set<String> allowed) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (r.body().length == 0) {
      return out;
    }
    JsonNode tree;
    try {
      tree = AdminJson.READER.readTree(r.body());
    } catch (IOException e) {
      String message = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
      throw new ApiException(400, "malformed_json", "the body is not valid JSON: " + message);
    }
    if (!(tree instanceof ObjectNode node)) {
      throw new ApiException(400, "malformed_json", "the body must be a JSON object, was " + (tree == null ? "empty" : tree.getNodeType()));
    }
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      String key = field.getKey();
      JsonNode value = field.getValue();
      if (!allowed.contains(key)) {
        throw new ApiException(400, "invalid_request", "unknown field " + key + "; this request takes " + (allowed.isEmpty() ? "no fields" : "only " + new java.util.TreeSet<>(allowed)));
      }
      if (key.equals("version")) {
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < 1) {
          throw new ApiException(400, "invalid_request", "version must be an integer >= 1, was " + value);
        }
        out.put(key, value.asInt());
      } else {
        out.put(key, AdminJson.READER.convertValue(value, Object.class));
      }
    }
    return out;
  }

  private static long id(String text, String what) {
    try {
      long id = Long.parseLong(text);
      if (id >= 1) {
        return id;
      }
    } catch (NumberFormatException e) {
      // falls through: an id that is not a number cannot exist
    }
    throw new NoSuchElementException("no " + what + " " + text.replaceAll("\\p{Cntrl}", "?") + ": ids are numbers >= 1");
  }

  private static int intParam(ApiRequest r, String name, int fallback) {
    Optional<String> v = r.query(name).filter(s -> !s.isEmpty());
    if (v.isEmpty()) {
      return fallback;
    }
    try {
      return Integer.parseInt(v.get());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be an integer, was " + v.get());
    }
  }

  private static long longParam(ApiRequest r, String name, long fallback) {
    Optional<String> v = r.query(name).filter(s -> !s.isEmpty());
    if (v.isEmpty()) {
      return fallback;
    }
    try {
      return Long.parseLong(v.get());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be an integer, was " + v.get());
    }
  }

  private String notFoundCode(String path) {
    String rest = path.substring(Math.min(path.length(), base.length() + "/api/".length()));
    if (rest.startsWith("projections")) {
      return "unknown_projection";
    }
    if (rest.startsWith("dead-letters")) {
      return "unknown_dead_letter";
    }
    if (rest.startsWith("streams")) {
      return "unknown_stream";
    }
    if (rest.startsWith("workflows")) {
      return "unknown_workflow";
    }
    if (rest.startsWith("commands")) {
      return "unknown_command";
    }
    return "not_found";
  }

  private void audit(ApiRequest r, int status, String result) {
    try {
      String actor;
      try {
        actor = security.actor(r);
      } catch (IllegalArgumentException e) {
        actor = "invalid";
      }
      admin.audit().record(actor, r.remoteAddress(), "refused", r.method() + " " + r.rawPath(), Map.of(), status, result);
    } catch (RuntimeException e) {
      LOG.warn("could not audit a refused request {} {}: {}", r.method(), r.rawPath(), e.toString());
    }
  }

  /** A database that cannot be reached, or tables not migrated: 503 instead of 500. */
  private static Optional<ApiResponse> unavailable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLTransientConnectionException || t instanceof java.net.ConnectException
          || t instanceof org.jdbi.v3.core.ConnectionException) {
        return Optional.of(
            ApiResponse.error(503, "not_available", "the database is unavailable for the moment; try again").withHeader("Retry-After", "1"));
      }
      if (t instanceof SQLException sql && "42P01".equals(sql.getSQLState())) {
        return Optional.of(
            ApiResponse.error(503, "not_available", "a table is missing (not migrated yet?): "
                + Optional.ofNullable(sql.getMessage()).flatMap(m -> m.lines().findFirst()).orElse("")));
      }
    }
    return Optional.empty();
  }

  private static ApiResponse ok(Object body) {
    return respond(200, body);
  }

  private static ApiResponse respond(int status, Object body) {
    return ApiResponse.json(status, AdminJson.write(body));
  }
}
