package dev.cairn.sample.orders;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.api.JacksonEventSerializer;
import dev.cairn.sample.orders.domain.OrderFields;
import dev.cairn.admin.http.ApiException;
import dev.cairn.admin.http.ApiHandler;
import dev.cairn.admin.http.ApiRequest;
import dev.cairn.admin.http.ApiResponse;
import dev.cairn.admin.http.Router;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read side's HTTP API: the order summaries and the read side's own projection admin (status,
 * replay, rebuild from the topic), health and metrics. It serves no commands: those go to the
 * write side.
 */
final class ReadSideApi implements ApiHandler {

  private static final Logger LOG = LoggerFactory.getLogger(ReadSideApi.class);

  private final ReadSideService service;
  private final ObjectMapper json = JacksonEventSerializer.defaultMapper();
  private final Router router;

  ReadSideApi(ReadSideService service) {
    this.service = service;
    this.router =
        Router.builder()
            .get("/health", r -> JsonViews.health(json, service.health()))
            .get("/metrics", r -> respond(200, metrics()))
            .get("/orders/{id}", this::order)
            .get("/admin/projections", r -> respond(200, service.projectionStatus()))
            .post("/admin/projections/" + OrderSummaryProjection.NAME + "/replay", r -> respond(200, service.replay(body(r))))
            .post("/admin/projections/" + OrderSummaryProjection.NAME + "/rebuild", r -> respond(200, service.rebuild(body(r))))
            .build();
  }

  @Override
  public ApiResponse handle(ApiRequest request) {
    try {
      return router.handle(request);
    } catch (ApiException e) {
      return e.response();
    } catch (RuntimeException e) {
      if (Failures.databaseUnavailable(e)) {
        return ApiResponse.error(503, "unavailable", "the read side's database is unavailable for the moment; try again")
            .withHeader("Retry-After", "1");
      }
      LOG.error("{} {} failed", request.method(), request.rawPath(), e);
      return ApiResponse.error(500, "internal_error", "the server failed; see its log");
    }
  }

  private ApiResponse order(ApiRequest r) {
    String id = r.pathParam("id");
    if (!OrderFields.isId(id)) {
      throw new ApiException(404, "unknown_order", "order " + id.replaceAll("\\p{Cntrl}", "?") + " does not exist");
    }
    return respond(200, service.summary(id)
        .orElseThrow(() -> new ApiException(404, "unknown_order", "order " + id + " is not in the read model (yet)")));
  }

  /** The body as a JSON object, or null if there is none. */
  private @Nullable JsonNode body(ApiRequest r) {
    if (r.body().length == 0) {
      return null;
    }
    if (!r.isJson()) {
      throw new ApiException(415, "unsupported_media_type",
          "the body must be declared Content-Type: application/json, was " + r.header("Content-Type").orElse("(none)"));
    }
    try {
      JsonNode tree = json.readTree(r.body());
      if (tree == null || !tree.isObject()) {
        throw new ApiException(400, "malformed_json", "the body must be a JSON object");
      }
      return tree;
    } catch (IOException e) {
      throw new ApiException(400, "malformed_json", "the body is not JSON: " + e.getMessage());
    }
  }

  private Map<String, Object> metrics() {
    Map<String, Object> out = new TreeMap<>();
    service.meters().getMeters().forEach(meter -> {
      Map<String, Object> values = new TreeMap<>();
      meter.measure().forEach(m -> values.put(m.getStatistic().name().toLowerCase(Locale.ROOT), m.getValue()));
      String tags = meter.getId().getTags().isEmpty() ? "" : meter.getId().getTags().toString();
      out.put(meter.getId().getName() + tags, values);
    });
    return out;
  }

  private ApiResponse respond(int status, Object body) {
    return JsonViews.answer(json, status, body);
  }
}
