package dev.cairn.admin;

import static java.util.Objects.requireNonNull;

import dev.cairn.admin.http.ApiRequest;
import dev.cairn.admin.http.ApiResponse;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Who may use the admin API. Without a token it serves loopback only: a mutating request must
 * name a loopback {@code Host} (or an allowed one: no DNS rebinding), come from no other {@code
 * Origin} (no cross-site request forgery from a browser on the same host) and declare a JSON
 * body. With a bearer token, every mutating request must carry it, and the server may bind
 * beyond loopback. No CORS unless origins are allowed. Immutable; {@code withX} returns a copy.
 */
public final class AdminSecurity {

  private static final Pattern ACTOR = Pattern.compile("[\\x21-\\x7e][\\x20-\\x7e]{0,98}[\\x21-\\x7e]|[\\x21-\\x7e]");
  private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "::1", "[::1]");

  private final byte @Nullable [] token;
  private final boolean protectReads;
  private final Set<String> allowedHosts;
  private final Set<String> allowedOrigins;

  private AdminSecurity(
      byte @Nullable [] token, boolean protectReads, Set<String> allowedHosts, Set<String> allowedOrigins) {
    this.token = token;
    this.protectReads = protectReads;
    this.allowedHosts = Set.copyOf(allowedHosts);
    this.allowedOrigins = Set.copyOf(allowedOrigins);
  }

  /**
   * No token: loopback only, with Host, Origin and content-type checks on mutating requests.
   *
   * @return the policy
   */
  public static AdminSecurity loopback() {
    return new AdminSecurity(null, false, Set.of(), Set.of());
  }

  /**
   * A bearer token that every mutating request must carry ({@code Authorization: Bearer ...}).
   *
   * @param secret the token, at least 16 characters, no spaces
   * @return the policy
   * @throws IllegalArgumentException if the token is too short or has spaces
   */
  public static AdminSecurity token(String secret) {
    requireNonNull(secret, "secret");
    if (secret.length() < 16 || !secret.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new IllegalArgumentException(
          "the admin token must be at least 16 visible ASCII characters without spaces, was " + secret.length() + " characters");
    }
    return new AdminSecurity(secret.getBytes(StandardCharsets.US_ASCII), false, Set.of(), Set.of());
  }

  /**
   * Requires the token for reads too.
   *
   * @param value whether reads need the token
   * @return the policy
   * @throws IllegalStateException if no token is configured
   */
  public AdminSecurity withProtectedReads(boolean value) {
    if (token == null && value) {
      throw new IllegalStateException("protecting reads needs a token: use AdminSecurity.token(...)");
    }
    return new AdminSecurity(token, value, allowedHosts, allowedOrigins);
  }

  /**
   * Allows further {@code Host} names (without port) for mutating requests without a token, such
   * as the machine's name.
   *
   * @param hosts the names
   * @return the policy
   */
  public AdminSecurity withAllowedHosts(String... hosts) {
    Set<String> more = new LinkedHashSet<>(allowedHosts);
    for (String h : hosts) {
      more.add(h.toLowerCase(Locale.ROOT));
    }
    return new AdminSecurity(token, protectReads, more, allowedOrigins);
  }

  /**
   * Allows cross-origin requests from these origins ({@code https://ops.example.com}): CORS
   * headers are sent for them, and their mutating requests pass the Origin check.
   *
   * @param origins the origins, scheme, host and port as browsers send them
   * @return the policy
   */
  public AdminSecurity withAllowedOrigins(String... origins) {
    Set<String> more = new LinkedHashSet<>(allowedOrigins);
    more.addAll(List.of(origins));
    return new AdminSecurity(token, protectReads, allowedHosts, more);
  }

  /**
   * Tells whether a token is configured.
   *
   * @return true if so
   */
  public boolean hasToken() {
    return token != null;
  }

  /**
   * Checks the address a server is about to bind: anything but loopback needs a token.
   *
   * @param host the address or name to bind
   * @throws IllegalStateException if the address is not loopback and no token is configured
   */
  public void checkBind(String host) {
    if (token != null) {
      return;
    }
    boolean loopback;
    try {
      loopback = InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      loopback = false;
    }
    if (!loopback) {
      throw new IllegalStateException(
          "the admin API binds " + host + ", beyond loopback: configure a bearer token (AdminSecurity.token(...)) or bind 127.0.0.1");
    }
  }

  /**
   * Checks a request before it is routed: the admin API does it for its own routes; an
   * application puts its own operator-only routes behind the same rules with it.
   *
   * @param r the request
   * @param mutating whether it changes anything
   * @return the refusal (401, 403 or 415), if refused
   */
  public Optional<ApiResponse> check(ApiRequest r, boolean mutating) {
    if (token != null && (mutating || protectReads)) {
      if (!authenticated(r)) {
        return Optional.of(
            ApiResponse.error(401, "unauthorized", "this request needs the header Authorization: Bearer <the admin token>")
                .withHeader("WWW-Authenticate", "Bearer realm=\"cairn\""));
      }
    }
    if (!mutating) {
      return Optional.empty();
    }
    if (token == null) {
      String host = r.header("Host").orElse("");
      String name = hostName(host);
      if (!LOOPBACK_NAMES.contains(name) && !allowedHosts.contains(name)) {
        return Optional.of(
            ApiResponse.error(403, "forbidden", "Host " + printable(host) + " is not a loopback name; without a token only localhost, 127.0.0.1 and [::1] are served"));
      }
      Optional<String> origin = r.header("Origin");
      if (origin.isPresent() && !allowedOrigins.contains(origin.get()) && !sameOrigin(origin.get(), host)) {
        return Optional.of(
            ApiResponse.error(403, "forbidden", "cross-origin request from " + printable(origin.get()) + " refused; the admin API allows no other origin"));
      }
    }
    if ((token == null || r.body().length > 0) && !r.isJson()) {
      return Optional.of(
          ApiResponse.error(415, "unsupported_media_type",
              "a mutating request must declare Content-Type: application/json, was " + printable(r.header("Content-Type").orElse("(none)"))));
    }
    return Optional.empty();
  }

  /** Whether the request carries the token (compared in constant time). */
  boolean authenticated(ApiRequest r) {
    if (token == null) {
      return false;
    }
    String auth = r.header("Authorization").orElse("");
    if (!auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    return MessageDigest.isEqual(token, auth.substring(7).trim().getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * Names who asks: the {@code X-Cairn-Actor} header, else {@code token} when authenticated, else
   * {@code anonymous}.
   *
   * @param r the request
   * @return who asks
   * @throws IllegalArgumentException if the header is not 1 to 100 visible ASCII characters
   */
  public String actor(ApiRequest r) {
    Optional<String> named = r.header("X-Cairn-Actor");
    if (named.isPresent()) {
      if (!ACTOR.matcher(named.get()).matches()) {
        throw new IllegalArgumentException("X-Cairn-Actor must be 1 to 100 visible ASCII characters, was " + printable(named.get()));
      }
      return named.get();
    }
    return authenticated(r) ? "token" : "anonymous";
  }

  /** The CORS headers for a request's origin, if it is allowed. */
  Optional<String> corsOrigin(ApiRequest r) {
    return r.header("Origin").filter(allowedOrigins::contains);
  }

  private static String hostName(String host) {
    String h = host.trim().toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      return end < 0 ? h : h.substring(0, end + 1);
    }
    int colon = h.indexOf(':');
    return colon < 0 ? h : h.substring(0, colon);
  }

  private static boolean sameOrigin(String origin, String host) {
    try {
      URI uri = new URI(origin);
      // A scheme-relative origin (//host) has a host but no scheme.
      if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
        return false;
      }
      String authority = uri.getRawAuthority();
      return authority != null && authority.equalsIgnoreCase(host.trim());
    } catch (URISyntaxException e) {
      return false;
    }
  }

  private static String printable(String s) {
    String p = s.replaceAll("\\p{Cntrl}", "?");
    return p.length() > 200 ? p.substring(0, 200) + "..." : p;
  }
}
