package dev.fluke.metrics;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MetricRegistryTest {
  @Test
  void counterWithLabelsRendersHelpTypeAndSortedSamples() {
    MetricRegistry registry = new MetricRegistry();
    Counter c = registry.counter("jobs_total", "Jobs done.", "kind");
    c.labels("b").inc();
    c.labels("a").inc(2.5);
    c.labels("b").inc();
    assertEquals(
        "# HELP jobs_total Jobs done.\n"
            + "# TYPE jobs_total counter\n"
            + "jobs_total{kind=\"a\"} 2.5\n"
            + "jobs_total{kind=\"b\"} 2\n",
        registry.scrape());
  }

  @Test
  void labelValuesAndHelpAreEscaped() {
    MetricRegistry registry = new MetricRegistry();
    registry.gauge("odd", "Help with \\ and\nnewline.", "v").labels("say \"hi\"\\\nbye").set(1);
    assertEquals(
        "# HELP odd Help with \\\\ and\\nnewline.\n"
            + "# TYPE odd gauge\n"
            + "odd{v=\"say \\\"hi\\\"\\\\\\nbye\"} 1\n",
        registry.scrape());
  }

  @Test
  void histogramBucketsAreCumulativeAndInfEqualsCount() {
    MetricRegistry registry = new MetricRegistry();
    Histogram h = registry.histogram("latency_seconds", "Latency.", new double[] {0.1, 1, 10});
    for (double v : new double[] {0.05, 0.1, 0.5, 2, 20, 30}) {
      h.observe(v);
    }
    assertEquals(
        "# HELP latency_seconds Latency.\n"
            + "# TYPE latency_seconds histogram\n"
            + "latency_seconds_bucket{le=\"0.1\"} 2\n"
            + "latency_seconds_bucket{le=\"1\"} 3\n"
            + "latency_seconds_bucket{le=\"10\"} 4\n"
            + "latency_seconds_bucket{le=\"+Inf\"} 6\n"
            + "latency_seconds_sum 52.65\n"
            + "latency_seconds_count 6\n",
        registry.scrape());
  }

  @Test
  void histogramLabelsComeBeforeLe() {
    MetricRegistry registry = new MetricRegistry();
    registry.histogram("d", "D.", new double[] {1}, "phase").labels("check").observe(0.5);
    assertTrue(
        registry.scrape().contains("d_bucket{phase=\"check\",le=\"1\"} 1\n"), registry.scrape());
  }

  @Test
  void gaugeFromSupplierIsReadAtScrapeAndNaNLeavesItOut() {
    MetricRegistry registry = new MetricRegistry();
    double[] value = {Double.NaN};
    registry.gauge("age_seconds", "Age.", () -> value[0]);
    assertEquals("# HELP age_seconds Age.\n# TYPE age_seconds gauge\n", registry.scrape());
    value[0] = 12.5;
    assertTrue(registry.scrape().endsWith("age_seconds 12.5\n"), registry.scrape());
    Gauge read = (Gauge) registry.gauge("other", "O.", () -> 1);
    assertThrows(IllegalStateException.class, () -> read.set(2));
  }

  @Test
  void gaugeGoesUpAndDown() {
    MetricRegistry registry = new MetricRegistry();
    Gauge.Child g = registry.gauge("g", "G.").labels();
    g.inc();
    g.inc();
    g.dec();
    g.add(0.5);
    assertEquals(1.5, g.value());
  }

  @Test
  void specialValuesUseGoSpelling() {
    assertEquals("+Inf", PrometheusText.formatValue(Double.POSITIVE_INFINITY));
    assertEquals("-Inf", PrometheusText.formatValue(Double.NEGATIVE_INFINITY));
    assertEquals("NaN", PrometheusText.formatValue(Double.NaN));
    assertEquals("0", PrometheusText.formatValue(-0.0));
    assertEquals("1.0E20", PrometheusText.formatValue(1e20));
  }

  @Test
  void badNamesLabelsAndDuplicatesAreRefused() {
    MetricRegistry registry = new MetricRegistry();
    assertThrows(IllegalArgumentException.class, () -> registry.counter("1bad", "x"));
    assertThrows(
        IllegalArgumentException.class, () -> registry.counter("ok_total", "x", "bad-label"));
    assertThrows(
        IllegalArgumentException.class, () -> registry.counter("ok_total", "x", "__reserved"));
    assertThrows(
        IllegalArgumentException.class, () -> registry.histogram("h", "x", new double[] {1}, "le"));
    assertThrows(
        IllegalArgumentException.class, () -> registry.histogram("h", "x", new double[] {2, 1}));
    registry.histogram("h", "x", new double[] {1});
    assertThrows(IllegalArgumentException.class, () -> registry.counter("h_count", "x"));
    assertThrows(IllegalArgumentException.class, () -> registry.gauge("h", "x"));
  }

  @Test
  void wrongNumberOfLabelValuesAndNegativeIncrementsAreRefused() {
    Counter c = new MetricRegistry().counter("c_total", "C.", "a", "b");
    assertThrows(IllegalArgumentException.class, () -> c.labels("x"));
    assertThrows(IllegalArgumentException.class, () -> c.labels("x", "y").inc(-1));
    assertThrows(NullPointerException.class, () -> c.labels("x", null));
  }

  @Test
  void concurrentUpdatesAreAllCounted() throws Exception {
    MetricRegistry registry = new MetricRegistry();
    Counter c = registry.counter("hits_total", "Hits.", "t");
    Histogram h = registry.histogram("obs", "Obs.", new double[] {1, 2});
    int threads = 4;
    int perThread = 20_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      String label = "t" + (t % 2);
      futures.add(
          pool.submit(
              () -> {
                start.await();
                for (int i = 0; i < perThread; i++) {
                  c.labels(label).inc();
                  h.observe(i % 3);
                  if (i % 5000 == 0) {
                    registry.scrape(); // scrapes racing with updates must not fail
                  }
                }
                return null;
              }));
    }
    start.countDown();
    for (Future<?> f : futures) {
      f.get(30, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertEquals(threads * perThread, c.labels("t0").value() + c.labels("t1").value());
    assertEquals(threads * perThread, h.labels().count());
    assertTrue(registry.scrape().contains("obs_bucket{le=\"+Inf\"} " + threads * perThread + "\n"));
  }
}
