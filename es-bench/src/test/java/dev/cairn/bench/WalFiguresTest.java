package dev.cairn.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The WAL figures' arithmetic and how the report shows them; no server is started. */
class WalFiguresTest {

  private static final Settings ONE_QUICK_PASS = new Settings(true, Duration.ofMillis(1), Duration.ZERO, 3, 10);

  @Test
  void interleaved_reportsEachSidesOwnMedian_notAMixOfBoth() throws Exception {
    Deque<Wal.Sample> cairn = new ArrayDeque<>(List.of(
        new Wal.Sample(1, 0, false, 1), // warm-up, not counted
        new Wal.Sample(100, 900, false, 8), new Wal.Sample(300, 800, false, Double.NaN),
        new Wal.Sample(200, 5000, true, 7.5)));
    Deque<Wal.Sample> axon = new ArrayDeque<>(List.of(
        new Wal.Sample(1, 0, false, 1),
        new Wal.Sample(50, 700, false, 5), new Wal.Sample(60, 710, false, 6), new Wal.Sample(70, 720, false, 4)));

    Wal.Figures f = Wal.interleaved(ONE_QUICK_PASS, new PrintStream(new ByteArrayOutputStream(), true,
        StandardCharsets.UTF_8), "row", d -> cairn.pop(), d -> axon.pop());

    assertThat(f.cairn()).isEqualTo(200);
    assertThat(f.baseline()).isEqualTo(60);
    // The repetition a checkpoint fell into (5000 B/event) does not move the median.
    assertThat(f.cairnWal()).isEqualTo(900);
    assertThat(f.baselineWal()).isEqualTo(710);
    Map<String, Object> json = f.toJson();
    assertThat(json).containsEntry("cairn", 900L).containsEntry("baseline", 710L)
        .containsEntry("repetitions_with_checkpoint", 1L);
    assertThat(json.get("cairn_repetitions")).isEqualTo(List.of(900L, 800L, 5000L));
    // Events per flush: the repetition without a count is left out of the median, not taken as 0.
    assertThat(f.cairnPerFlush()).isEqualTo(7.75);
    assertThat(f.baselinePerFlush()).isEqualTo(5);
    assertThat(json).containsEntry("cairn_events_per_flush", 7.8).containsEntry("baseline_events_per_flush", 5.0);
  }

  @Test
  void eventsPerFlush_isAbsent_whenNoRepetitionCountedAFlush() throws Exception {
    Deque<Wal.Sample> cairn = new ArrayDeque<>(List.of(
        new Wal.Sample(1, 0, false, Double.NaN), new Wal.Sample(100, 900, false, Double.NaN),
        new Wal.Sample(300, 800, false, Double.NaN), new Wal.Sample(200, 700, false, Double.NaN)));
    Deque<Wal.Sample> raw = new ArrayDeque<>(List.of(
        new Wal.Sample(1, 0, false, 2), new Wal.Sample(50, 700, false, 2), new Wal.Sample(60, 710, false, 2),
        new Wal.Sample(70, 720, false, 2)));

    Wal.Figures f = Wal.interleaved(ONE_QUICK_PASS, new PrintStream(new ByteArrayOutputStream(), true,
        StandardCharsets.UTF_8), "row", d -> cairn.pop(), d -> raw.pop());

    assertThat(f.cairnPerFlush()).isNaN();
    assertThat(f.toJson()).doesNotContainKey("cairn_events_per_flush").doesNotContainKey("baseline_events_per_flush");
    assertThat(Result.throughput("row", 2, 1, 1.0, "note").withWal(f).eventsPerFlush()).isNull();
  }

  @Test
  void report_showsTheWalColumn_onlyForRowsThatHaveIt() {
    Wal.Figures f = new Wal.Figures(2, 1, 856.4, 733.2, 8.0, 5.55, new Interleaved.Runs<>(
        List.of(new Wal.Sample(2, 856.4, false, 8.0)), List.of(new Wal.Sample(1, 733.2, false, 5.55))));
    Result withWal = Result.throughput("axon_peer_8w", 2, 1, 1.0, "note").withWal(f);
    Result without = Result.throughput("relay", 2, 1, 0.5, "note");
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();

    Report.printTable(new PrintStream(buffer, true, StandardCharsets.UTF_8), List.of(withWal, without), Map.of(),
        Map.of());

    String table = buffer.toString(StandardCharsets.UTF_8);
    assertThat(table).containsPattern("axon_peer_8w .* 856 / 733 +8\\.0 / 5\\.6");
    assertThat(without.walBytesPerEvent()).isNull();
    assertThat(withWal.toJson()).containsKey("details");
  }
}
