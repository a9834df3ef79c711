package dev.cairn.bench;

import java.util.List;
import java.util.Map;

/** Every case, in the order a full run takes them, and those still to be written. */
final class Cases {

  private Cases() {}

  /** The cases that exist, in run order; {@code staleness} under the given load. */
  static List<BenchCase> all(StalenessCase.Load staleness) {
    return List.of(
        AppendCase.single(),
        AppendCase.batch100(),
        AppendCase.newStream(),
        new LoadCase(),
        new AxonPeerCase(),
        new RelayCase(),
        new ProjectionRebuildCase(),
        new E2eLatencyCase(),
        new StalenessCase(staleness),
        new CheckoutCase(),
        new TracingCostCase());
  }

  /** Cases the issue asks for whose module is not there yet: name, and what they wait for (none now). */
  static Map<String, String> pending() {
    return Map.of();
  }
}
