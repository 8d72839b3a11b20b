package dev.fluke.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free loopback ports for servers a bench or a test starts in other processes, which bind them a
 * moment (or seconds) later. Two ways a port "chosen free" is taken meanwhile: a port the kernel
 * hands out for {@code bind(0)} and that is closed again may come out once more (two nodes with one
 * port), and it lies in the kernel's ephemeral range, from which every outgoing connection of the
 * machine (gossip, agents, Redis) takes its local port. So the ports are picked at random below the
 * ephemeral range ({@code /proc/sys/net/ipv4/ip_local_port_range}), where no outgoing connection is
 * given one, each checked bindable and all held until all are chosen.
 */
public final class LoopbackPorts {
  private static final int LOWEST = 10_000;

  private LoopbackPorts() {}

  /** {@code n} distinct ports free on 127.0.0.1 now. */
  public static int[] free(int n) throws IOException {
    int below = ephemeralLow();
    List<ServerSocket> held = new ArrayList<>();
    Set<Integer> chosen = new LinkedHashSet<>();
    try {
      for (int tries = 0; chosen.size() < n && tries < 1000; tries++) {
        int port =
            below - LOWEST >= 1000
                ? ThreadLocalRandom.current().nextInt(LOWEST, below)
                : 0; // an unusual range: the kernel's choice, held like the others
        try {
          ServerSocket s = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
          held.add(s);
          chosen.add(s.getLocalPort());
        } catch (IOException inUse) {
          // taken: try another
        }
      }
      if (chosen.size() < n) {
        throw new IOException("found only " + chosen.size() + " of " + n + " free loopback ports");
      }
      return chosen.stream().mapToInt(Integer::intValue).toArray();
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
  }

  /** The first port of the kernel's ephemeral range (32768 when it cannot be read). */
  static int ephemeralLow() {
    try {
      // read line by line: procfs gives its files a size of 0, which readString trusts
      String range =
          Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim();
      return Integer.parseInt(range.split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 32768;
    }
  }
}
