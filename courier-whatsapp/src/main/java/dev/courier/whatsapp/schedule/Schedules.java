package dev.courier.whatsapp.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.queue.AfterCommit;
import dev.courier.queue.CronSchedule;
import dev.courier.whatsapp.Ids;
import dev.courier.whatsapp.NotFoundException;
import dev.courier.whatsapp.campaign.Placeholders;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.instance.Instances;
import dev.courier.whatsapp.instance.ProviderKind;
import dev.courier.whatsapp.message.ConflictException;
import dev.courier.whatsapp.message.MessageTypes;
import dev.courier.whatsapp.message.Messages;
import dev.courier.whatsapp.message.Recipients;
import dev.courier.whatsapp.store.IdempotencyKeys;
import dev.courier.whatsapp.store.Tx;
import dev.courier.whatsapp.validation.FieldError;
import dev.courier.whatsapp.validation.FieldReader;
import dev.courier.whatsapp.validation.InvalidRequestException;
import dev.courier.whatsapp.validation.RequestHash;
import java.sql.SQLException;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Schedules (automations): a message, template variables allowed, to one or more recipients, once
 * ({@code at}) or on a cron expression in a time zone (until an optional {@code endAt}). Every node
 * sweeps for due occurrences every few seconds; an occurrence's guard row (unique per schedule and
 * occurrence) commits with its messages, so each occurrence sends exactly once across nodes and
 * restarts. An occurrence that came due while no node ran is sent at the next sweep unless it is
 * older than the skip age, then it is recorded as skipped; of many missed cron occurrences only the
 * latest within the skip age is sent.
 */
public final class Schedules {
  public static final int MAX_RECIPIENTS = 1_000;
  public static final Duration DEFAULT_SWEEP_INTERVAL = Duration.ofSeconds(2);
  public static final Duration DEFAULT_SKIP_AFTER = Duration.ofHours(1);
  /** Occurrences one sweep handles at most (the next sweep continues). */
  static final int SWEEP_LIMIT = 200;
  private static final Logger LOG = LoggerFactory.getLogger(Schedules.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> SCHEDULE_FIELDS =
      Set.of("name", "to", "recipients", "at", "cron", "timeZone", "endAt");
  private static final Set<String> MESSAGE_FIELDS = Set.of("instanceId", "type", "priority", "typing", "metadata");
  private static final String PROBE_NUMBER = "+5511999999999";
  private static final String CREATE_SCOPE = "schedule.create";
  /** Times from the year 10000 on are refused (the database and ISO-8601 text both end there). */
  static final Instant END_OF_TIME = Instant.parse("9999-12-31T23:59:59Z").plusSeconds(1);

  private final DataSource dataSource;
  private final ScheduleStore store;
  private final Instances instances;
  private final Messages messages;
  private final Clock clock;
  private final Duration skipAfter;
  private final IdempotencyKeys keys = new IdempotencyKeys();
  private ScheduledExecutorService sweeper;

  public Schedules(DataSource dataSource, ScheduleStore store, Instances instances, Messages messages, Clock clock,
      Duration skipAfter) {
    this.dataSource = dataSource;
    this.store = store;
    this.instances = instances;
    this.messages = messages;
    this.clock = clock;
    this.skipAfter = skipAfter;
  }

  /** A schedule created (or, for a repeated Idempotency-Key, created before). */
  public record Created(Schedule schedule, boolean replayed) {}

  /** Validates and stores a schedule ({@code active}). */
  public Schedule create(String organizationId, JsonNode body) throws SQLException {
    return create(organizationId, body, null).schedule();
  }

  /**
   * {@link #create(String, JsonNode)} with an Idempotency-Key: the same key and body within 24 h
   * return the schedule the first request created; the same key with another body is refused.
   */
  public Created create(String organizationId, JsonNode body, String idempotencyKey) throws SQLException {
    if (idempotencyKey == null) {
      return new Created(createNew(organizationId, body, null, null), false);
    }
    String hash = RequestHash.of(body);
    Optional<Created> earlier = replayCreate(organizationId, idempotencyKey, hash);
    if (earlier.isPresent()) {
      return earlier.get();
    }
    try {
      return new Created(createNew(organizationId, body, idempotencyKey, hash), false);
    } catch (IdempotencyKeys.Taken taken) {
      return replayCreate(organizationId, idempotencyKey, hash).orElseThrow(() -> taken);
    }
  }

  private Optional<Created> replayCreate(String organizationId, String key, String hash) throws SQLException {
    Optional<IdempotencyKeys.Earlier> earlier;
    try (java.sql.Connection conn = dataSource.getConnection()) {
      earlier = keys.find(conn, organizationId, CREATE_SCOPE, key, hash, clock.instant());
    }
    if (earlier.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Created(get(organizationId, earlier.get().resourceId()), true));
  }

  private Schedule createNew(String organizationId, JsonNode body, String idempotencyKey, String requestHash)
      throws SQLException {
    FieldReader.requireObject(body);
    FieldReader r = new FieldReader();
    Set<String> allowed = new HashSet<>(SCHEDULE_FIELDS);
    allowed.addAll(MESSAGE_FIELDS);
    allowed.addAll(MessageTypes.ALL);
    r.onlyKnown(body, "", allowed);
    String name = r.text(body, "", "name", false);
    if (name != null && name.length() > 200) {
      r.error("name", "must be at most 200 characters");
    } else if (name != null && name.chars().anyMatch(Character::isISOControl)) {
      r.error("name", "must not contain control characters");
    }
    ObjectNode template = JSON.createObjectNode();
    for (String f : MESSAGE_FIELDS) {
      if (body.has(f)) {
        template.set(f, body.get(f));
      }
    }
    String type = body.path("type").asText(null);
    if (type != null && body.has(type)) {
      template.set(type, body.get(type));
    }
    for (String other : MessageTypes.ALL) {
      if (!other.equals(type) && body.has(other)) {
        r.error(other, "does not belong to a message of type " + type); // else silently left out
      }
    }
    List<String> variables = Placeholders.names(type == null ? null : template.get(type));
    ObjectNode probe = template.deepCopy();
    probe.put("to", PROBE_NUMBER);
    if (type != null && template.has(type)) {
      Map<String, String> sample = new HashMap<>();
      variables.forEach(v -> sample.put(v, "x"));
      probe.set(type, Placeholders.render(template.get(type), sample));
    }
    Instance instance = null;
    try {
      instance = messages.draft(organizationId, probe, false).instance();
    } catch (InvalidRequestException e) {
      for (FieldError err : e.errors()) {
        // Only strings inside the content object are templates; anything else is checked as it is.
        if (!insideContent(type, err.field()) || !Placeholders.holdsPlaceholder(template, err.field())) {
          r.error(err.field(), err.message());
        }
      }
    }
    if (instance == null && r.ok() && body.path("instanceId").isTextual()) {
      // The probe failed only in fields that hold placeholders.
      instance = instances.get(organizationId, body.get("instanceId").asText());
    }
    ZoneId zone = r.zone(body, "", "timeZone", false);
    if (zone == null && instance != null) {
      zone = instance.timeZone();
    }
    if (zone == null) {
      zone = ZoneId.of("UTC");
    }
    Instant now = clock.instant();
    Instant at = null;
    CronSchedule cron = null;
    boolean hasAt = body.hasNonNull("at");
    boolean hasCron = body.hasNonNull("cron");
    if (hasAt == hasCron) {
      r.error("at", "give either at (once) or cron (recurring)");
    } else if (hasAt) {
      at = time(body.get("at"), zone, "at", r);
    } else {
      try {
        cron = CronSchedule.parse(body.get("cron").asText(), zone);
      } catch (IllegalArgumentException e) {
        r.error("cron", e.getMessage());
      }
    }
    Instant endAt = body.hasNonNull("endAt") ? time(body.get("endAt"), zone, "endAt", r) : null;
    Instant first = at;
    if (cron != null) {
      try {
        first = cron.next(now);
      } catch (IllegalStateException e) {
        r.error("cron", e.getMessage()); // no tick in the next years (February 31st)
      }
    }
    // Recipients: "to" for one, or "recipients": [{to, variables}].
    ArrayNode list = JSON.createArrayNode();
    if (body.hasNonNull("to") && body.hasNonNull("recipients")) {
      r.error("to", "give either to or recipients");
    } else if (body.hasNonNull("to")) {
      list.addObject().put("to", body.get("to").asText()).putObject("variables");
    } else if (body.path("recipients").isArray() && !body.get("recipients").isEmpty()
        && body.get("recipients").size() <= MAX_RECIPIENTS) {
      body.get("recipients").forEach(item -> list.add(item));
    } else {
      r.error("recipients", "must be an array of 1 to " + MAX_RECIPIENTS + " recipients {to, variables} (or give to)");
    }
    ArrayNode normalized = JSON.createArrayNode();
    if (instance != null) {
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < list.size(); i++) {
        JsonNode item = list.get(i);
        String field = body.hasNonNull("to") ? "to" : "recipients[" + i + "]";
        String to;
        try {
          to = Recipients.normalize(item.path("to").asText(""), instance.defaultRegion(),
              instance.provider() == ProviderKind.GATEWAY);
        } catch (InvalidRequestException e) {
          r.error(field + (field.equals("to") ? "" : ".to"), e.errors().get(0).message());
          continue;
        }
        ObjectNode vars = JSON.createObjectNode();
        Iterator<Map.Entry<String, JsonNode>> it = item.path("variables").fields();
        while (it.hasNext()) {
          Map.Entry<String, JsonNode> f = it.next();
          if (f.getValue().isValueNode() && !f.getValue().isNull()) {
            vars.put(f.getKey(), f.getValue().asText());
          }
        }
        List<String> missing = variables.stream().filter(v -> vars.path(v).asText("").isEmpty()).toList();
        if (!missing.isEmpty()) {
          r.error(field, "missing variable" + (missing.size() == 1 ? " " : "s ") + String.join(", ", missing));
        } else if (seen.add(to)) {
          normalized.addObject().put("to", to).set("variables", vars);
        }
      }
    }
    r.throwIfInvalid();
    Instant next = first;
    String status = "active";
    if (endAt != null && next.isAfter(endAt)) {
      next = null;
      status = "completed";
    }
    Schedule s = new Schedule(Ids.next("sch", clock), organizationId, instance.id(), name, status, template, normalized,
        at, cron == null ? null : cron.expression(), zone, endAt, next, null, now, now);
    Tx.run(dataSource, conn -> {
      store.scheduleInsert(conn, s);
      if (idempotencyKey != null) {
        keys.claim(conn, organizationId, CREATE_SCOPE, idempotencyKey, requestHash, s.id(), null, now);
      }
      return null;
    });
    LOG.info("schedule created id={} next={}", s.id(), next);
    return s;
  }

  /** An ISO time with an offset, or a local date-time in the schedule's time zone (years 1970-9999). */
  private static Instant time(JsonNode n, ZoneId zone, String field, FieldReader r) {
    String text = n.asText();
    Instant t;
    try {
      t = OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeException e) {
      try {
        t = LocalDateTime.parse(text).atZone(zone).toInstant();
      } catch (DateTimeException e2) {
        r.error(field, "must be an ISO-8601 time, with an offset or local to timeZone (2026-12-01T09:00)");
        return null;
      }
    }
    if (t.isBefore(Instant.EPOCH) || !t.isBefore(END_OF_TIME)) {
      r.error(field, "must be in the years 1970 to 9999");
      return null;
    }
    return t;
  }

  public Schedule get(String organizationId, String id) throws SQLException {
    return store.scheduleGet(id).filter(s -> s.organizationId().equals(organizationId) && !s.status().equals("deleted"))
        .orElseThrow(() -> new NotFoundException("schedule", id));
  }

  public List<Schedule> list(String organizationId, String beforeId, int limit) throws SQLException {
    return store.scheduleList(organizationId, beforeId, limit);
  }

  public Schedule pause(String organizationId, String id) throws SQLException {
    return setStatus(organizationId, id, List.of("active"), "paused", "paused");
  }

  /** Resumes a paused schedule; occurrences missed while paused follow the skip rule. */
  public Schedule resume(String organizationId, String id) throws SQLException {
    return setStatus(organizationId, id, List.of("paused"), "active", "resumed");
  }

  /** Deletes a schedule: no further occurrence is sent (messages already created stay). */
  public void delete(String organizationId, String id) throws SQLException {
    setStatus(organizationId, id, List.of("active", "paused", "completed"), "deleted", "deleted");
  }

  private Schedule setStatus(String organizationId, String id, List<String> from, String to, String verb)
      throws SQLException {
    get(organizationId, id);
    boolean changed = Tx.run(dataSource, conn -> store.scheduleSetStatus(conn, id, from, to, clock.instant()));
    if (!changed) {
      Schedule now = get(organizationId, id);
      if (!now.status().equals(to)) {
        throw new ConflictException(ConflictException.Kind.STATE,
            "schedule " + id + " is " + now.status() + " and cannot be " + verb, now.status());
      }
    }
    return to.equals("deleted") ? null : get(organizationId, id);
  }

  public List<ScheduleStore.Occurrence> occurrences(String scheduleId, int limit) throws SQLException {
    return store.occurrenceList(scheduleId, limit);
  }

  /** Starts sweeping every {@code interval} on a background thread (zero: never). */
  public synchronized void start(Duration interval) {
    if (interval.isZero() || sweeper != null) {
      return;
    }
    sweeper = Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("courier-schedules").factory());
    sweeper.scheduleWithFixedDelay(() -> {
      try {
        sweep();
      } catch (SQLException | RuntimeException e) {
        LOG.warn("schedule sweep failed", e);
      }
    }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  public synchronized void stop() {
    if (sweeper != null) {
      sweeper.shutdownNow();
      sweeper = null;
    }
  }

  /** Sends every due occurrence (up to {@value #SWEEP_LIMIT}); returns how many occurrences it handled. */
  public int sweep() throws SQLException {
    int n = 0;
    while (n < SWEEP_LIMIT) {
      AfterCommit afterCommit = messages.afterCommit();
      boolean handled = Tx.run(dataSource, conn -> {
        Instant now = clock.instant();
        Optional<Schedule> due = store.scheduleLockDue(conn, now);
        if (due.isEmpty()) {
          return false;
        }
        Schedule s = due.get();
        Instant occ = s.nextAt();
        boolean tooLate = Duration.between(occ, now).compareTo(skipAfter) > 0;
        if (store.occurrenceInsert(conn, s.id(), occ, tooLate ? "skipped" : "sent", now)) {
          if (tooLate) {
            LOG.warn("schedule occurrence skipped, too late id={} occurrence={} age={}", s.id(), occ,
                Duration.between(occ, now));
          } else {
            List<String> ids = send(conn, s, occ, afterCommit);
            store.occurrenceSetMessages(conn, s.id(), occ, ids);
          }
        }
        Instant next = null;
        String status = "completed";
        if (s.cron() != null) {
          CronSchedule cron = CronSchedule.parse(s.cron(), s.timeZone());
          next = cron.next(occ);
          if (next.isBefore(now.minus(skipAfter))) {
            // Many occurrences were missed: the older ones are past saving; continue from the
            // latest that is not too late.
            next = cron.next(now.minus(skipAfter));
          }
          status = s.endAt() != null && next.isAfter(s.endAt()) ? "completed" : "active";
          if (status.equals("completed")) {
            next = null;
          }
        }
        store.scheduleAdvance(conn, s.id(), occ, next, status, now);
        return true;
      });
      if (!handled) {
        return n;
      }
      n++;
    }
    return n;
  }

  /** The occurrence's messages, in the sweep's transaction (a recipient whose message is invalid is logged and left out). */
  private List<String> send(java.sql.Connection conn, Schedule s, Instant occ, AfterCommit afterCommit)
      throws SQLException {
    int defaultPriority = messages.defaultPriority(s.organizationId());
    if (instances.lockLive(conn, List.of(s.instanceId())).isEmpty()) {
      LOG.warn("schedule occurrence not sent: the instance is gone id={} instance={}", s.id(), s.instanceId());
      return List.of();
    }
    Instance instance = instances.find(s.instanceId()).orElseThrow();
    String type = s.template().path("type").asText();
    List<Messages.Draft> drafts = new ArrayList<>();
    for (JsonNode rcp : s.recipients()) {
      ObjectNode body = s.template().deepCopy();
      body.put("to", rcp.get("to").asText());
      ObjectNode metadata = body.has("metadata") && body.get("metadata").isObject()
          ? (ObjectNode) body.get("metadata") : body.putObject("metadata");
      metadata.put("scheduleId", s.id()).put("occurrence", occ.toString());
      Map<String, String> vars = new HashMap<>();
      rcp.path("variables").fields().forEachRemaining(f -> vars.put(f.getKey(), f.getValue().asText()));
      try {
        body.set(type, Placeholders.render(s.template().get(type), vars));
        drafts.add(messages.draft(s.organizationId(), body, false,
            id -> id.equals(instance.id()) ? Optional.of(instance) : Optional.empty(), defaultPriority));
      } catch (InvalidRequestException | IllegalArgumentException e) {
        LOG.warn("schedule message invalid, left out id={} to={} reason={}", s.id(), rcp.get("to").asText(),
            e.getMessage());
      }
    }
    return messages.insertForCampaign(conn, s.organizationId(), drafts, null, afterCommit);
  }

  /** The schedule in the API's shape, with its latest occurrences. */
  public ObjectNode view(Schedule s) throws SQLException {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", s.id());
    o.put("instanceId", s.instanceId());
    o.put("name", s.name());
    o.put("status", s.status());
    String type = s.template().path("type").asText();
    o.put("type", type);
    o.set(type, s.template().get(type));
    o.set("recipients", s.recipients());
    o.put("at", s.runAt() == null ? null : s.runAt().toString());
    o.put("cron", s.cron());
    o.put("timeZone", s.timeZone().getId());
    o.put("endAt", s.endAt() == null ? null : s.endAt().toString());
    o.put("nextAt", s.nextAt() == null ? null : s.nextAt().toString());
    o.put("lastOccurrenceAt", s.lastOccurrenceAt() == null ? null : s.lastOccurrenceAt().toString());
    ArrayNode occ = o.putArray("occurrences");
    for (ScheduleStore.Occurrence x : store.occurrenceList(s.id(), 10)) {
      ObjectNode e = occ.addObject().put("at", x.at().toString()).put("outcome", x.outcome());
      e.set("messageIds", JSON.valueToTree(x.messageIds()));
    }
    o.put("createdAt", s.createdAt().toString());
    return o;
  }

  /** Whether a field path lies inside the content object named by {@code type} ({@code text.body}, {@code contacts[0].name}). */
  private static boolean insideContent(String type, String field) {
    return type != null && !type.isEmpty() && field.length() > type.length() && field.startsWith(type)
        && (field.charAt(type.length()) == '.' || field.charAt(type.length()) == '[');
  }
}
