package dev.cairn.admin.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The neutral routing layer, without any server: decoding, HEAD, 404 and 405. */
class RouterTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Router router =
      Router.builder()
          .get("/orders/{id}", r -> ApiResponse.json(200, ("\"" + r.pathParam("id") + "\"").getBytes(StandardCharsets.UTF_8)))
          .post("/orders/{id}/{action}", r -> ApiResponse.json(200, "{}".getBytes(StandardCharsets.UTF_8)))
          .build();

  private static ApiRequest request(String method, String rawPath) {
    return ApiRequest.of(method, rawPath, null, Map.of(), new byte[0]);
  }

  private String body(ApiResponse response) {
    return new String(response.body(), StandardCharsets.UTF_8);
  }

  @Test
  void eachSegmentIsDecodedOnce_andPlusIsAPlus() {
    assertThat(body(router.handle(request("GET", "/orders/a%2Bb")))).isEqualTo("\"a+b\"");
    assertThat(body(router.handle(request("GET", "/orders/a+b")))).isEqualTo("\"a+b\"");
    assertThat(body(router.handle(request("GET", "/orders/100%25")))).isEqualTo("\"100%\"");
    assertThat(body(router.handle(request("GET", "/orders/a%252Bb")))).isEqualTo("\"a%2Bb\"");
    // An encoded slash stays inside its segment rather than making another one.
    assertThat(body(router.handle(request("GET", "/orders/a%2Fb")))).isEqualTo("\"a/b\"");
  }

  @Test
  void aMalformedEscape_isA400() {
    assertThatThrownBy(() -> router.handle(request("GET", "/orders/%zz")))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.response().status()).isEqualTo(400));
    assertThatThrownBy(() -> router.handle(request("GET", "/orders/%C3")))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.response().status()).isEqualTo(400));
  }

  @Test
  void headIsAnsweredAsGet() {
    assertThat(router.handle(request("HEAD", "/orders/x")).status()).isEqualTo(200);
  }

  @Test
  void aKnownPathWithAnotherMethod_is405WithAllow_andAnUnknownPath404() throws Exception {
    ApiResponse wrong = router.handle(request("DELETE", "/orders/x"));
    assertThat(wrong.status()).isEqualTo(405);
    assertThat(wrong.headers()).containsEntry("Allow", "GET, HEAD");
    assertThat(JSON.readTree(wrong.body()).path("error").asText()).isEqualTo("method_not_allowed");

    ApiResponse missing = router.handle(request("GET", "/orders/x/y/z"));
    assertThat(missing.status()).isEqualTo(404);
    assertThat(JSON.readTree(missing.body()).path("error").asText()).isEqualTo("not_found");
  }

  @Test
  void queryParametersAreDecodedOnceAsFormData() {
    ApiRequest r = ApiRequest.of("GET", "/x", "asOf=%2B1&b=a+b&c", Map.of(), new byte[0]);
    assertThat(r.query("asOf")).hasValue("+1");
    assertThat(r.query("b")).hasValue("a b");
    assertThat(r.query("c")).hasValue("");
    assertThat(r.query("d")).isEmpty();
  }
}
