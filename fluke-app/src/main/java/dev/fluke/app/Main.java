package dev.fluke.app;

import dev.fluke.app.cli.FlukeCommand;

/** Entry point of the one {@code fluke} binary (see {@link FlukeCommand} for the commands). */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    AsyncPool.sizeCommonPool();
    System.exit(FlukeCommand.run(args));
  }
}
