package dev.fluke.app;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on a free loopback port in front of a server, that a test can freeze: while frozen it
 * passes no byte either way but keeps every connection open, as a server stopped with {@code kill
 * -STOP} or cut off by a silent partition does (TCP stays up, nothing answers). {@link #resume()}
 * lets the bytes flow again.
 */
final class FreezableProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final int target;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final Object gate = new Object();
  private volatile boolean frozen;
  private volatile boolean closed;

  FreezableProxy(int targetPort) throws IOException {
    this.target = targetPort;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    daemon("proxy-accept-" + port(), this::accept);
  }

  int port() {
    return listener.getLocalPort();
  }

  void freeze() {
    frozen = true;
  }

  void resume() {
    synchronized (gate) {
      frozen = false;
      gate.notifyAll();
    }
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return; // closed
      }
      Socket server = new Socket();
      try {
        server.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 5000);
      } catch (IOException e) {
        closeQuietly(client); // the server is down: the client sees its connection refused
        continue;
      }
      sockets.add(client);
      sockets.add(server);
      daemon("proxy-up", () -> pump(client, server));
      daemon("proxy-down", () -> pump(server, client));
    }
  }

  private void pump(Socket from, Socket to) {
    byte[] buffer = new byte[16 * 1024];
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        awaitThaw();
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException | InterruptedException e) {
      // one side closed
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private void awaitThaw() throws InterruptedException {
    synchronized (gate) {
      while (frozen && !closed) {
        gate.wait();
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    resume();
    closeQuietly(listener);
    sockets.forEach(FreezableProxy::closeQuietly);
  }

  private static void daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // closing anyway
    }
  }
}
