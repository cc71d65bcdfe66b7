package dev.courier.whatsapp.campaign;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.queue.CourierQueue;
import dev.courier.queue.JobRequest;
import dev.courier.queue.LimiterConfig;
import dev.courier.whatsapp.Ids;
import dev.courier.whatsapp.NotFoundException;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.instance.Instances;
import dev.courier.whatsapp.message.ConflictException;
import dev.courier.whatsapp.message.MessageTypes;
import dev.courier.whatsapp.message.Messages;
import dev.courier.whatsapp.store.IdempotencyKeys;
import dev.courier.whatsapp.store.Tx;
import dev.courier.whatsapp.validation.Durations;
import dev.courier.whatsapp.validation.FieldError;
import dev.courier.whatsapp.validation.FieldReader;
import dev.courier.whatsapp.validation.InvalidRequestException;
import dev.courier.whatsapp.validation.RequestHash;
import java.io.IOException;
import java.io.Reader;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Campaigns: one message template for many recipients. Creating one stores it as a {@code draft}
 * with its recipients; starting it enqueues its expansion job ({@value #EXPAND_KIND}, queue {@value
 * #QUEUE}), which turns recipients into messages in batches (see {@link CampaignExpander}). Every
 * message is an ordinary message (same order keys and instance limiters) whose send job also carries
 * the campaign's limiter ({@link Campaign#limiterKey()}): pausing the campaign pauses that limiter,
 * and its rate is the campaign's rate cap.
 */
public final class Campaigns {
  public static final String EXPAND_KIND = "whatsapp.campaign.expand";
  public static final String QUEUE = "campaigns";
  private static final String CREATE_SCOPE = "campaign.create";
  /** The most recipients one request may carry (inline or CSV). */
  public static final int MAX_RECIPIENTS_PER_REQUEST = 100_000;
  static final int MAX_NAME = 200;
  private static final Logger LOG = LoggerFactory.getLogger(Campaigns.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> CAMPAIGN_FIELDS = Set.of("name", "recipients", "startAt", "rate");
  private static final Set<String> MESSAGE_FIELDS = Set.of("instanceId", "type", "priority", "typing", "metadata");
  /** A number every template is validated with before any recipient is known. */
  private static final String PROBE_NUMBER = "+5511999999999";
  /** The longest window of a campaign's rate cap. */
  static final Duration MAX_RATE_PER = Duration.ofDays(30);
  /** Times from the year 10000 on are refused (the database and ISO-8601 text both end there). */
  private static final Instant END_OF_TIME = Instant.parse("9999-12-31T23:59:59Z").plusSeconds(1);

  /** What the expansion job carries. */
  public record ExpandArgs(String campaignId) {}

  /** A campaign created, with the report of its inline recipients. */
  public record Created(Campaign campaign, ObjectNode recipients, boolean replayed) {
    public Created(Campaign campaign, ObjectNode recipients) {
      this(campaign, recipients, false);
    }
  }

  private final DataSource dataSource;
  private final CampaignStore store;
  private final Instances instances;
  private final Messages messages;
  private final CourierQueue engine;
  private final Clock clock;
  private final IdempotencyKeys keys = new IdempotencyKeys();

  public Campaigns(DataSource dataSource, CampaignStore store, Instances instances, Messages messages,
      CourierQueue engine, Clock clock) {
    this.dataSource = dataSource;
    this.store = store;
    this.instances = instances;
    this.messages = messages;
    this.engine = engine;
    this.clock = clock;
  }

  /** Validates and stores a campaign ({@code draft}) with its inline recipients, in one transaction. */
  public Created create(String organizationId, JsonNode body) throws SQLException {
    return create(organizationId, body, null);
  }

  /**
   * {@link #create(String, JsonNode)} with an Idempotency-Key: the same key and body within 24 h
   * return the campaign the first request created (as it is now) with that request's import
   * report; the same key with another body is refused.
   */
  public Created create(String organizationId, JsonNode body, String idempotencyKey) throws SQLException {
    if (idempotencyKey == null) {
      return createNew(organizationId, body, null, null);
    }
    String hash = RequestHash.of(body);
    Optional<Created> earlier = replayCreate(organizationId, idempotencyKey, hash);
    if (earlier.isPresent()) {
      return earlier.get();
    }
    try {
      return createNew(organizationId, body, idempotencyKey, hash);
    } catch (IdempotencyKeys.Taken taken) {
      return replayCreate(organizationId, idempotencyKey, hash).orElseThrow(() -> taken);
    }
  }

  private Optional<Created> replayCreate(String organizationId, String key, String hash) throws SQLException {
    Optional<IdempotencyKeys.Earlier> earlier;
    try (Connection conn = dataSource.getConnection()) {
      earlier = keys.find(conn, organizationId, CREATE_SCOPE, key, hash, clock.instant());
    }
    if (earlier.isEmpty()) {
      return Optional.empty();
    }
    JsonNode report = earlier.get().response();
    return Optional.of(new Created(get(organizationId, earlier.get().resourceId()),
        report instanceof ObjectNode o ? o : JSON.createObjectNode(), true));
  }

  private Created createNew(String organizationId, JsonNode body, String idempotencyKey, String requestHash)
      throws SQLException {
    FieldReader.requireObject(body);
    FieldReader r = new FieldReader();
    Set<String> allowed = new HashSet<>(CAMPAIGN_FIELDS);
    allowed.addAll(MESSAGE_FIELDS);
    allowed.addAll(MessageTypes.ALL);
    r.onlyKnown(body, "", allowed);
    String name = r.text(body, "", "name", true);
    if (name != null && (name.isBlank() || name.length() > MAX_NAME)) {
      r.error("name", "must be 1-" + MAX_NAME + " characters");
    } else if (name != null && name.chars().anyMatch(Character::isISOControl)) {
      r.error("name", "must not contain control characters");
    }
    OffsetDateTime startAt = r.time(body, "", "startAt");
    if (startAt != null && (startAt.getYear() < 1970 || startAt.getYear() > 9999
        || startAt.toInstant().isBefore(Instant.EPOCH) || !startAt.toInstant().isBefore(END_OF_TIME))) {
      r.error("startAt", "must be in the years 1970 to 9999");
      startAt = null;
    }
    Integer rateCount = null;
    Duration ratePer = null;
    JsonNode rate = r.object(body, "", "rate", false);
    if (rate != null) {
      r.onlyKnown(rate, "rate", Set.of("count", "per"));
      rateCount = r.integer(rate, "rate", "count", true, 1, 100_000);
      ratePer = r.duration(rate, "rate", "per", true);
      if (ratePer != null && (ratePer.isZero() || ratePer.isNegative())) {
        r.error("rate.per", "must be positive");
      } else if (ratePer != null && ratePer.compareTo(MAX_RATE_PER) > 0) {
        // The engine keeps a limiter's window in microseconds: a window of centuries overflowed at start.
        r.error("rate.per", "must be at most " + Durations.format(MAX_RATE_PER));
      }
    }
    JsonNode list = body.get("recipients");
    if (list != null && !list.isNull() && (!list.isArray() || list.size() > MAX_RECIPIENTS_PER_REQUEST)) {
      r.error("recipients", "must be an array of at most " + MAX_RECIPIENTS_PER_REQUEST + " recipients");
    }
    // The message part, checked as a message to a probe number with its placeholders filled in;
    // errors in fields that hold a placeholder wait for each recipient's own values.
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
    int planPriority = messages.plans().policyOf(organizationId).campaignPriority();
    if (!template.has("priority") || template.get("priority").isNull()) {
      template.put("priority", planPriority);
    }
    for (String other : MessageTypes.ALL) {
      if (!other.equals(type) && body.has(other)) {
        r.error(other, "does not belong to a message of type " + type);
      }
    }
    List<String> variables = Placeholders.names(type == null ? null : template.get(type));
    Messages.Draft probe = null;
    ObjectNode probeBody = template.deepCopy();
    probeBody.put("to", PROBE_NUMBER);
    if (type != null && template.has(type)) {
      Map<String, String> sample = new HashMap<>();
      variables.forEach(v -> sample.put(v, "x"));
      probeBody.set(type, Placeholders.render(template.get(type), sample));
    }
    try {
      probe = messages.draft(organizationId, probeBody, false);
    } catch (InvalidRequestException e) {
      for (FieldError err : e.errors()) {
        // Only strings inside the content object are templates; anything else is checked as it is.
        if (!insideContent(type, err.field()) || !Placeholders.holdsPlaceholder(template, err.field())) {
          r.error(err.field(), err.message());
        }
      }
    }
    r.throwIfInvalid();
    Instance instance = probe != null ? probe.instance() : instances.get(organizationId, template.get("instanceId").asText());
    template.put("priority", probe != null ? probe.priority() : planPriority);
    Instant now = clock.instant();
    Campaign c = new Campaign(Ids.next("cmp", clock), organizationId, instance.id(), name, CampaignStatus.DRAFT, template,
        variables, template.get("priority").asInt(), rateCount, ratePer, startAt == null ? null : startAt.toInstant(), 0,
        null, null, now, now, null, null);
    return Tx.run(dataSource, conn -> {
      store.campaignInsert(conn, c);
      RecipientImport imp = new RecipientImport(conn, store, c, instance);
      if (list != null && list.isArray()) {
        importJson(imp, list);
      }
      ObjectNode report = imp.report();
      if (idempotencyKey != null) {
        keys.claim(conn, organizationId, CREATE_SCOPE, idempotencyKey, requestHash, c.id(), report, now);
      }
      return new Created(c, report);
    });
  }

  private static void importJson(RecipientImport imp, JsonNode list) throws SQLException {
    for (int i = 0; i < list.size(); i++) {
      JsonNode item = list.get(i);
      if (!item.isObject()) {
        imp.rejectRow("index", i, null, "must be an object {to, variables}");
        continue;
      }
      String to = item.path("to").isTextual() ? item.get("to").asText() : null;
      JsonNode vars = item.get("variables");
      if (vars != null && !vars.isNull() && !vars.isObject()) {
        imp.rejectRow("index", i, to, "variables must be an object");
        continue;
      }
      ObjectNode strings = JSON.createObjectNode();
      if (vars != null && vars.isObject()) {
        Iterator<Map.Entry<String, JsonNode>> it = vars.fields();
        while (it.hasNext()) {
          Map.Entry<String, JsonNode> f = it.next();
          if (f.getValue().isValueNode() && !f.getValue().isNull()) {
            strings.put(f.getKey(), f.getValue().asText());
          }
        }
      }
      imp.add("index", i, to, strings);
    }
  }

  /**
   * Adds recipients ({@code {"recipients": [{to, variables}]}}) to a campaign that has not
   * completed: a running one sends them after the recipients it has, through the same pacing.
   */
  public ObjectNode addRecipients(String organizationId, String id, JsonNode body) throws SQLException {
    JsonNode list = body == null ? null : body.get("recipients");
    if (list == null || !list.isArray() || list.isEmpty() || list.size() > MAX_RECIPIENTS_PER_REQUEST) {
      throw new InvalidRequestException("recipients", "must be an array of 1 to " + MAX_RECIPIENTS_PER_REQUEST + " recipients");
    }
    return withOpenCampaign(organizationId, id, imp -> importJson(imp, list));
  }

  /**
   * Adds recipients from CSV, read as it streams: a header row, then one recipient per row. The
   * column {@code to} or {@code phone} (any case) holds the number; every other column is a
   * variable named by its header. Invalid rows are reported with their line; valid ones are kept.
   */
  public ObjectNode addRecipientsCsv(String organizationId, String id, Reader csv) throws SQLException {
    return withOpenCampaign(organizationId, id, imp -> {
      CsvReader reader = new CsvReader(csv);
      try {
        CsvReader.Row header = reader.next();
        if (header == null) {
          throw new InvalidRequestException("csv", "is empty: a header row is required");
        }
        List<String> names = header.fields().stream().map(String::trim).toList();
        int toColumn = -1;
        for (int i = 0; i < names.size(); i++) {
          String n = names.get(i).toLowerCase(Locale.ROOT);
          if (toColumn < 0 && (n.equals("to") || n.equals("phone"))) {
            toColumn = i;
          }
        }
        if (toColumn < 0) {
          throw new InvalidRequestException("csv", "the header row needs a column 'to' or 'phone'");
        }
        CsvReader.Row row;
        while ((row = reader.next()) != null) {
          List<String> f = row.fields();
          if (f.size() == 1 && f.get(0).isBlank()) {
            continue;
          }
          if (imp.received() >= MAX_RECIPIENTS_PER_REQUEST) {
            throw new InvalidRequestException("csv", "has more than " + MAX_RECIPIENTS_PER_REQUEST + " rows; send it in parts");
          }
          if (f.size() != names.size()) {
            imp.rejectRow("line", row.line(), f.size() > toColumn ? f.get(toColumn) : null,
                "has " + f.size() + " fields; the header has " + names.size());
            continue;
          }
          ObjectNode vars = JSON.createObjectNode();
          for (int i = 0; i < names.size(); i++) {
            if (i != toColumn && !names.get(i).isEmpty()) {
              vars.put(names.get(i), f.get(i).trim());
            }
          }
          imp.add("line", row.line(), f.get(toColumn).trim(), vars);
        }
      } catch (IOException e) {
        throw new InvalidRequestException("csv", "could not be read: " + e.getMessage());
      }
    });
  }

  private interface ImportWork {
    void run(RecipientImport imp) throws SQLException;
  }

  private ObjectNode withOpenCampaign(String organizationId, String id, ImportWork work) throws SQLException {
    get(organizationId, id);
    return Tx.run(dataSource, conn -> {
      Campaign c = store.campaignGet(conn, id, true).orElseThrow(() -> new NotFoundException("campaign", id));
      if (!CampaignStatus.OPEN_FOR_RECIPIENTS.contains(c.status())) {
        throw new ConflictException(ConflictException.Kind.STATE,
            "campaign " + id + " is " + c.status().text() + "; recipients can be added until it completes", c.status().text());
      }
      Instance instance = instances.get(organizationId, c.instanceId());
      RecipientImport imp = new RecipientImport(conn, store, c, instance);
      work.run(imp);
      ObjectNode report = imp.report();
      if (c.expandedAt() != null && report.get("added").asInt() > 0) {
        // Every earlier recipient is expanded: the expansion job (checking every few seconds for the
        // campaign's end) continues from its cursor with these. The campaign row is locked, so the
        // job cannot mark the campaign completed in between.
        store.campaignAdvance(conn, id, c.cursorSeq(), null, clock.instant());
      }
      return report;
    });
  }

  public Campaign get(String organizationId, String id) throws SQLException {
    return store.campaignGet(id).filter(c -> c.organizationId().equals(organizationId))
        .orElseThrow(() -> new NotFoundException("campaign", id));
  }

  public List<Campaign> list(String organizationId, String beforeId, int limit) throws SQLException {
    return store.campaignList(organizationId, beforeId, limit);
  }

  /**
   * Starts a draft: {@code scheduled} until its {@code startAt}, else {@code running}; its
   * expansion job commits with the change.
   */
  public Campaign start(String organizationId, String id) throws SQLException {
    Campaign c = get(organizationId, id);
    if (!CampaignStatus.STARTABLE.contains(c.status())) {
      throw conflict(c, "started");
    }
    // Before the commit, so that the first message finds its limiter (a draft has no held messages).
    engine.setLimiter(c.limiterKey(), limiter(c, false));
    Instant now = clock.instant();
    Tx.run(dataSource, conn -> {
      Campaign locked = store.campaignGet(conn, id, true).orElseThrow();
      boolean later = locked.startAt() != null && locked.startAt().isAfter(now);
      CampaignStatus to = later ? CampaignStatus.SCHEDULED : CampaignStatus.RUNNING;
      if (!store.campaignTransition(conn, id, CampaignStatus.STARTABLE, to, now)) {
        throw conflict(locked, "started");
      }
      JobRequest job = JobRequest.of(EXPAND_KIND, new ExpandArgs(id)).withQueue(QUEUE)
          .withRunAt(later ? locked.startAt() : null).withMaxAttempts(100);
      store.campaignSetJob(conn, id, engine.enqueue(conn, job).id());
      return null;
    });
    LOG.info("campaign started id={} instance={}", id, c.instanceId());
    return get(organizationId, id);
  }

  /** Holds every message of the campaign not yet sending (its limiter is paused). */
  public Campaign pause(String organizationId, String id) throws SQLException {
    Campaign c = get(organizationId, id);
    if (c.status() == CampaignStatus.PAUSED) {
      return c;
    }
    if (!CampaignStatus.PAUSABLE.contains(c.status())) {
      throw conflict(c, "paused");
    }
    // The limiter first: a crash after it leaves a running campaign paused, never the reverse.
    engine.setLimiter(c.limiterKey(), limiter(c, true));
    boolean changed;
    try {
      changed = Tx.run(dataSource, conn -> store.campaignTransition(conn, id, CampaignStatus.PAUSABLE,
          CampaignStatus.PAUSED, clock.instant()));
    } catch (SQLException | RuntimeException e) {
      engine.setLimiter(c.limiterKey(), limiter(c, false));
      throw e;
    }
    if (!changed) {
      Campaign now = get(organizationId, id);
      if (now.status() != CampaignStatus.PAUSED) {
        engine.setLimiter(c.limiterKey(), limiter(c, false));
        throw conflict(now, "paused");
      }
    }
    LOG.info("campaign paused id={}", id);
    return get(organizationId, id);
  }

  /**
   * Lets a paused campaign's messages go again, in their original order: the limiter is unpaused
   * and the held jobs (which wait up to a minute for the paused limiter's re-check) are woken in the
   * campaign's order.
   */
  public Campaign resume(String organizationId, String id) throws SQLException {
    Campaign c = get(organizationId, id);
    boolean changed = Tx.run(dataSource, conn -> store.campaignTransition(conn, id, CampaignStatus.RESUMABLE,
        CampaignStatus.RUNNING, clock.instant()));
    if (!changed) {
      throw conflict(get(organizationId, id), "resumed");
    }
    engine.setLimiter(c.limiterKey(), limiter(c, false));
    for (long job : store.campaignDueJobs(id, clock.instant())) {
      engine.retry(job);
    }
    LOG.info("campaign resumed id={}", id);
    return get(organizationId, id);
  }

  /** Cancels the campaign: no more expansion, and every queued message of it is cancelled. */
  public Campaign cancel(String organizationId, String id) throws SQLException {
    Campaign c = get(organizationId, id);
    boolean changed = Tx.run(dataSource, conn -> store.campaignTransition(conn, id, CampaignStatus.CANCELLABLE,
        CampaignStatus.CANCELLED, clock.instant()));
    if (!changed) {
      throw conflict(get(organizationId, id), "cancelled");
    }
    int n = cancelQueued(id);
    if (c.jobId() != null) {
      engine.cancel(c.jobId());
    }
    engine.removeLimiter(c.limiterKey());
    LOG.info("campaign cancelled id={} messages={}", id, n);
    return get(organizationId, id);
  }

  /** Cancels the campaign's queued messages in batches, then their jobs; returns how many. */
  int cancelQueued(String campaignId) throws SQLException {
    int total = 0;
    while (true) {
      List<Long> jobs = new ArrayList<>();
      int n = Tx.run(dataSource, conn -> {
        List<CampaignStore.QueuedMessage> batch = store.campaignQueuedForCancel(conn, campaignId, 500);
        for (CampaignStore.QueuedMessage m : batch) {
          if (messages.cancelWithin(conn, m.messageId()) && m.jobId() != null) {
            jobs.add(m.jobId());
          }
        }
        return batch.size();
      });
      for (long job : jobs) {
        // After the commit: a job that runs meanwhile finds its message cancelled and ends.
        engine.cancel(job);
      }
      total += jobs.size();
      if (n < 500) {
        return total;
      }
    }
  }

  /** Re-applies the limiters of campaigns that are started and not finished (at a node's start). */
  public int syncLimiters() throws SQLException {
    List<Campaign> active = store.campaignListActive();
    for (Campaign c : active) {
      engine.setLimiter(c.limiterKey(), limiter(c, c.status() == CampaignStatus.PAUSED));
    }
    return active.size();
  }

  static LimiterConfig limiter(Campaign c, boolean paused) {
    LimiterConfig l = LimiterConfig.none();
    if (c.rateCount() != null) {
      // A pace: never the whole period's sends at once when the campaign starts or resumes.
      l = l.withPace(c.rateCount(), c.ratePer());
    }
    return l.withPaused(paused);
  }

  private static ConflictException conflict(Campaign c, String verb) {
    return new ConflictException(ConflictException.Kind.STATE,
        "campaign " + c.id() + " is " + c.status().text() + " and cannot be " + verb, c.status().text());
  }

  /**
   * The campaign in the API's shape with its counts by message status, progress, current send rate
   * (messages sent in the last minute, per second) and estimated completion.
   */
  public ObjectNode view(Campaign c) throws SQLException {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", c.id());
    o.put("instanceId", c.instanceId());
    o.put("name", c.name());
    o.put("status", c.status().text());
    o.put("type", c.type());
    o.set(c.type(), c.template().get(c.type()));
    o.put("priority", c.priority());
    o.set("variables", JSON.valueToTree(c.variables()));
    if (c.rateCount() != null) {
      o.putObject("rate").put("count", c.rateCount()).put("per", Durations.format(c.ratePer()));
    } else {
      o.putNull("rate");
    }
    o.put("startAt", str(c.startAt()));
    Map<String, Long> counts = store.campaignCounts(c.id());
    long total = counts.values().stream().mapToLong(Long::longValue).sum();
    long pending = counts.getOrDefault("pending", 0L);
    long invalid = counts.getOrDefault("invalid", 0L);
    o.putObject("recipients").put("total", total).put("pending", pending).put("invalid", invalid);
    ObjectNode m = o.putObject("messages");
    for (String s : List.of("queued", "sending", "sent", "delivered", "read", "failed", "cancelled")) {
      long n = counts.getOrDefault(s, 0L) + ("sending".equals(s) ? counts.getOrDefault("in_doubt", 0L) : 0L);
      m.put(s, n);
    }
    long finished = counts.getOrDefault("sent", 0L) + counts.getOrDefault("delivered", 0L)
        + counts.getOrDefault("read", 0L) + counts.getOrDefault("failed", 0L) + counts.getOrDefault("cancelled", 0L)
        + invalid;
    long expanded = total - pending;
    ObjectNode progress = o.putObject("progress");
    progress.put("expanded", expanded);
    progress.put("finished", finished);
    progress.put("percent", total == 0 ? 100.0 : Math.floor(finished * 1000.0 / total) / 10.0);
    Instant now = clock.instant();
    double rate = store.campaignSentSince(c.id(), now.minusSeconds(60)) / 60.0;
    o.put("sendRate", Math.round(rate * 100) / 100.0);
    o.put("estimatedCompletion", str(estimate(c, total - finished, rate, now)));
    o.put("createdAt", str(c.createdAt()));
    o.put("startedAt", str(c.startedAt()));
    o.put("finishedAt", str(c.finishedAt()));
    return o;
  }

  /**
   * When the remaining messages should be sent: at the current rate, or, before any was sent, at
   * the slowest of the campaign's cap and the instance's rate limit (null when neither is known).
   */
  private Instant estimate(Campaign c, long remaining, double observedPerSecond, Instant now) throws SQLException {
    if (c.status().isFinal() || remaining <= 0) {
      return c.finishedAt();
    }
    if (c.status() != CampaignStatus.RUNNING) {
      return null;
    }
    double perSecond = observedPerSecond;
    if (perSecond <= 0) {
      perSecond = Double.MAX_VALUE;
      if (c.rateCount() != null) {
        perSecond = c.rateCount() * 1000.0 / c.ratePer().toMillis();
      }
      Optional<Instance> i = instances.find(c.instanceId());
      if (i.isPresent() && i.get().limits().rate() != null) {
        var r = i.get().limits().rate();
        perSecond = Math.min(perSecond, r.count() * 1000.0 / r.per().toMillis());
      }
      if (perSecond == Double.MAX_VALUE) {
        return null;
      }
    }
    return now.plusMillis((long) Math.ceil(remaining * 1000.0 / perSecond));
  }

  /** A page of recipients with their status and times (see {@link CampaignStore#recipientList}). */
  public List<CampaignStore.RecipientRow> recipients(String organizationId, String id, String status, long afterSeq,
      int limit) throws SQLException {
    get(organizationId, id);
    return store.recipientList(id, status, afterSeq, limit);
  }

  private static String str(Instant i) {
    return i == null ? null : i.toString();
  }

  /** Whether a field path lies inside the content object named by {@code type} ({@code text.body}, {@code contacts[0].name}). */
  private static boolean insideContent(String type, String field) {
    return type != null && !type.isEmpty() && field.length() > type.length() && field.startsWith(type)
        && (field.charAt(type.length()) == '.' || field.charAt(type.length()) == '[');
  }
}
