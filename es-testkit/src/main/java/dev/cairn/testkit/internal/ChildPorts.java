package dev.cairn.testkit.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks the listening ports of the Kafka processes this kit starts.
 *
 * <p>A port is picked here and bound seconds later by a child JVM. Picked from the kernel's
 * ephemeral range, as {@code new ServerSocket(0)} picks, it can be taken meanwhile as the local
 * port of an outgoing connection of this JVM (a Kafka client, a database pool): the child then
 * fails to bind it and exits. So ports are picked below that range, where the kernel never puts
 * an outgoing connection, are checked free by binding them, and are never handed out twice by
 * this JVM.
 */
final class ChildPorts {

  /** The lowest port picked: above the ports services usually listen on. */
  static final int LOWEST = 10_000;

  /** The start of Linux's default ephemeral range; macOS's and Windows' start higher. */
  static final int DEFAULT_EPHEMERAL_START = 32_768;

  private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
  private static final int ATTEMPTS = 200;
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  private ChildPorts() {}

  /**
   * Picks a port that is free now, below the ephemeral range, and not picked before by this JVM.
   *
   * @return the port
   * @throws IOException if no port is free, not even one the kernel chooses
   */
  static int pick() throws IOException {
    int end = ephemeralStart();
    if (end - LOWEST >= 1_000) {
      for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        int port = ThreadLocalRandom.current().nextInt(LOWEST, end);
        if (HANDED_OUT.add(port) && free(port)) {
          return port;
        }
      }
    }
    // An unusual range (or a crowded machine): the kernel's choice, as before.
    try (ServerSocket socket = new ServerSocket(0)) {
      HANDED_OUT.add(socket.getLocalPort());
      return socket.getLocalPort();
    }
  }

  /** The first port of the kernel's ephemeral range (Linux's default where it cannot be read). */
  static int ephemeralStart() {
    // Read as a stream: procfs reports a size of 0, which Files.readString trusts (it read "3").
    try (BufferedReader in = Files.newBufferedReader(EPHEMERAL_RANGE)) {
      return Integer.parseInt(in.readLine().trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException unreadable) {
      return DEFAULT_EPHEMERAL_START;
    }
  }

  private static boolean free(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException taken) {
      return false;
    }
  }
}
