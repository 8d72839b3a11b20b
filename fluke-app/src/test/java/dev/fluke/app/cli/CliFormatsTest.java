package dev.fluke.app.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.fluke.api.Dto;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class CliFormatsTest {
  private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");

  @Test
  void relativeTimesPickTheLargestSensibleUnit() {
    assertEquals("-", Formats.ago(null, NOW));
    assertEquals("0s ago", Formats.ago(NOW, NOW));
    assertEquals("12s ago", Formats.ago(NOW.minusSeconds(12), NOW));
    assertEquals("119s ago", Formats.ago(NOW.minusSeconds(119), NOW));
    assertEquals("5m ago", Formats.ago(NOW.minusSeconds(5 * 60 + 30), NOW));
    assertEquals("3h ago", Formats.ago(NOW.minus(Duration.ofHours(3)), NOW));
    assertEquals("2d ago", Formats.ago(NOW.minus(Duration.ofDays(2)), NOW));
    assertEquals("just now", Formats.ago(NOW.plusSeconds(2), NOW), "small clock skew");
    assertEquals("in 30s", Formats.ago(NOW.plusSeconds(30), NOW));
  }

  @Test
  void countsListOnlyWhatIsThere() {
    assertEquals("no tasks", Formats.counts(Dto.StatusCounts.EMPTY));
    assertEquals(
        "3 satisfied, 1 drifted, 2 error", Formats.counts(new Dto.StatusCounts(3, 1, 0, 2, 0, 0)));
    assertEquals(
        "1 failed, 1 applying, 4 pending", Formats.counts(new Dto.StatusCounts(0, 0, 1, 0, 4, 1)));
  }

  @Test
  void smallFormats() {
    assertEquals("env=prod,role=web", Formats.labels(Map.of("role", "web", "env", "prod")));
    assertEquals("-", Formats.labels(Map.of()));
    assertEquals("120ms", Formats.millis(120));
    assertEquals("4.2s", Formats.millis(4200));
    assertEquals("2m05s", Formats.millis(125_000));
    assertEquals("first line …", Formats.oneLine("first line\nsecond"));
    assertEquals("-", Formats.oneLine("  "));
    assertEquals("1f2e3d4", Formats.shortCommit("1f2e3d4c5b6a"));
  }

  @Test
  void tablesAlignColumnsAndShowMissingValuesAsDashes() {
    StringWriter out = new StringWriter();
    new Table("NAME", "STATUS", "MESSAGE")
        .add("web-01", "satisfied", null)
        .add("db-0001", null, "multi\nline")
        .print(new PrintWriter(out, true));
    assertEquals(
        "NAME     STATUS     MESSAGE\n"
            + "web-01   satisfied  -\n"
            + "db-0001  -          multi line\n",
        out.toString());
  }

  @Test
  void fieldsAreAligned() {
    StringWriter out = new StringWriter();
    Formats.fields(
        new PrintWriter(out, true), new java.util.LinkedHashMap<>(Map.of("Name", "web-01")));
    assertEquals("Name:  web-01\n", out.toString());
  }

  @Test
  void durationsReadLikeTheConfigFiles() {
    assertEquals(Duration.ofMinutes(5), DurationConverter.parse("5m"));
    assertEquals(Duration.ofMinutes(90), DurationConverter.parse("1h30m"));
    assertEquals(Duration.ofMillis(250), DurationConverter.parse("250ms"));
    assertEquals(Duration.ofDays(2), DurationConverter.parse("2d"));
    assertEquals(Duration.ofSeconds(45), DurationConverter.parse(" 45s "));
    assertEquals(Duration.ofMinutes(90), DurationConverter.parse("1.5h"), "the grammar of HCL");
    for (String bad : new String[] {"", "5", "m5", "5x", "5m garbage", "-5s", "45S"}) {
      assertThrows(
          CommandLine.TypeConversionException.class, () -> DurationConverter.parse(bad), bad);
    }
  }

  @Test
  void versionInfoIsUnknownWhenTheBuildHadNoCommit() {
    Properties unfiltered = new Properties();
    unfiltered.setProperty("version", "${project.version}");
    unfiltered.setProperty("commit", "${fluke.git.commit}");
    unfiltered.setProperty("dirty", "${fluke.git.dirty}");
    VersionInfo none = VersionInfo.of(unfiltered);
    assertEquals(new VersionInfo("unknown", "unknown", false), none);
    assertEquals("fluke unknown (commit unknown)", none.oneLine());

    Properties tarball = new Properties();
    tarball.setProperty("version", "1.2.0");
    tarball.setProperty("commit", "");
    tarball.setProperty("dirty", "true");
    assertEquals(new VersionInfo("1.2.0", "unknown", false), VersionInfo.of(tarball));

    Properties git = new Properties();
    git.setProperty("version", "1.2.0");
    git.setProperty("commit", "4a04fb51c5fe0ce448b7adb7b7505e6e2d86f83d");
    git.setProperty("dirty", "true");
    VersionInfo built = VersionInfo.of(git);
    assertEquals("4a04fb5-dirty", built.shortCommit());
    assertEquals("fluke 1.2.0 (commit 4a04fb5-dirty)", built.oneLine());
  }
}
