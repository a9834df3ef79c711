package dev.cairn.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OwnJvmTest {

  @Test
  void command_runsTheOneCaseWithThisJvmsSettingsAndModes_butNotItsFlightRecording() {
    List<String> cmd =
        OwnJvm.command("/jdk/bin/java",
            List.of("-Xmx2g", "-XX:StartFlightRecording=filename=a.jfr", "-XX:+UseG1GC", "-Dcairn.x=1",
                "-agentlib:jdwp=transport=dt_socket", "-XX:FlightRecorderOptions=stackdepth=96"),
            "es-bench.jar", "e2e_latency", Path.of("/tmp/r.json"), true, true);

    assertThat(cmd).containsExactly(
        "/jdk/bin/java", "-Xmx2g", "-XX:+UseG1GC", "-Dcairn.x=1", "-cp", "es-bench.jar", BenchMain.class.getName(),
        "--nested", "--case", "e2e_latency", "--json", "/tmp/r.json", "--quick", "--durable");
    assertThat(OwnJvm.command("java", List.of(), "cp", "relay", Path.of("r.json"), false, false))
        .containsExactly("java", "-cp", "cp", BenchMain.class.getName(), "--nested", "--case", "relay", "--json", "r.json");
  }

  @Test
  void read_givesBackTheChildsRowsAndFailures_asItsReportWroteThem(@TempDir Path dir) throws Exception {
    Result latency =
        Result.latencyP99("e2e_latency", new Latency(18.379, 43.832, 15_000), new Latency(6.664, 16.985, 15_000), 50,
            "stages");
    Wal.Figures wal = new Wal.Figures(2, 1, 856.4, 733.2, 8.0, 5.55, new Interleaved.Runs<>(
        List.of(new Wal.Sample(2, 856.4, false, 8.0)), List.of(new Wal.Sample(1, 733.2, false, 5.55))));
    Result throughput = Result.throughput("append_single_8w", 2, 1, 1.5, "note").withWal(wal);
    Result alone = Result.alone("staleness_p99_end", "ms", 88.0, "<= 1000 ms", true, "note", null);
    Path json = dir.resolve("child.json");
    Report.writeJson(json, Map.of("pg", "embedded"), List.of(latency, throughput, alone), Map.of("relay", "boom"),
        Map.of());

    OwnJvm.Outcome read = OwnJvm.read(json);

    assertThat(read.failed()).containsExactly(Map.entry("relay", "boom"));
    assertThat(read.results()).hasSize(3);
    Result l = read.results().get(0);
    assertThat(l.name()).isEqualTo("e2e_latency");
    assertThat(l.cairnLatency()).isEqualTo(latency.cairnLatency());
    assertThat(l.baselineLatency()).isEqualTo(latency.baselineLatency());
    assertThat(l.met()).isTrue();
    assertThat(l.target()).isEqualTo("p99 <= 50 ms");
    assertThat(l.ratio()).isEqualTo(0.363);
    Result t = read.results().get(1);
    assertThat(t.walBytesPerEvent()).containsExactly(856, 733);
    assertThat(t.eventsPerFlush()).isEqualTo("8.0 / 5.6");
    assertThat(t.met()).isTrue();
    Result a = read.results().get(2);
    assertThat(a.hasBaseline()).isFalse();
    assertThat(a.cairn()).isEqualTo(88.0);
    assertThat(Files.readString(json)).contains("\"results\"");
  }
}
