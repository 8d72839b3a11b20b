package dev.fluke.exec;

import static dev.fluke.exec.Specs.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.testing.FakeSystemctl;
import dev.fluke.testing.TestTools;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SystemdExecutorTest {
  private static final String UNIT = "app.service";
  @TempDir Path tmp;
  private final SystemdExecutor systemd =
      new SystemdExecutor(new ProcessRunner(Duration.ofMillis(500)));
  private FakeSystemctl systemctl;
  private ExecSettings settings;

  @BeforeEach
  void setUp() {
    systemctl = FakeSystemctl.create(tmp.resolve("systemctl"));
    settings = TestTools.withSystemctl(TestTools.settingsWithoutMise(tmp), systemctl.path());
  }

  @Test
  void declaresTheSystemdSchema() {
    assertEquals("systemd", systemd.type());
    assertEquals(BuiltinSchemas.SYSTEMD, systemd.schema());
  }

  @Test
  void runningAndEnabledUnitIsSatisfied() {
    systemctl.setActive(UNIT, true).setEnabled(UNIT, true);
    StepResult r =
        systemd.check(
            spec("systemd", "unit", UNIT, "state", "running", "enabled", true),
            ExecContext.of(settings));
    assertEquals(Outcome.SATISFIED, r.outcome(), r.message());
    assertEquals(List.of("is-active app.service", "is-enabled app.service"), systemctl.calls());
    assertTrue(r.message().contains("active (want running)"), r.message());
  }

  @Test
  void whatAnApplyRunsLeadsItsOwnProcessGroupAndWhatACheckRunsDoesNot() {
    var s = spec("systemd", "unit", UNIT, "state", "running", "enabled", true);
    assertEquals(Outcome.DRIFTED, systemd.check(s, ExecContext.of(settings)).outcome());
    assertEquals(List.of("is-active member", "is-enabled member"), systemctl.groupRoles());
    assertEquals(Outcome.APPLIED, systemd.apply(s, ExecContext.of(settings)).outcome());
    assertEquals(
        List.of(
            "is-active member",
            "is-enabled member",
            "is-active leader",
            "is-enabled leader",
            "enable leader",
            "start leader"),
        systemctl.groupRoles());
  }

  @Test
  void stoppedUnitIsDriftedAndApplyOnlyStartsIt() {
    systemctl.setEnabled(UNIT, true);
    var s = spec("systemd", "unit", UNIT, "state", "running", "enabled", true);
    assertEquals(Outcome.DRIFTED, systemd.check(s, ExecContext.of(settings)).outcome());

    List<String> lines = new CopyOnWriteArrayList<>();
    StepResult r = systemd.apply(s, new ExecContext(settings, lines::add, () -> false));
    assertEquals(Outcome.APPLIED, r.outcome(), r.message());
    assertEquals(List.of("start app.service"), systemctl.changes());
    assertEquals(List.of("$ systemctl start app.service"), lines);
    assertTrue(systemctl.isActive(UNIT));
    assertEquals(Outcome.SATISFIED, systemd.check(s, ExecContext.of(settings)).outcome());
  }

  @Test
  void disabledUnitGetsOnlyEnabled() {
    systemctl.setActive(UNIT, true);
    var s = spec("systemd", "unit", UNIT, "state", "running", "enabled", true);
    assertEquals(Outcome.DRIFTED, systemd.check(s, ExecContext.of(settings)).outcome());
    assertEquals(Outcome.APPLIED, systemd.apply(s, ExecContext.of(settings)).outcome());
    assertEquals(List.of("enable app.service"), systemctl.changes());
  }

  @Test
  void wantedStoppedAndDisabledDisablesThenStops() {
    systemctl.setActive(UNIT, true).setEnabled(UNIT, true);
    var s = spec("systemd", "unit", UNIT, "state", "stopped", "enabled", false);
    assertEquals(Outcome.DRIFTED, systemd.check(s, ExecContext.of(settings)).outcome());
    StepResult r = systemd.apply(s, ExecContext.of(settings));
    assertEquals(Outcome.APPLIED, r.outcome());
    assertEquals(List.of("disable app.service", "stop app.service"), systemctl.changes());
    assertTrue(
        r.output().contains("Removed /etc/systemd/system/multi-user.target.wants/app.service."),
        r.output());
    assertEquals(Outcome.SATISFIED, systemd.check(s, ExecContext.of(settings)).outcome());
  }

  @Test
  void defaultsAreRunningAndEnabled() {
    var s = spec("systemd", "unit", UNIT);
    assertEquals(Outcome.DRIFTED, systemd.check(s, ExecContext.of(settings)).outcome());
    systemd.apply(s, ExecContext.of(settings));
    assertEquals(List.of("enable app.service", "start app.service"), systemctl.changes());
  }

  @Test
  void applyWithNothingDifferingChangesNothing() {
    systemctl.setActive(UNIT, true).setEnabled(UNIT, true);
    StepResult r = systemd.apply(spec("systemd", "unit", UNIT), ExecContext.of(settings));
    assertEquals(Outcome.APPLIED, r.outcome());
    assertEquals("nothing to do", r.message());
    assertEquals(List.of(), systemctl.changes());
  }

  @Test
  void staticUnitsEnablementIsNotManaged() {
    systemctl.setActive(UNIT, true).setEnabledWord(UNIT, "static");
    assertEquals(
        Outcome.SATISFIED,
        systemd
            .check(spec("systemd", "unit", UNIT, "enabled", false), ExecContext.of(settings))
            .outcome());
  }

  @Test
  void failingStartIsFailed() {
    systemctl.setEnabled(UNIT, true).failVerb("start");
    StepResult r = systemd.apply(spec("systemd", "unit", UNIT), ExecContext.of(settings));
    assertEquals(Outcome.FAILED, r.outcome());
    assertEquals(1, r.exitCode());
    assertTrue(r.message().contains("systemctl start app.service failed"), r.message());
    assertTrue(r.output().contains("stand-in told to fail"), r.output());
  }

  @Test
  void systemctlThatCannotReachSystemdIsAnErrorNotDrift() {
    systemctl.breakBus();
    StepResult r = systemd.check(spec("systemd", "unit", UNIT), ExecContext.of(settings));
    assertEquals(Outcome.ERROR, r.outcome());
    assertTrue(r.message().contains("Failed to connect to bus"), r.message());
    StepResult a = systemd.apply(spec("systemd", "unit", UNIT), ExecContext.of(settings));
    assertEquals(Outcome.ERROR, a.outcome());
    assertEquals(List.of(), systemctl.changes());
  }

  @Test
  void missingSystemctlIsAnError() {
    StepResult r =
        systemd.check(
            spec("systemd", "unit", UNIT),
            ExecContext.of(TestTools.withSystemctl(settings, tmp.resolve("nope/systemctl"))));
    assertEquals(Outcome.ERROR, r.outcome());
    assertTrue(r.message().contains("command not found"), r.message());
  }
}
