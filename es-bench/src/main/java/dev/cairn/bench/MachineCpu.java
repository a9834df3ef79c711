package dev.cairn.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The whole machine's CPU time so far, from the first line of Linux's {@code /proc/stat}, in
 * clock ticks: to tell from two readings how busy the machine was and how much of its time the
 * hypervisor gave to other guests ({@code steal}). A slow repetition with a high steal was the
 * VM's, not the code's.
 *
 * @param busy ticks spent running anything (user, nice, system, irq, softirq)
 * @param steal ticks this guest wanted to run but the hypervisor ran another
 * @param total every tick counted (busy, idle, iowait and steal)
 */
record MachineCpu(long busy, long steal, long total) {

  private static final Path PROC_STAT = Path.of("/proc/stat");

  /** This machine's counters now, or null where {@code /proc/stat} cannot be read (not Linux). */
  static @Nullable MachineCpu read() {
    try {
      return parse(Files.readAllLines(PROC_STAT).get(0));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Parses the summary line, {@code cpu user nice system idle iowait irq softirq steal ...}; guest
   * time is already inside user and nice, so it is not added again.
   *
   * @throws IllegalArgumentException if the line is not the summary line or has too few fields
   */
  static MachineCpu parse(String line) {
    String[] f = line.trim().split("\\s+");
    if (!f[0].equals("cpu") || f.length < 9) {
      throw new IllegalArgumentException(
          "not /proc/stat's summary line (cpu and at least 8 counters): '" + line + "'");
    }
    long[] v = new long[8];
    for (int i = 0; i < v.length; i++) {
      v[i] = Long.parseLong(f[i + 1]);
    }
    long busy = v[0] + v[1] + v[2] + v[5] + v[6];
    long total = busy + v[3] + v[4] + v[7];
    return new MachineCpu(busy, v[7], total);
  }

  /**
   * How the machine spent the time since {@code earlier}, as "machine busy 87%, stolen 12%"; empty
   * if either reading is missing or no tick passed.
   */
  static String describe(@Nullable MachineCpu earlier, @Nullable MachineCpu later) {
    if (earlier == null || later == null || later.total <= earlier.total) {
      return "";
    }
    double ticks = later.total - earlier.total;
    return String.format(Locale.ROOT, "machine busy %.0f%%, stolen %.0f%%",
        100 * (later.busy - earlier.busy) / ticks, 100 * (later.steal - earlier.steal) / ticks);
  }
}
