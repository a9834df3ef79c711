package dev.cairn.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

class ChildPortsTest {

  @Test
  void pick_isBelowTheEphemeralRange_soNoOutgoingConnectionCanTakeItBeforeTheChildBindsIt() throws IOException {
    int ephemeralStart = ChildPorts.ephemeralStart();

    for (int i = 0; i < 20; i++) {
      assertThat(ChildPorts.pick()).isBetween(ChildPorts.LOWEST, ephemeralStart - 1);
    }
  }

  @Test
  void pick_isNeverTheSamePortTwice() throws IOException {
    Set<Integer> picked = new HashSet<>();

    for (int i = 0; i < 200; i++) {
      assertThat(picked.add(ChildPorts.pick())).isTrue();
    }
  }

  @Test
  void pick_isAPortThatCanBeBound() throws IOException {
    int port = ChildPorts.pick();

    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      assertThat(socket.getLocalPort()).isEqualTo(port);
    }
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void ephemeralStart_isReadFromTheKernel() throws IOException {
    String range;
    try (BufferedReader in = Files.newBufferedReader(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
      range = in.readLine();
    }

    assertThat(range).startsWith(ChildPorts.ephemeralStart() + "\t");
  }
}
