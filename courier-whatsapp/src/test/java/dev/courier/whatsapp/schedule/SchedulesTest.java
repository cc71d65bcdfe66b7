package dev.courier.whatsapp.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.courier.queue.testing.DatabaseTest;
import dev.courier.queue.testing.TestClock;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.message.Message;
import dev.courier.whatsapp.testing.DomainTestBase;
import dev.courier.whatsapp.validation.InvalidRequestException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

@DatabaseTest
class SchedulesTest extends DomainTestBase {

  private Instance simulator(WhatsApp w) throws Exception {
    return w.instances().create(ORG, json("{\"name\": \"s1\", \"provider\": \"simulator\", \"defaultRegion\": \"BR\"}"));
  }

  private WhatsApp.Builder manual(TestClock clock) {
    return node().clock(clock).scheduleSweepInterval(Duration.ZERO);
  }

  private long messages(String scheduleId) throws Exception {
    return scalar("SELECT count(*) FROM courier_message WHERE metadata->>'scheduleId' = ?", scheduleId);
  }

  @Test
  void aDailyCronInBerlinFollowsTheSpringForwardChange() throws Exception {
    TestClock clock = new TestClock(Instant.parse("2026-03-27T12:00:00Z"));
    WhatsApp w = built(manual(clock));
    Instance i = simulator(w);
    Schedule s = w.schedules().create(ORG, json("{\"instanceId\": \"" + i.id() + "\", \"type\": \"text\","
        + " \"text\": {\"body\": \"Bom dia {{name}}\"}, \"recipients\": [{\"to\": \"+5511999990001\", \"variables\": {\"name\": \"Ana\"}}],"
        + " \"cron\": \"0 9 * * *\", \"timeZone\": \"Europe/Berlin\"}"));
    assertThat(s.nextAt()).isEqualTo(Instant.parse("2026-03-28T08:00:00Z")); // 09:00 CET
    assertThat(w.schedules().sweep()).isZero();
    clock.set(Instant.parse("2026-03-28T08:00:01Z"));
    assertThat(w.schedules().sweep()).isEqualTo(1);
    assertThat(w.schedules().sweep()).isZero();
    assertThat(w.schedules().get(ORG, s.id()).nextAt()).isEqualTo(Instant.parse("2026-03-29T07:00:00Z")); // 09:00 CEST
    clock.set(Instant.parse("2026-03-29T07:00:00Z"));
    assertThat(w.schedules().sweep()).isEqualTo(1);
    assertThat(w.schedules().get(ORG, s.id()).nextAt()).isEqualTo(Instant.parse("2026-03-30T07:00:00Z"));
    assertThat(w.schedules().occurrences(s.id(), 10)).extracting(ScheduleStore.Occurrence::at)
        .containsExactly(Instant.parse("2026-03-29T07:00:00Z"), Instant.parse("2026-03-28T08:00:00Z"));
    assertThat(messages(s.id())).isEqualTo(2);
    String id = w.schedules().occurrences(s.id(), 1).get(0).messageIds().get(0);
    Message m = message(w, id);
    assertThat(m.content().get("body").asText()).isEqualTo("Bom dia Ana");
    assertThat(m.metadata().get("occurrence").asText()).isEqualTo("2026-03-29T07:00:00Z");
  }

  @Test
  void aSkippedLocalTimeRunsRightAfterTheGapAndARepeatedOneRunsOnce() throws Exception {
    TestClock clock = new TestClock(Instant.parse("2026-03-28T12:00:00Z"));
    WhatsApp w = built(manual(clock));
    Instance i = simulator(w);
    String body = "{\"instanceId\": \"" + i.id() + "\", \"type\": \"text\", \"text\": {\"body\": \"x\"},"
        + " \"to\": \"+5511999990004\", \"timeZone\": \"Europe/Berlin\", ";
    // 02:30 does not exist in Berlin on 29 March 2026 (02:00 CET -> 03:00 CEST).
    Schedule spring = w.schedules().create(ORG, json(body + "\"cron\": \"30 2 * * *\"}"));
    // Moved forward by the gap's length, as java.time resolves a gap (CronSchedule's Javadoc says
    // "the first instant after the gap", 03:00; what it does is 03:30).
    assertThat(spring.nextAt()).isEqualTo(Instant.parse("2026-03-29T01:30:00Z")); // 03:30 CEST
    clock.set(Instant.parse("2026-03-29T01:30:00Z"));
    assertThat(w.schedules().sweep()).isEqualTo(1);
    assertThat(w.schedules().get(ORG, spring.id()).nextAt()).isEqualTo(Instant.parse("2026-03-30T00:30:00Z"));
    // 02:30 happens twice on 25 October 2026 (03:00 CEST -> 02:00 CET): once, at the first.
    clock.set(Instant.parse("2026-10-24T12:00:00Z"));
    Schedule autumn = w.schedules().create(ORG, json(body + "\"cron\": \"30 2 * * *\"}"));
    assertThat(autumn.nextAt()).isEqualTo(Instant.parse("2026-10-25T00:30:00Z")); // 02:30 CEST
    clock.set(Instant.parse("2026-10-25T00:30:00Z"));
    assertThat(w.schedules().sweep()).isGreaterThanOrEqualTo(1);
    assertThat(w.schedules().get(ORG, autumn.id()).nextAt()).isEqualTo(Instant.parse("2026-10-26T01:30:00Z")); // 02:30 CET
    clock.set(Instant.parse("2026-10-25T01:30:00Z"));
    w.schedules().sweep();
    assertThat(w.schedules().occurrences(autumn.id(), 10)).hasSize(1);
    assertThat(messages(autumn.id())).isEqualTo(1);
  }

  @Test
  void aOnceScheduleTakesALocalTimeInItsZoneAndCompletes() throws Exception {
    TestClock clock = new TestClock(Instant.parse("2026-03-27T12:00:00Z"));
    WhatsApp w = built(manual(clock));
    Instance i = simulator(w);
    Schedule s = w.schedules().create(ORG, json("{\"instanceId\": \"" + i.id() + "\", \"type\": \"text\","
        + " \"text\": {\"body\": \"lembrete\"}, \"to\": \"11 99999-0002\", \"at\": \"2026-03-29T09:00\", \"timeZone\": \"Europe/Berlin\"}"));
    assertThat(s.nextAt()).isEqualTo(Instant.parse("2026-03-29T07:00:00Z"));
    clock.set(Instant.parse("2026-03-29T07:00:00Z"));
    assertThat(w.schedules().sweep()).isEqualTo(1);
    Schedule after = w.schedules().get(ORG, s.id());
    assertThat(after.status()).isEqualTo("completed");
    assertThat(after.nextAt()).isNull();
    assertThat(messages(s.id())).isEqualTo(1);
    assertThatThrownBy(() -> w.schedules().create(ORG, json("{\"instanceId\": \"" + i.id() + "\", \"type\": \"text\","
        + " \"text\": {\"body\": \"Oi {{name}}\"}, \"to\": \"+5511999990002\", \"cron\": \"61 * * * *\", \"at\": \"x\"}")))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.errors())
            .extracting(err -> err.field()).contains("at", "to"));
  }

  @Test
  void occurrencesDueWhileNoNodeRanAreSentUnlessTooOld() throws Exception {
    TestClock clock = new TestClock(Instant.parse("2026-06-01T12:00:00Z"));
    WhatsApp w = built(manual(clock).scheduleSkipAfter(Duration.ofMinutes(10)));
    Instance i = simulator(w);
    String body = "{\"instanceId\": \"" + i.id() + "\", \"type\": \"text\", \"text\": {\"body\": \"x\"}, \"to\": \"+5511999990003\", ";
    Schedule recent = w.schedules().create(ORG, json(body + "\"at\": \"2026-06-01T12:25:00Z\"}"));
    Schedule old = w.schedules().create(ORG, json(body + "\"at\": \"2026-06-01T12:01:00Z\"}"));
    Schedule hourly = w.schedules().create(ORG, json(body + "\"cron\": \"0 * * * *\"}"));
    // Down from 12:00 to 17:30.
    clock.set(Instant.parse("2026-06-01T12:30:00Z"));
    clock.set(Instant.parse("2026-06-01T17:30:00Z"));
    w.schedules().sweep();
    assertThat(messages(recent.id())).isZero();
    assertThat(w.schedules().occurrences(recent.id(), 5)).singleElement()
        .satisfies(o -> assertThat(o.outcome()).isEqualTo("skipped"));
    assertThat(messages(old.id())).isZero();
    // Of five missed hourly runs only one guard row (skipped); the schedule continues at 18:00.
    assertThat(w.schedules().occurrences(hourly.id(), 10)).extracting(ScheduleStore.Occurrence::outcome)
        .containsExactly("skipped");
    assertThat(w.schedules().get(ORG, hourly.id()).nextAt()).isEqualTo(Instant.parse("2026-06-01T18:00:00Z"));
    // A short outage: the due occurrence is sent at the next sweep.
    clock.set(Instant.parse("2026-06-01T18:05:00Z"));
    assertThat(w.schedules().sweep()).isEqualTo(1);
    assertThat(w.schedules().occurrences(hourly.id(), 10)).extracting(ScheduleStore.Occurrence::outcome)
        .containsExactly("sent", "skipped");
    assertThat(messages(hourly.id())).isEqualTo(1);
  }

  @Test
  void twoNodesSweepingTogetherSendEachOccurrenceOnce() throws Exception {
    TestClock clock = new TestClock(Instant.parse("2026-06-01T12:00:30Z"));
    WhatsApp a = built(manual(clock));
    WhatsApp b = built(manual(clock));
    Instance i = simulator(a);
    Schedule s = a.schedules().create(ORG, json("{\"instanceId\": \"" + i.id() + "\", \"type\": \"text\","
        + " \"text\": {\"body\": \"tick\"}, \"cron\": \"* * * * *\", \"timeZone\": \"America/Sao_Paulo\","
        + " \"recipients\": [{\"to\": \"+5511999990001\"}, {\"to\": \"+5511999990002\"}, {\"to\": \"+5511999990003\"}]}"));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      for (int minute = 1; minute <= 5; minute++) {
        clock.set(Instant.parse("2026-06-01T12:00:30Z").plusSeconds(60L * minute));
        List<Callable<Integer>> sweeps = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
          WhatsApp node = k % 2 == 0 ? a : b;
          sweeps.add(() -> node.schedules().sweep());
        }
        int handled = 0;
        for (Future<Integer> f : pool.invokeAll(sweeps)) {
          handled += f.get();
        }
        assertThat(handled).as("minute " + minute).isEqualTo(1);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(a.schedules().occurrences(s.id(), 10)).hasSize(5).allMatch(o -> o.messageIds().size() == 3);
    assertThat(messages(s.id())).isEqualTo(15);
  }

  @Test
  void aStartedNodeSendsADueScheduleThroughTheSimulator() throws Exception {
    WhatsApp w = started(node().scheduleSweepInterval(Duration.ofMillis(200)));
    Instance i = simulator(w);
    Schedule s = w.schedules().create(ORG, json("{\"instanceId\": \"" + i.id() + "\", \"type\": \"text\","
        + " \"text\": {\"body\": \"agora\"}, \"to\": \"+5511999990009\", \"at\": \"" + Instant.now().plusSeconds(1) + "\"}"));
    await().atMost(Duration.ofSeconds(15)).until(() -> w.outbox(ORG, i.id(), 0, 10).size() == 1);
    assertThat(w.schedules().get(ORG, s.id()).status()).isEqualTo("completed");
    w.schedules().delete(ORG, s.id());
    assertThatThrownBy(() -> w.schedules().get(ORG, s.id())).hasMessageContaining(s.id());
  }
}
