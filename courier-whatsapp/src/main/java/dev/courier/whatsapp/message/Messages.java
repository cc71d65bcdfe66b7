package dev.courier.whatsapp.message;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.queue.AfterCommit;
import dev.courier.queue.CourierQueue;
import dev.courier.queue.EnqueueResult;
import dev.courier.queue.JobRequest;
import dev.courier.queue.OrderKey;
import dev.courier.queue.Priority;
import dev.courier.whatsapp.Ids;
import dev.courier.whatsapp.NotFoundException;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.instance.Instances;
import dev.courier.whatsapp.organization.OrganizationPlans;
import dev.courier.whatsapp.organization.Plans;
import dev.courier.whatsapp.instance.ProviderKind;
import dev.courier.whatsapp.store.Tx;
import dev.courier.whatsapp.validation.Durations;
import dev.courier.whatsapp.validation.FieldError;
import dev.courier.whatsapp.validation.FieldReader;
import dev.courier.whatsapp.validation.InvalidRequestException;
import dev.courier.whatsapp.validation.RequestHash;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * Accepting, reading and cancelling messages. Accepting one is one transaction: the message row
 * (status {@code queued}), its first history entry and its send job (queue {@value #QUEUE}, order key
 * per chat or per instance, the instance's limiters) commit together, or nothing does.
 */
public final class Messages {
  public static final String SEND_KIND = "whatsapp.send";
  public static final String QUEUE = "outbound";
  /** Retryable failures (network, not throttling or unavailability, which spend none) a message may take. */
  public static final int MAX_ATTEMPTS = 8;
  static final Duration MAX_TYPING = Duration.ofSeconds(60);
  static final int MAX_METADATA_BYTES = 16 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> FIELDS = Set.of(
      "instanceId", "to", "type", "priority", "sendAt", "delay", "typing", "orderKey", "metadata", "replyTo");

  /** A message was accepted (or, for a repeated idempotency key, had been). */
  public record Accepted(Message message, int queuePosition, boolean replayed) {}

  /** What send jobs carry. */
  public record SendArgs(String messageId) {}

  private final DataSource dataSource;
  private final MessageStore store;
  private final Instances instances;
  private final CourierQueue engine;
  private final Clock clock;
  private final GroupCommitter groupCommitter;
  private final OrganizationPlans plans;

  public Messages(DataSource dataSource, MessageStore store, Instances instances, CourierQueue engine, Clock clock) {
    this(dataSource, store, instances, engine, clock, GroupCommit.OFF,
        new OrganizationPlans(dataSource, Plans.defaults(), clock));
  }

  /**
   * How single sends commit: each in its own transaction ({@link #OFF}), or grouped (see {@link
   * GroupCommitter}): concurrent sends share transactions of up to {@code maxBatch} messages, with
   * {@code committers} transactions in flight at once.
   */
  public record GroupCommit(boolean enabled, int maxBatch, int committers) {
    public static final GroupCommit OFF = new GroupCommit(false, 256, 2);
    public static final GroupCommit DEFAULT = new GroupCommit(true, 256, 2);

    public GroupCommit {
      if (maxBatch < 1 || maxBatch > MessageBatch.MAX_ITEMS || committers < 1 || committers > 64) {
        throw new IllegalArgumentException("maxBatch must be 1-" + MessageBatch.MAX_ITEMS + " and committers 1-64");
      }
    }
  }

  public Messages(DataSource dataSource, MessageStore store, Instances instances, CourierQueue engine, Clock clock,
      GroupCommit groupCommit, OrganizationPlans plans) {
    this.plans = plans;
    this.dataSource = dataSource;
    this.store = store;
    this.instances = instances;
    this.engine = engine;
    this.clock = clock;
    this.groupCommitter = groupCommit.enabled()
        ? new GroupCommitter(dataSource, this, instances, groupCommit.maxBatch(), groupCommit.committers())
        : null;
  }

  /** Whether single sends share transactions. */
  public boolean groupCommit() {
    return groupCommitter != null;
  }

  /** The group committer, if group commit is on (tests). */
  GroupCommitter groupCommitter() {
    return groupCommitter;
  }

  /** Stops the group committers (sends still arriving commit alone). */
  public void close() {
    if (groupCommitter != null) {
      groupCommitter.close();
    }
  }

  /** A message request, validated and normalised. */
  public record Draft(Instance instance, String to, String type, ObjectNode content, String replyTo, int priority,
      Instant runAt, Duration typing, String orderKey, ObjectNode metadata, JsonNode body) {
    /** The hash an {@code Idempotency-Key} is stored with; computed only for requests that carry one. */
    public String requestHash() {
      return RequestHash.of(body);
    }
  }

  /**
   * The instance a draft was validated against changed before the draft could commit (another node
   * updated it): nothing of the draft was stored, and it must be validated again.
   */
  public static final class InstanceChanged extends RuntimeException {
    InstanceChanged(String instanceId) {
      super("instance " + instanceId + " changed while a message for it was being accepted", null, false, false);
    }
  }

  /** How often a send is validated again when its instance keeps changing under it. */
  private static final int MAX_REVALIDATIONS = 5;

  /** Validates a request body in the API's shape; every invalid field is reported at once. */
  public Draft draft(String organizationId, JsonNode body, boolean lenientContent) throws SQLException {
    int defaultPriority = plans.policyOf(organizationId).priority();
    if (body != null && body.path("instanceId").isTextual()) {
      String id = body.get("instanceId").asText();
      // A recent read of the instance: the commit checks that it is still the stored version.
      Optional<Instance> found = instances.findRecent(id);
      try {
        return draft(organizationId, body, lenientContent, i -> i.equals(id) ? found : Optional.empty(), defaultPriority);
      } catch (InvalidRequestException e) {
        // Refused against a possibly stale read: judge it by the stored instance before answering.
        Optional<Instance> stored = instances.find(id);
        if (stored.map(Instance::updatedAt).equals(found.map(Instance::updatedAt))) {
          throw e;
        }
        return draft(organizationId, body, lenientContent, i -> i.equals(id) ? stored : Optional.empty(), defaultPriority);
      }
    }
    return draft(organizationId, body, lenientContent, i -> Optional.empty(), defaultPriority);
  }

  /** The priority of a message that names none: its organization's plan decides (see {@link Plans}). */
  public int defaultPriority(String organizationId) throws SQLException {
    return plans.policyOf(organizationId).priority();
  }

  /** The plan tiers of organizations. */
  public OrganizationPlans plans() {
    return plans;
  }

  /**
   * {@link #draft(String, JsonNode, boolean)} with the instances already read ({@code lookup}
   * answers by id; instances of other organizations are refused here) and the priority of a message
   * that names none ({@link #defaultPriority}).
   */
  public Draft draft(String organizationId, JsonNode body, boolean lenientContent,
      Function<String, Optional<Instance>> lookup, int defaultPriority) {
    FieldReader.requireObject(body);
    FieldReader r = new FieldReader();
    Set<String> allowed = new HashSet<>(FIELDS);
    allowed.addAll(MessageTypes.ALL);
    r.onlyKnown(body, "", allowed);
    String instanceId = r.text(body, "", "instanceId", true);
    Instance instance = null;
    if (instanceId != null) {
      instance = lookup.apply(instanceId).filter(i -> i.organizationId().equals(organizationId)).orElse(null);
      if (instance == null) {
        r.error("instanceId", "no instance " + instanceId + " in this organization");
      }
    }
    String type = r.text(body, "", "type", true);
    ObjectNode content = null;
    if (type != null) {
      if (!MessageTypes.ALL.contains(type)) {
        r.error("type", "must be one of " + String.join(", ", MessageTypes.ALL.stream().sorted().toList()));
      } else {
        for (String other : MessageTypes.ALL) {
          if (!other.equals(type) && body.has(other)) {
            r.error(other, "does not belong to a message of type " + type);
          }
        }
        List<FieldError> contentErrors = new ArrayList<>();
        content = ContentValidator.validate(type, body.get(type), contentErrors,
            lenientContent ? ContentValidator.Mode.LENIENT : ContentValidator.Mode.STRICT);
        contentErrors.forEach(e -> r.error(e.field(), e.message()));
      }
    }
    String to = null;
    String rawTo = r.text(body, "", "to", true);
    if (rawTo != null && instance != null) {
      try {
        to = Recipients.normalize(rawTo, instance.defaultRegion(), instance.provider() == ProviderKind.GATEWAY);
      } catch (InvalidRequestException e) {
        e.errors().forEach(err -> r.error(err.field(), err.message()));
      }
    }
    int priority = priority(body.get("priority"), r, defaultPriority);
    Instant now = clock.instant();
    OffsetDateTime sendAt = r.time(body, "", "sendAt");
    Duration delay = r.duration(body, "", "delay", false);
    Instant runAt = (sendAt == null ? now : sendAt.toInstant()).plus(delay == null ? Duration.ZERO : delay);
    Duration typing = r.duration(body, "", "typing", false);
    if (typing != null && typing.compareTo(MAX_TYPING) > 0) {
      r.error("typing", "must be at most " + Durations.format(MAX_TYPING));
    }
    String orderKeyOverride = r.text(body, "", "orderKey", false);
    if (orderKeyOverride != null && (orderKeyOverride.isBlank() || orderKeyOverride.length() > 200)) {
      r.error("orderKey", "must be 1-200 characters");
    }
    ObjectNode metadata = (ObjectNode) r.object(body, "", "metadata", false);
    if (metadata != null && metadata.toString().getBytes(StandardCharsets.UTF_8).length > MAX_METADATA_BYTES) {
      r.error("metadata", "must be at most " + MAX_METADATA_BYTES + " bytes of JSON");
    }
    String replyTo = r.text(body, "", "replyTo", false);
    r.throwIfInvalid();
    if (typing == null) {
      typing = instance.typing();
    }
    String orderKey = orderKeyOverride != null ? "wa:" + instance.id() + ":key:" + orderKeyOverride : instance.orderKey(to);
    return new Draft(instance, to, type, content, replyTo, priority, runAt, typing, orderKey, metadata, body);
  }

  private static int priority(JsonNode n, FieldReader r, int defaultPriority) {
    if (n == null || n.isNull()) {
      return defaultPriority;
    }
    try {
      if (n.isIntegralNumber()) {
        return Priority.check(n.asInt());
      }
      if (n.isTextual()) {
        return Priority.parse(n.asText());
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    r.error("priority", "must be 0-9 or one of urgent, high, normal, low, bulk");
    return defaultPriority;
  }

  /** Accepts a message: commits it and its send job, then answers. */
  public Accepted send(String organizationId, JsonNode body, String idempotencyKey) throws SQLException {
    return send(organizationId, body, false, idempotencyKey);
  }

  /**
   * {@link #send(String, JsonNode, String)}, with the content checked leniently (as Meta's server
   * does, for the Cloud API compatible endpoint) when {@code lenientContent}. A send whose instance
   * changed between its validation and its commit is validated again against the new version.
   */
  public Accepted send(String organizationId, JsonNode body, boolean lenientContent, String idempotencyKey)
      throws SQLException {
    for (int round = 1; ; round++) {
      Draft d = draft(organizationId, body, lenientContent);
      try {
        return accept(organizationId, d, idempotencyKey);
      } catch (InstanceChanged e) {
        instances.forgetRecent(d.instance().id());
        if (round >= MAX_REVALIDATIONS) {
          throw new SQLTransientException(e.getMessage() + " " + round + " times in a row; nothing was stored, try again", e);
        }
      }
    }
  }

  /**
   * Accepts a validated draft: answers once it is committed, in its own transaction or in one shared
   * with concurrent sends (group commit). A repeated idempotency key returns the first message.
   */
  public Accepted accept(String organizationId, Draft d, String idempotencyKey) throws SQLException {
    if (groupCommitter != null) {
      try {
        return groupCommitter.submit(organizationId, d, idempotencyKey);
      } catch (GroupCommitter.RetryAlone alone) {
        // The shared transaction rolled back (or the committers stopped): commit this one alone.
      }
    }
    return acceptAlone(organizationId, d, idempotencyKey);
  }

  /** Accepts a validated draft in its own transaction. */
  Accepted acceptAlone(String organizationId, Draft d, String idempotencyKey) throws SQLException {
    try {
      AfterCommit afterCommit = engine.afterCommit();
      Accepted accepted = Tx.run(dataSource, conn -> {
        if (idempotencyKey != null) {
          Optional<Accepted> earlier = replay(conn, organizationId, idempotencyKey, d.requestHash());
          if (earlier.isPresent()) {
            return earlier.get();
          }
        }
        return insert(conn, organizationId, d, idempotencyKey, afterCommit);
      });
      afterCommit.run();
      return accepted;
    } catch (SQLException e) {
      if ("23505".equals(e.getSQLState()) && idempotencyKey != null) {
        // A concurrent request with the same key won: answer with its message.
        try (Connection conn = dataSource.getConnection()) {
          return replay(conn, organizationId, idempotencyKey, d.requestHash()).orElseThrow(() -> e);
        }
      }
      throw e;
    }
  }

  Optional<Accepted> replay(Connection conn, String organizationId, String key, String hash) throws SQLException {
    Optional<Message> earlier = store.messageByIdempotencyKey(conn, organizationId, key);
    if (earlier.isEmpty()) {
      return Optional.empty();
    }
    Message m = earlier.get();
    String earlierHash = store.messageRequestHash(conn, m.id()).orElse(null);
    if (earlierHash != null && !earlierHash.equals(hash)) {
      throw new ConflictException(ConflictException.Kind.IDEMPOTENCY_MISMATCH,
          "Idempotency-Key " + key + " was used for a different request (message " + m.id() + ")", m.status().text());
    }
    int position = m.status() == MessageStatus.QUEUED ? store.messageQueuePosition(conn, m) : 0;
    return Optional.of(new Accepted(m, position, true));
  }

  private Accepted insert(Connection conn, String organizationId, Draft d, String idempotencyKey, AfterCommit afterCommit)
      throws SQLException {
    Instant now = clock.instant();
    String id = Ids.next("msg", clock);
    Instance i = d.instance();
    Instant version = instances.lockLiveVersions(conn, List.of(i.id())).get(i.id());
    if (version == null) {
      throw new InvalidRequestException("instanceId", "no instance " + i.id() + " in this organization");
    }
    if (!version.equals(i.updatedAt())) {
      throw new InstanceChanged(i.id());
    }
    long jobId = engine.enqueue(conn, sendJob(d, id, now, null, plans.limiterKey(organizationId)), afterCommit).id();
    Message m = newMessage(organizationId, d, id, jobId, idempotencyKey, now);
    store.messageInsert(conn, m, idempotencyKey == null ? null : d.requestHash());
    Message stored = store.messageGet(conn, id, false).orElseThrow();
    return new Accepted(stored, store.messageQueuePosition(conn, stored), false);
  }

  /**
   * Accepts many validated drafts of one organization in one transaction: every message and its send
   * job, in list order, or nothing (an instance deleted meanwhile refuses the whole list, with the
   * field {@code [index].instanceId}).
   */
  public List<Accepted> acceptMany(String organizationId, List<Draft> drafts) throws SQLException {
    if (drafts.isEmpty()) {
      return List.of();
    }
    AfterCommit afterCommit = engine.afterCommit();
    List<Accepted> accepted = Tx.run(dataSource, conn -> {
      Set<String> live = instances.lockLive(conn, drafts.stream().map(d -> d.instance().id()).distinct().toList());
      List<FieldError> gone = new ArrayList<>();
      for (int n = 0; n < drafts.size(); n++) {
        String ins = drafts.get(n).instance().id();
        if (!live.contains(ins)) {
          gone.add(new FieldError("[" + n + "].instanceId", "no instance " + ins + " in this organization"));
        }
      }
      if (!gone.isEmpty()) {
        throw new InvalidRequestException(gone);
      }
      return insertMany(conn, organizationId, drafts, null, afterCommit);
    });
    afterCommit.run();
    return accepted;
  }

  /** Collects the engine's wake-ups of one transaction's inserts; run it after the commit. */
  public AfterCommit afterCommit() {
    return engine.afterCommit();
  }

  /**
   * Inserts drafts whose instances the caller locked ({@link Instances#lockLive}) inside its
   * transaction: the send jobs in one statement, the messages and their history in another, the
   * queue positions in a third.
   */
  List<Accepted> insertMany(Connection conn, String organizationId, List<Draft> drafts, AfterCommit afterCommit)
      throws SQLException {
    return insertMany(conn, organizationId, drafts, null, afterCommit);
  }

  /** {@link #insertMany(Connection, String, List, AfterCommit)} with an idempotency key per draft (null: none). */
  List<Accepted> insertMany(Connection conn, String organizationId, List<Draft> drafts, List<String> idempotencyKeys,
      AfterCommit afterCommit) throws SQLException {
    // As stored (PostgreSQL keeps microseconds): the answer shows what a later read shows.
    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
    List<String> ids = new ArrayList<>(drafts.size());
    List<JobRequest> jobs = new ArrayList<>(drafts.size());
    String planLimiter = plans.limiterKey(organizationId);
    for (Draft d : drafts) {
      String id = Ids.next("msg", clock);
      ids.add(id);
      jobs.add(sendJob(d, id, now, null, planLimiter));
    }
    List<EnqueueResult> enqueued = engine.enqueueMany(conn, jobs, afterCommit);
    List<Message> rows = new ArrayList<>(drafts.size());
    List<String> hashes = new ArrayList<>(drafts.size());
    for (int n = 0; n < drafts.size(); n++) {
      String key = idempotencyKeys == null ? null : idempotencyKeys.get(n);
      rows.add(newMessage(organizationId, drafts.get(n), ids.get(n), enqueued.get(n).id(), key, now));
      hashes.add(key == null ? null : drafts.get(n).requestHash());
    }
    Map<String, Long> seqs = store.messageInsertMany(conn, organizationId, rows, hashes, now);
    Map<String, Integer> positions = store.messageQueuePositions(conn, ids);
    List<Accepted> out = new ArrayList<>(rows.size());
    for (Message m : rows) {
      Message stored = withSeq(m, seqs.get(m.id()), now);
      out.add(new Accepted(stored, positions.getOrDefault(m.id(), 1), false));
    }
    return out;
  }

  /**
   * Inserts the messages of one campaign batch inside the caller's transaction (the campaign's
   * expansion, which locked the instance): jobs in one statement, messages and history in another;
   * every send job also carries {@code extraLimiterKey} (the campaign's own limiter, which pauses it
   * and caps its rate). Returns the message ids in draft order; no queue positions are computed.
   */
  public List<String> insertForCampaign(Connection conn, String organizationId, List<Draft> drafts,
      String extraLimiterKey, AfterCommit afterCommit) throws SQLException {
    if (drafts.isEmpty()) {
      return List.of();
    }
    Instant now = clock.instant();
    List<String> ids = new ArrayList<>(drafts.size());
    List<JobRequest> jobs = new ArrayList<>(drafts.size());
    String planLimiter = plans.limiterKey(organizationId);
    for (Draft d : drafts) {
      String id = Ids.next("msg", clock);
      ids.add(id);
      jobs.add(sendJob(d, id, now, extraLimiterKey, planLimiter));
    }
    List<EnqueueResult> enqueued = engine.enqueueMany(conn, jobs, afterCommit);
    List<Message> rows = new ArrayList<>(drafts.size());
    List<String> hashes = new ArrayList<>(drafts.size());
    for (int n = 0; n < drafts.size(); n++) {
      rows.add(newMessage(organizationId, drafts.get(n), ids.get(n), enqueued.get(n).id(), null, now));
      hashes.add(null); // campaign messages carry no Idempotency-Key of their own
    }
    store.messageInsertMany(conn, organizationId, rows, hashes, now);
    return ids;
  }

  private static Message withSeq(Message m, long seq, Instant now) {
    return new Message(seq, m.id(), m.organizationId(), m.instanceId(), m.recipient(), m.type(), m.content(),
        m.replyTo(), m.templateName(), m.priority(), m.typing(), m.orderKey(), m.metadata(), m.idempotencyKey(),
        m.status(), m.jobId(), m.providerMessageId(), m.sendAttempt(), m.throttleCount(), m.inDoubtSince(),
        m.errorCode(), m.errorMessage(), m.scheduledAt(), now, now, null, null, null, null);
  }

  /** The send job of a new message. */
  private JobRequest sendJob(Draft d, String id, Instant now, String extraLimiterKey, String planLimiterKey) {
    Instance i = d.instance();
    OrderKey orderKey = OrderKey.of(d.orderKey());
    if ("sent".equals(i.orderRelease())) {
      orderKey = orderKey.withHold(i.orderReleaseTimeout());
    }
    List<String> limiters = new ArrayList<>();
    limiters.add(i.limiterKey());
    if (i.limits().pair() != null && !d.to().endsWith("@g.us")) {
      limiters.add(i.pairLimiterKey(d.to()));
    }
    String template = "template".equals(d.type()) ? d.content().path("name").asText(null) : null;
    if (template != null) {
      limiters.add(i.templateLimiterKey(template));
    }
    if (extraLimiterKey != null) {
      limiters.add(extraLimiterKey);
    }
    if (planLimiterKey != null) {
      limiters.add(planLimiterKey);
    }
    JobRequest job = JobRequest.of(SEND_KIND, new SendArgs(id))
        .withQueue(QUEUE)
        .withPriority(d.priority())
        .withRunAt(d.runAt().isAfter(now) ? d.runAt() : null)
        .withMaxAttempts(MAX_ATTEMPTS)
        .withOrderKey(orderKey)
        .withLimiterKeys(limiters, d.to());
    return job;
  }

  private static Message newMessage(String organizationId, Draft d, String id, long jobId, String idempotencyKey,
      Instant now) {
    String template = "template".equals(d.type()) ? d.content().path("name").asText(null) : null;
    // Microseconds, as PostgreSQL stores them: what the bulk path answers is what a later read shows.
    Instant scheduledAt = (d.runAt().isAfter(now) ? d.runAt() : now).truncatedTo(ChronoUnit.MICROS);
    return new Message(0, id, organizationId, d.instance().id(), d.to(), d.type(), d.content(), d.replyTo(), template,
        d.priority(), d.typing(), d.orderKey(), d.metadata(), idempotencyKey, MessageStatus.QUEUED, jobId, null, 0, 0,
        null, null, null, scheduledAt, now, now, null, null, null, null);
  }

  /** The message a send job carries, of any organization (the admin's job views). */
  public Optional<Message> byJob(long jobId) throws SQLException {
    return store.messageByJobId(jobId);
  }

  /** Accepts a batch of message requests ({@code POST /v1/messages/batch}); see {@link MessageBatch}. */
  public MessageBatch.Outcome batch(String organizationId, JsonNode body, String idempotencyKey) throws SQLException {
    return new MessageBatch(dataSource, store, this, instances, clock).submit(organizationId, body, idempotencyKey);
  }

  public Message get(String organizationId, String id) throws SQLException {
    return store.messageGet(id).filter(m -> m.organizationId().equals(organizationId))
        .orElseThrow(() -> new NotFoundException("message", id));
  }

  /**
   * The answer to a send: {@link #view(Message)} with the queue position computed when it was
   * accepted. A message just stored is answered without reading it back (no attempts yet, one
   * history entry, {@code queued} at its creation); a replayed one is read as it is now.
   */
  public ObjectNode view(Accepted a) throws SQLException {
    Message m = a.message();
    if (a.replayed() || m.status() != MessageStatus.QUEUED) {
      ObjectNode o = view(m);
      if (m.status() == MessageStatus.QUEUED) {
        o.put("queuePosition", a.queuePosition());
      }
      return o;
    }
    return view(m, a.queuePosition(), List.of(), List.of(new MessageStore.StatusEntry("queued", m.createdAt(), null)));
  }

  /** The message in the API's shape, with history, attempts and its queue position while queued. */
  public ObjectNode view(Message m) throws SQLException {
    return view(m, null, null, null);
  }

  private ObjectNode view(Message m, Integer queuePosition, List<MessageStore.Attempt> knownAttempts,
      List<MessageStore.StatusEntry> knownHistory) throws SQLException {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", m.id());
    o.put("instanceId", m.instanceId());
    o.put("to", m.recipient());
    o.put("type", m.type());
    o.set(m.type(), WireContent.memberValue(m.type(), m.content()));
    o.put("status", m.status().text());
    o.put("priority", m.priority());
    if (m.status() == MessageStatus.QUEUED && queuePosition != null) {
      o.put("queuePosition", queuePosition);
    } else if (m.status() == MessageStatus.QUEUED) {
      try (Connection c = dataSource.getConnection()) {
        o.put("queuePosition", store.messageQueuePosition(c, m));
      }
    } else {
      o.putNull("queuePosition");
    }
    o.put("scheduledAt", m.scheduledAt().toString());
    o.put("providerMessageId", m.providerMessageId());
    o.put("replyTo", m.replyTo());
    o.put("typing", m.typing() == null ? null : Durations.format(m.typing()));
    ArrayNode attempts = o.putArray("attempts");
    for (MessageStore.Attempt a : knownAttempts != null ? knownAttempts : store.messageAttempts(m.id())) {
      ObjectNode an = attempts.addObject();
      an.put("attempt", a.jobAttempt());
      an.put("startedAt", a.startedAt().toString());
      an.put("finishedAt", a.finishedAt() == null ? null : a.finishedAt().toString());
      an.put("outcome", a.outcome());
      if (a.errorCode() != null) {
        an.putObject("error").put("class", a.errorClass()).put("code", a.errorCode()).put("message", a.errorMessage());
      }
    }
    ArrayNode history = o.putArray("history");
    for (MessageStore.StatusEntry e : knownHistory != null ? knownHistory : store.messageHistory(m.id())) {
      ObjectNode h = history.addObject().put("status", e.status()).put("at", e.at().toString());
      if (e.detail() != null) {
        h.setAll(e.detail());
      }
    }
    if (m.errorCode() != null) {
      o.putObject("error").put("code", m.errorCode()).put("message", m.errorMessage());
    } else {
      o.putNull("error");
    }
    o.set("metadata", m.metadata());
    o.put("createdAt", m.createdAt().toString());
    o.put("sentAt", m.sentAt() == null ? null : m.sentAt().toString());
    o.put("deliveredAt", m.deliveredAt() == null ? null : m.deliveredAt().toString());
    o.put("readAt", m.readAt() == null ? null : m.readAt().toString());
    return o;
  }

  /** Cancels a message not yet sending, with its job. */
  public Message cancel(String organizationId, String id) throws SQLException {
    Message m = get(organizationId, id);
    boolean cancelled = Tx.run(dataSource, conn -> store.messageCancel(conn, id, clock.instant()));
    if (!cancelled) {
      Message now = get(organizationId, id);
      throw new ConflictException(ConflictException.Kind.STATE,
          "message " + id + " is " + now.status().text() + " and can no longer be cancelled", now.status().text());
    }
    if (m.jobId() != null) {
      // After the commit: a crash before this leaves a job that finds its message cancelled and ends.
      engine.cancel(m.jobId());
    }
    return get(organizationId, id);
  }

  /**
   * Cancels a queued message inside the caller's transaction (its job is the caller's to cancel
   * after the commit); false when it is no longer queued.
   */
  public boolean cancelWithin(Connection conn, String id) throws SQLException {
    return store.messageCancel(conn, id, clock.instant());
  }

  /** Cancels every queued message of an instance, or of one chat of it; returns how many. */
  public int cancelQueued(String organizationId, String instanceId, String chat) throws SQLException {
    Instance i = instances.get(organizationId, instanceId);
    String recipient = null;
    if (chat != null) {
      recipient = chat.endsWith("@g.us") ? chat : Recipients.normalize(chat, i.defaultRegion(), true);
    }
    int total = 0;
    while (true) {
      String r = recipient;
      List<Long> jobs = new ArrayList<>();
      int n = Tx.run(dataSource, conn -> {
        List<Message> batch = store.messageQueuedForCancel(conn, instanceId, r, 500);
        for (Message m : batch) {
          if (store.messageCancel(conn, m.id(), clock.instant()) && m.jobId() != null) {
            jobs.add(m.jobId());
          }
        }
        return batch.size();
      });
      for (long job : jobs) {
        engine.cancel(job);
      }
      total += jobs.size();
      if (n < 500) {
        return total;
      }
    }
  }

  /** Queued messages of an instance in the order they will go, with positions from {@code offset + 1}. */
  public List<Message> queue(String organizationId, String instanceId, long offset, int limit) throws SQLException {
    instances.get(organizationId, instanceId);
    return store.messageQueue(instanceId, offset, limit);
  }

  public List<Message> list(String organizationId, String instanceId, String status, String to, Long beforeSeq, int limit)
      throws SQLException {
    return store.messageList(organizationId, instanceId, status, to, beforeSeq, limit);
  }
}
