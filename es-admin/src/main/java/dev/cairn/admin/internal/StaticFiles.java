package dev.cairn.admin.internal;

import dev.cairn.admin.http.ApiResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Serves the console's static files from a classpath folder. A path with an empty, {@code .} or
 * {@code ..} segment, or a backslash, is never looked up.
 */
public final class StaticFiles {

  private static final Map<String, String> TYPES =
      Map.of(
          "html", "text/html; charset=utf-8",
          "js", "text/javascript; charset=utf-8",
          "mjs", "text/javascript; charset=utf-8",
          "css", "text/css; charset=utf-8",
          "svg", "image/svg+xml",
          "png", "image/png",
          "json", "application/json",
          "ico", "image/x-icon",
          "txt", "text/plain; charset=utf-8");

  private final String folder;
  private final ClassLoader loader;

  /**
   * Serves files from a classpath folder.
   *
   * @param folder e.g. {@code dev/cairn/admin/console/}
   */
  public StaticFiles(String folder) {
    this.folder = folder.endsWith("/") ? folder : folder + "/";
    this.loader = StaticFiles.class.getClassLoader();
  }

  /**
   * Answers a file, if it is there.
   *
   * @param path the path below the folder, {@code ""} for {@code index.html}
   * @return the answer, empty if there is no such file (or the path is not allowed)
   */
  public Optional<ApiResponse> serve(String path) {
    String p = path.isEmpty() || path.endsWith("/") ? path + "index.html" : path;
    if (p.contains("\\") || p.startsWith("/")) {
      return Optional.empty();
    }
    for (String segment : p.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        return Optional.empty();
      }
    }
    int dot = p.lastIndexOf('.');
    String type = dot < 0 ? null : TYPES.get(p.substring(dot + 1).toLowerCase(Locale.ROOT));
    if (type == null) {
      return Optional.empty();
    }
    try (InputStream in = loader.getResourceAsStream(folder + p)) {
      if (in == null) {
        return Optional.empty();
      }
      byte[] bytes = in.readAllBytes();
      return Optional.of(
          new ApiResponse(
              200,
              // No framing: a page elsewhere must not overlay the console's buttons (clickjacking).
              Map.of(
                  "Content-Type", type,
                  "Cache-Control", "no-cache",
                  "X-Content-Type-Options", "nosniff",
                  "X-Frame-Options", "DENY",
                  "Content-Security-Policy", "frame-ancestors 'none'",
                  "Referrer-Policy", "no-referrer"),
              bytes));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
