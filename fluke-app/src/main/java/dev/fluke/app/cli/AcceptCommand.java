package dev.fluke.app.cli;

import dev.fluke.api.Dto;
import dev.fluke.app.client.ApiClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code fluke accept rewrite COMMIT}: with {@code git { on_force_push = "refuse" }}, accepts the
 * refused rewrite (force push) of the manifest branch whose new tip is COMMIT ({@code POST
 * /api/v1/manifest/accept}); the server fetches at once and follows it. {@code fluke get manifest}
 * shows the refused commit. Exits 1 with the server's reason when no such rewrite is waiting.
 */
@Command(
    name = "accept",
    description = "Accept what the server refused until an operator says so.",
    mixinStandardHelpOptions = true,
    subcommands = {AcceptCommand.Rewrite.class})
final class AcceptCommand extends GroupCommand {

  @Command(
      name = "rewrite",
      description =
          "Accept the refused rewrite (force push) of the manifest branch to COMMIT (see 'fluke get"
              + " manifest'); the server then follows it.",
      mixinStandardHelpOptions = true)
  static final class Rewrite extends ClientCommand {
    @Parameters(
        paramLabel = "COMMIT",
        description = "The refused commit: its id, or a prefix of at least 7 hex digits.")
    String commit;

    @Override
    public Integer call() {
      ApiClient.Reply<Dto.RewriteAccepted> reply = client().acceptRewrite(commit);
      if (json()) {
        printJson(reply.json());
      } else {
        out().println("Accepted: " + reply.value().message());
        out().println("See 'fluke get manifest' for the commit in force.");
      }
      return 0;
    }
  }
}
