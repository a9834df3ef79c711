package dev.cairn.spring;

import org.jspecify.annotations.Nullable;

/** es-admin's API and console, mounted on the application's Spring MVC server. */
public class AdminProperties {
  /** Whether the admin API and console are served (needs es-admin and Spring MVC). */
  private boolean enabled;
  /** Path of the console; the API lives under it, at /api. */
  private String basePath = "/cairn";
  /** Bearer token for mutating requests; without one the server must listen on loopback only. */
  private @Nullable String token;
  /** Whether reads need the token too. */
  private boolean protectReads;

  /**
   * Tells whether the admin API is served.
   *
   * @return whether it is
   */
  public boolean isEnabled() {
    return enabled;
  }

  /**
   * Sets whether the admin API is served.
   *
   * @param enabled true to serve it
   */
  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  /**
   * Returns the base path.
   *
   * @return the path
   */
  public String getBasePath() {
    return basePath;
  }

  /**
   * Sets the base path.
   *
   * @param basePath a path like {@code /cairn}
   * @throws IllegalArgumentException if it does not start with a slash or ends with one
   */
  public void setBasePath(String basePath) {
    if (!basePath.startsWith("/") || basePath.endsWith("/")) {
      throw new IllegalArgumentException("cairn.admin.base-path must be like /cairn (a leading slash, no trailing one) but was " + basePath);
    }
    this.basePath = basePath;
  }

  /**
   * Returns the token, if set.
   *
   * @return the token or null
   */
  public @Nullable String getToken() {
    return token;
  }

  /**
   * Sets the token.
   *
   * @param token at least 16 visible ASCII characters
   */
  public void setToken(@Nullable String token) {
    this.token = token == null || token.isEmpty() ? null : token;
  }

  /**
   * Tells whether reads need the token.
   *
   * @return whether they do
   */
  public boolean isProtectReads() {
    return protectReads;
  }

  /**
   * Sets whether reads need the token.
   *
   * @param protectReads true to protect reads
   */
  public void setProtectReads(boolean protectReads) {
    this.protectReads = protectReads;
  }
}
