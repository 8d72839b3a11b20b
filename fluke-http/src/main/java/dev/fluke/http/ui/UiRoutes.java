package dev.fluke.http.ui;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import java.util.List;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The web UI: {@code GET /} is the single page ({@code fluke-ui/index.html} in this jar), its
 * scripts, styles and icon are under {@code /ui/}. Plain files, no build step, nothing loaded from
 * elsewhere: the Content-Security-Policy allows this origin only, so the page cannot be made to
 * load or send anything to another host, and no inline script runs.
 */
public final class UiRoutes {
  static final String RESOURCE_DIR = "fluke-ui";

  static final String CSP =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self';"
          + " font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

  private static final List<HttpHeader> HEADERS =
      List.of(
          HttpHeader.parse("Content-Security-Policy", CSP),
          HttpHeader.parse("X-Content-Type-Options", "nosniff"),
          HttpHeader.parse("Referrer-Policy", "no-referrer"),
          HttpHeader.parse("X-Frame-Options", "DENY"),
          // Small files: always revalidate (Last-Modified), so an upgraded server never serves
          // stale code.
          HttpHeader.parse("Cache-Control", "no-cache"));

  public Route routes() {
    return get(
        () ->
            respondWithHeaders(
                HEADERS,
                () ->
                    concat(
                        pathSingleSlash(() -> getFromResource(RESOURCE_DIR + "/index.html")),
                        pathPrefix("ui", () -> getFromResourceDirectory(RESOURCE_DIR)))));
  }
}
