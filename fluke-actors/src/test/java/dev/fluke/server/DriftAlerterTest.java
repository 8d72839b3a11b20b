package dev.fluke.server;

import static dev.fluke.metrics.MetricSamples.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import dev.fluke.events.MemoryEventStore;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.metrics.FlukeMetrics;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** Alert delivery to a real webhook receiver on loopback (SPEC §6 Alerts). */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DriftAlerterTest {

  @JUnit5TestKit
  ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ManualTime.config()).build();

  private static final Map<String, String> LABELS = Map.of("role", "web");

  private WebhookReceiver webhook;
  private MemoryEventStore events;
  private ActorRef<DriftAlerter.Command> alerter;
  private FlukeMetrics metrics;

  @BeforeEach
  void setUp() throws Exception {
    webhook = new WebhookReceiver();
    events = new MemoryEventStore(50, 10, 10);
    metrics = new FlukeMetrics();
  }

  private Double deliveries(String result) {
    return value(metrics, "fluke_alert_deliveries_total", "result", result);
  }

  @AfterEach
  void tearDown() {
    if (alerter != null) {
      testKit.stop(alerter);
      alerter = null;
    }
    webhook.close();
  }

  private void start(URI uri, int attempts) {
    ServerSettings.Alerts settings =
        new ServerSettings.Alerts(
            uri,
            attempts,
            Duration.ofSeconds(2),
            Duration.ofSeconds(5),
            Duration.ofSeconds(5),
            10,
            100);
    alerter =
        testKit.spawn(
            DriftAlerter.create(
                settings, "9.9.9", events, metrics, TestTime.of(testKit.system()).clock()));
  }

  private void detected(String agent, String task) {
    alerter.tell(
        new DriftAlerter.DriftDetected(
            agent, LABELS, task, DriftPolicy.ALERT_ONLY, "not_remediated"));
  }

  private List<Event> alertEvents(String outcome, int atLeast) {
    return ServerFixture.eventually(
        () -> events.query(new EventQuery(null, null, outcome, 0)).toCompletableFuture().join(),
        l -> l.size() >= atLeast);
  }

  @Test
  void driftDetectedIsPostedAsJson() throws Exception {
    start(webhook.uri(), 3);
    detected("web-01", "cert");
    JsonNode body = webhook.next();
    assertEquals("drift_detected", body.get("event").asText());
    assertEquals("web-01", body.at("/agent/name").asText());
    assertEquals("web", body.at("/agent/labels/role").asText());
    assertEquals("cert", body.get("task").asText());
    assertEquals("alert_only", body.get("policy").asText());
    assertEquals("not_remediated", body.get("remediation_status").asText());
    assertTrue(body.get("timestamp").asText().endsWith("Z"));
    Event sent = alertEvents("sent", 1).get(0);
    assertEquals("alert", sent.kind());
    assertEquals("web-01", sent.agent());
    assertEquals("cert", sent.task());
    assertEquals(1, deliveries("sent"));
    assertEquals(0, deliveries("retrying"));
  }

  @Test
  void alertFiresOncePerEpisode() throws Exception {
    start(webhook.uri(), 3);
    detected("web-01", "cert");
    detected("web-01", "cert");
    detected("web-01", "cert");
    webhook.next();
    alerter.tell(new DriftAlerter.EpisodeEnded("web-01", "cert"));
    detected("web-01", "cert"); // a new episode
    webhook.next();
    detected("web-01", "marker"); // issued after all the above: once it is in, they are too
    assertEquals("marker", webhook.next().get("task").asText());
    alertEvents("sent", 3);
    assertEquals(3, webhook.received().size());
  }

  @Test
  void driftRemediatedCarriesTheOutcomeOncePerEpisode() throws Exception {
    start(webhook.uri(), 3);
    alerter.tell(
        new DriftAlerter.DriftRemediated(
            "web-01", LABELS, "app", DriftPolicy.REMEDIATE_AND_ALERT, "failed"));
    alerter.tell(
        new DriftAlerter.DriftRemediated(
            "web-01", LABELS, "app", DriftPolicy.REMEDIATE_AND_ALERT, "failed"));
    JsonNode body = webhook.next();
    assertEquals("drift_remediated", body.get("event").asText());
    assertEquals("failed", body.get("outcome").asText());
    assertEquals("remediate_and_alert", body.get("policy").asText());
    detected("web-01", "marker");
    assertEquals("marker", webhook.next().get("task").asText());
    assertEquals(2, webhook.received().size());
  }

  @Test
  void failedDeliveryIsRetriedWithBackoff() throws Exception {
    TestTime time = TestTime.of(testKit.system());
    webhook.respondWith(500, 503);
    start(webhook.uri(), 3);
    detected("web-01", "cert");
    ServerFixture.eventually(this::pendingStatuses, n -> n == 1); // the first attempt got 500
    assertEquals(0, webhook.received().size());
    // Retries happen only as time passes (2 s, then 4 s): the third attempt gets 200.
    ServerFixture.eventually(() -> advance(time), n -> n == 1);
    JsonNode delivered = webhook.next();
    assertEquals("cert", delivered.get("task").asText());
    assertTrue(alertEvents("sent", 1).get(0).message().contains("attempt 3"));
    assertEquals(2, deliveries("retrying"));
    assertEquals(1, deliveries("sent"));
    // Every attempt carries the alert's id, so a receiver can drop a redelivery; another alert has
    // another id.
    String id = delivered.get("id").asText();
    assertEquals(java.util.Collections.nCopies(3, id), webhook.attemptIds());
    detected("web-02", "cert");
    assertNotEquals(id, webhook.next().get("id").asText());
  }

  @Test
  void aStoppingServerPostsTheAlertsWaitingForARetryAtOnce() throws Exception {
    webhook.respondWith(500);
    start(webhook.uri(), 3);
    detected("web-01", "cert");
    ServerFixture.eventually(this::pendingStatuses, n -> n == 0); // the first attempt got 500
    ServerFixture.eventually(() -> deliveries("retrying"), n -> n == 1);
    TestProbe<Done> stopping = testKit.createTestProbe();
    alerter.tell(new DriftAlerter.Flush(stopping.getRef()));
    // No time passes (the retry was due in 2 s): the flush posts it now and answers once it is out.
    assertEquals("cert", webhook.next().get("task").asText());
    stopping.expectMessage(Done.getInstance());
    assertEquals(1, deliveries("sent"));
    // Nothing pending: answered at once.
    alerter.tell(new DriftAlerter.Flush(stopping.getRef()));
    stopping.expectMessage(Done.getInstance());
  }

  @Test
  void alertIsUndeliverableAfterTheLastAttempt() {
    TestTime time = TestTime.of(testKit.system());
    webhook.respondWith(500, 500);
    start(webhook.uri(), 2);
    detected("web-01", "cert");
    ServerFixture.eventually(
        () -> {
          advance(time);
          return events
              .query(new EventQuery(null, null, "undeliverable", 0))
              .toCompletableFuture()
              .join();
        },
        l -> !l.isEmpty());
    Event e = alertEvents("undeliverable", 1).get(0);
    assertTrue(e.message().contains("after 2 attempts: HTTP 500"), e.message());
    assertEquals(0, webhook.received().size());
    assertEquals(1, deliveries("retrying"));
    assertEquals(1, deliveries("undeliverable"));
    assertEquals(0, deliveries("sent"));
  }

  @Test
  void withoutAWebhookTheAlertIsRecordedAsUndeliverable() {
    start(null, 3);
    detected("web-01", "cert");
    assertTrue(alertEvents("undeliverable", 1).get(0).message().contains("no alert_webhook"));
    assertEquals(0, deliveries("undeliverable"), "nothing was attempted");
  }

  @Test
  void unreachableWebhookIsRetriedThenGivenUp() {
    TestTime time = TestTime.of(testKit.system());
    URI closed = webhook.uri();
    webhook.close(); // nothing listens there any more
    start(closed, 2);
    detected("web-01", "cert");
    ServerFixture.eventually(
        () -> {
          advance(time);
          return events
              .query(new EventQuery(null, null, "undeliverable", 0))
              .toCompletableFuture()
              .join();
        },
        l -> !l.isEmpty());
    assertTrue(alertEvents("undeliverable", 1).get(0).message().contains("ConnectException"));
  }

  /** Lets a second pass and says how many alerts the receiver accepted so far. */
  private int advance(TestTime time) {
    time.timePasses(Duration.ofSeconds(1));
    return webhook.received().size();
  }

  // Status codes queued in the receiver and not yet used: each failed attempt takes one.
  private int pendingStatuses() {
    return webhook.pendingStatuses();
  }
}
