package dev.fluke.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LoopbackPortsTest {

  @Test
  void portsAreDistinctBindableAndOutsideTheRangeOutgoingConnectionsTakeTheirsFrom()
      throws Exception {
    int[] ports = LoopbackPorts.free(30);
    assertEquals(30, Arrays.stream(ports).distinct().count(), Arrays.toString(ports));
    int ephemeral = LoopbackPorts.ephemeralLow();
    for (int port : ports) {
      assertTrue(port >= 10_000 && port < ephemeral, port + " below " + ephemeral);
      try (ServerSocket s = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
        assertEquals(port, s.getLocalPort());
      }
    }
  }

  @Test
  void aPortInUseIsNotChosen() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      for (int round = 0; round < 20; round++) {
        for (int port : LoopbackPorts.free(50)) {
          assertTrue(port != taken.getLocalPort());
        }
      }
    }
  }
}
