package dev.cairn.spring.internal;

import dev.cairn.admin.AdminApi;
import dev.cairn.admin.http.ApiException;
import dev.cairn.admin.http.ApiRequest;
import dev.cairn.admin.http.ApiResponse;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.function.RequestPredicates;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * Mounts es-admin's framework-neutral {@link AdminApi} on Spring MVC: one functional route for the
 * base path and everything below it, which turns the servlet request into an {@link ApiRequest}
 * (lower-case headers, the raw path and query, the body up to a limit, the client's address) and
 * writes the {@link ApiResponse} back. The API's own security (loopback, Host, Origin, token)
 * judges the request; the adapter adds nothing and removes nothing.
 */
public final class AdminMount {

  private static final Logger LOG = LoggerFactory.getLogger(AdminMount.class);

  private AdminMount() {}

  /**
   * Routes the API's paths.
   *
   * @param api the admin API
   * @param maxBodyBytes the largest body accepted (413 past it)
   * @return the route
   */
  public static RouterFunction<ServerResponse> route(AdminApi api, int maxBodyBytes) {
    String base = api.basePath();
    return RouterFunctions.route(
        RequestPredicates.path(base).or(RequestPredicates.path(base + "/**")), request -> serve(api, request, maxBodyBytes));
  }

  private static ServerResponse serve(AdminApi api, ServerRequest request, int maxBodyBytes) throws IOException {
    HttpServletRequest servlet = request.servletRequest();
    Map<String, String> headers = new LinkedHashMap<>();
    for (String name : Collections.list(servlet.getHeaderNames())) {
      headers.putIfAbsent(name.toLowerCase(Locale.ROOT), servlet.getHeader(name));
    }
    byte[] body;
    try (InputStream in = servlet.getInputStream()) {
      body = in.readNBytes(maxBodyBytes + 1);
    }
    ApiResponse answer;
    if (body.length > maxBodyBytes) {
      answer = ApiResponse.error(413, "body_too_large", "the request body is larger than " + maxBodyBytes + " bytes");
    } else {
      try {
        answer = api.handle(ApiRequest.of(
            servlet.getMethod(), servlet.getRequestURI(), servlet.getQueryString(), headers, body, servlet.getRemoteAddr()));
      } catch (ApiException e) {
        answer = e.response();
      } catch (RuntimeException e) {
        LOG.error("{} {} failed", servlet.getMethod(), servlet.getRequestURI(), e);
        answer = ApiResponse.error(500, "internal_error", "the server failed; see its log");
      }
    }
    ServerResponse.BodyBuilder response = ServerResponse.status(answer.status());
    answer.headers().forEach((name, value) -> {
      if (!name.equalsIgnoreCase("Content-Type")) {
        response.header(name, value);
      }
    });
    response.contentType(MediaType.parseMediaType(answer.contentType()));
    return answer.body().length == 0 ? response.build() : response.body(answer.body());
  }
}
