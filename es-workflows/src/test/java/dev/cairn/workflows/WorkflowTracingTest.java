package dev.cairn.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.testkit.PostgresExtension;
import dev.cairn.workflows.Fulfil.Add;
import dev.cairn.workflows.Fulfil.Open;
import dev.cairn.workflows.Fulfil.Progress;
import dev.cairn.workflows.Fulfil.World;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.testing.junit5.OpenTelemetryExtension;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A process manager runs on a store-fed runner, so each input it folds is a process span in the
 * trace of the command that caused it, and the commands it sends are children of that span. The
 * store and the runner take the SDK from {@code GlobalOpenTelemetry}, which the extension sets.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WorkflowTracingTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension static final OpenTelemetryExtension otel = OpenTelemetryExtension.create();

  @Test
  void commandsSentByAProcess_areInTheTraceOfTheCommandThatStartedIt() {
    World world = new World(pg.dataSource());
    world.stock.handle("apple", new Add(5));
    try (Workflow<Progress> wf = world.workflow(Duration.ofMinutes(5)).build()) {
      wf.migrate();
      wf.start();
      world.requests.handle("r1", new Open("apple", 2));
      await().atMost(Duration.ofSeconds(60)).until(() -> world.events("r1").size() == 2);
    }

    List<SpanData> spans = otel.getSpans();
    SpanData open = command(spans, "Open");
    SpanData reserve = command(spans, "Reserve");
    // Reserve <- (the process's own spans) <- process store <- the Open command's span.
    List<String> ancestors = new java.util.ArrayList<>();
    for (SpanData at = reserve; at != null; ) {
      String parent = at.getParentSpanId();
      at = spans.stream().filter(s -> s.getSpanId().equals(parent)).findFirst().orElse(null);
      if (at != null) {
        ancestors.add(at.getName());
        if (at.getSpanId().equals(open.getSpanId())) {
          break;
        }
      }
    }
    assertThat(ancestors).contains("process store").last().isEqualTo("handle request");
    assertThat(reserve.getTraceId()).isEqualTo(open.getTraceId());
  }

  private static SpanData command(List<SpanData> spans, String type) {
    List<SpanData> found = spans.stream()
        .filter(s -> type.equals(s.getAttributes().get(AttributeKey.stringKey("cairn.command.type"))))
        .toList();
    assertThat(found).as("%s commands among %s", type, spans).hasSize(1);
    return found.get(0);
  }
}
