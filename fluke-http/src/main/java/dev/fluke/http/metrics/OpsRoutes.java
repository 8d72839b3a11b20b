package dev.fluke.http.metrics;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.metrics.FlukeMetrics;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.http.javadsl.marshallers.jackson.Jackson;
import org.apache.pekko.http.javadsl.marshalling.Marshaller;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The endpoints for operators' tooling, beside {@code /healthz}; no API token, like {@code
 * /healthz}, since load balancers and Prometheus scrape them (they expose counts, never agent or
 * task names):
 *
 * <ul>
 *   <li>{@code GET /readyz}: 200 when {@link Readiness} says so, else 503; both with the report
 *       {@code {"ready": bool, "checks": [{"name", "ok", "detail"}]}}.
 *   <li>{@code GET /metrics}: {@link FlukeMetrics} (Fluke's own, the JVM's and the process's
 *       metrics) in the Prometheus text format 0.0.4, whatever the {@code Accept} header asks:
 *       every Prometheus version and every other scraper reads it. Rendering reads in-memory
 *       counters, the JVM's management beans and {@code /proc/self}: cheap enough to run on the
 *       route's thread.
 * </ul>
 */
public final class OpsRoutes {
  private static final ContentType PROMETHEUS = ContentTypes.parse(FlukeMetrics.CONTENT_TYPE);

  private final FlukeMetrics metrics;
  private final Readiness readiness;
  private final Marshaller<Readiness.Report, RequestEntity> json;

  public OpsRoutes(FlukeMetrics metrics, Readiness readiness, ObjectMapper mapper) {
    this.metrics = metrics;
    this.readiness = readiness;
    this.json = Jackson.marshaller(mapper);
  }

  public Route routes() {
    return concat(path("readyz", () -> get(this::ready)), path("metrics", () -> get(this::scrape)));
  }

  private Route ready() {
    return onSuccess(
        readiness::check,
        report ->
            complete(
                report.ready() ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE, report, json));
  }

  private Route scrape() {
    return complete(
        HttpResponse.create()
            .withEntity(
                HttpEntities.create(
                    PROMETHEUS, metrics.scrape().getBytes(StandardCharsets.UTF_8))));
  }
}
