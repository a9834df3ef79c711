package dev.cairn.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.admin.http.ApiResponse;
import dev.cairn.admin.internal.StaticFiles;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StaticFilesTest {

  private final StaticFiles files = new StaticFiles("dev/cairn/admin/console-test/");

  @Test
  void servesAFileWithItsTypeAndNoFraming_andNeverLeavesTheFolder() {
    Optional<ApiResponse> page = files.serve("");
    assertThat(page).isPresent();
    assertThat(new String(page.get().body(), StandardCharsets.UTF_8)).contains("<title>t</title>");
    assertThat(page.get().contentType()).isEqualTo("text/html; charset=utf-8");
    assertThat(page.get().headers()).containsEntry("X-Frame-Options", "DENY").containsEntry("X-Content-Type-Options", "nosniff");
    assertThat(files.serve("index.html")).isPresent();
    for (String bad : new String[] {"../AdminApi.class", "a/../index.html", "./index.html", "/index.html", "a\\b.html", "index", "x.exe", "missing.js"}) {
      assertThat(files.serve(bad)).as(bad).isEmpty();
    }
  }
}
