package dev.courier.whatsapp.instance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import dev.courier.queue.CourierQueue;
import dev.courier.queue.LimiterConfig;
import dev.courier.whatsapp.Ids;
import dev.courier.whatsapp.NotFoundException;
import dev.courier.whatsapp.event.DomainEvent;
import dev.courier.whatsapp.event.EventStore;
import dev.courier.whatsapp.message.MessageStore;
import dev.courier.whatsapp.store.Tx;
import dev.courier.whatsapp.validation.Durations;
import dev.courier.whatsapp.validation.FieldReader;
import dev.courier.whatsapp.validation.InvalidRequestException;
import dev.courier.whatsapp.validation.RequestHash;
import dev.courier.whatsapp.message.ConflictException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Instances: create, read, pause and resume, connection state. An instance's limits live in the
 * engine as limiters ({@code wa:<id>} for the number, {@code wa:<id>:pair:*} per recipient); the
 * limiter of a paused or disconnected instance is paused, so its messages wait in the database
 * without being claimed, and go at once when it is resumed or reconnects.
 */
public final class Instances {
  private static final Logger LOG = LoggerFactory.getLogger(Instances.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> FIELDS = Set.of(
      "name", "provider", "settings", "defaultRegion", "timeZone", "ordering", "orderRelease",
      "orderReleaseTimeout", "limits", "typing", "inDoubt");
  static final Duration DEFAULT_RELEASE_TIMEOUT = Duration.ofSeconds(60);
  static final Duration DEFAULT_IN_DOUBT_WINDOW = Duration.ofMinutes(10);
  static final Duration GATEWAY_TYPING = Duration.ofSeconds(2);
  /** The longest typing indicator, as for one message ({@code typing} of a send request). */
  static final Duration MAX_TYPING = Duration.ofSeconds(60);
  /** How long a send may be validated against an instance read earlier (checked again at its commit). */
  static final Duration RECENT_MAX_AGE = Duration.ofSeconds(10);
  static final int RECENT_MAX_ENTRIES = 10_000;

  private final DataSource dataSource;
  private final InstanceStore store;
  private final MessageStore messages;
  private final EventStore events;
  private final CourierQueue engine;
  private final Clock clock;
  private final RecentInstances recent;

  public Instances(DataSource dataSource, InstanceStore store, MessageStore messages, EventStore events,
      CourierQueue engine, Clock clock) {
    this.dataSource = dataSource;
    this.store = store;
    this.messages = messages;
    this.events = events;
    this.engine = engine;
    this.clock = clock;
    this.recent = new RecentInstances(clock, RECENT_MAX_AGE, RECENT_MAX_ENTRIES);
  }

  /** An instance was created (or, for a repeated Idempotency-Key, had been). */
  public record Created(Instance instance, boolean replayed) {}

  /** Creates an instance from a request body in the API's shape. */
  public Instance create(String organizationId, JsonNode body) throws SQLException {
    return create(organizationId, body, null).instance();
  }

  /**
   * Creates an instance; with an Idempotency-Key, the same key and body return the first instance,
   * the same key with another body is refused.
   */
  public Created create(String organizationId, JsonNode body, String idempotencyKey) throws SQLException {
    if (idempotencyKey != null) {
      Optional<Created> earlier = replay(organizationId, idempotencyKey, body);
      if (earlier.isPresent()) {
        return earlier.get();
      }
    }
    try {
      return new Created(createWithId(organizationId, Ids.next("ins", clock), body, idempotencyKey), false);
    } catch (InvalidRequestException e) {
      if (idempotencyKey != null) {
        // A concurrent request with the same key may have won the insert.
        Optional<Created> earlier = replay(organizationId, idempotencyKey, body);
        if (earlier.isPresent()) {
          return earlier.get();
        }
      }
      throw e;
    }
  }

  private Optional<Created> replay(String organizationId, String key, JsonNode body) throws SQLException {
    Optional<InstanceStore.Keyed> earlier = store.instanceByIdempotencyKey(organizationId, key);
    if (earlier.isEmpty()) {
      return Optional.empty();
    }
    if (!RequestHash.of(body).equals(earlier.get().requestHash())) {
      throw new ConflictException(ConflictException.Kind.IDEMPOTENCY_MISMATCH,
          "Idempotency-Key " + key + " was used for a different request (instance " + earlier.get().instance().id() + ")",
          earlier.get().instance().state().text());
    }
    return Optional.of(new Created(earlier.get().instance(), true));
  }

  /** Creates an instance with a chosen id (the demo instance has a well-known one). */
  public Instance createWithId(String organizationId, String id, JsonNode body) throws SQLException {
    return createWithId(organizationId, id, body, null);
  }

  private Instance createWithId(String organizationId, String id, JsonNode body, String idempotencyKey)
      throws SQLException {
    FieldReader r = new FieldReader();
    FieldReader.requireObject(body);
    r.onlyKnown(body, "", FIELDS);
    String name = name(body, r);
    String providerText = r.choice(body, "", "provider", Set.of("cloud_api", "gateway", "simulator"), null);
    ProviderKind provider = providerText == null ? null : ProviderKind.of(providerText).orElseThrow();
    JsonNode settingsNode = r.object(body, "", "settings", provider != null && provider != ProviderKind.SIMULATOR);
    ObjectNode settings = settingsNode == null ? JSON.createObjectNode() : (ObjectNode) settingsNode;
    if (provider != null) {
      ProviderSettings.validate(provider, settings, r);
    }
    String region = region(body, r);
    ZoneId zone = Optional.ofNullable(r.zone(body, "", "timeZone", false)).orElse(ZoneOffset.UTC);
    String ordering = r.choice(body, "", "ordering", Set.of("chat", "instance"), "chat");
    String release = r.choice(body, "", "orderRelease", Set.of("accepted", "sent"), "accepted");
    Duration releaseTimeout = Optional.ofNullable(r.duration(body, "", "orderReleaseTimeout", false)).orElse(DEFAULT_RELEASE_TIMEOUT);
    Duration typing = r.duration(body, "", "typing", false);
    checkTyping(typing, r);
    JsonNode inDoubt = r.object(body, "", "inDoubt", false);
    r.onlyKnown(inDoubt, "inDoubt", Set.of("window", "policy"));
    Duration window = Optional.ofNullable(r.duration(inDoubt, "inDoubt", "window", false)).orElse(DEFAULT_IN_DOUBT_WINDOW);
    String policy = r.choice(inDoubt, "inDoubt", "policy", Set.of("resend", "fail"), "resend");
    JsonNode limitsNode = body.get("limits");
    ObjectNode userLimits = limitsNode != null && limitsNode.isObject() ? (ObjectNode) limitsNode : JSON.createObjectNode();
    if (limitsNode != null && !limitsNode.isNull() && !limitsNode.isObject()) {
      r.error("limits", "must be an object");
    }
    InstanceLimits limits = null;
    if (provider != null) {
      // Validate what the user gave with its own paths, then build the effective limits.
      InstanceLimits.parse(userLimits, "limits", r);
      limits = InstanceLimits.parse(InstanceLimits.merge(provider, zone, userLimits), "limits", new FieldReader());
    }
    r.throwIfInvalid();
    if (typing == null && provider == ProviderKind.GATEWAY) {
      typing = GATEWAY_TYPING;
    }
    Instant now = clock.instant();
    // Cloud API numbers, and simulators that set one, are found by it (the Cloud API compatible endpoint).
    String phoneNumberId = provider == ProviderKind.CLOUD_API || provider == ProviderKind.SIMULATOR
        ? settings.path("phoneNumberId").asText(null) : null;
    Instance instance = new Instance(
        id, organizationId, name, provider, settings, region, zone, ordering, release,
        releaseTimeout, limits, typing, window, policy, InstanceState.CONNECTED, null, now, phoneNumberId, now, now);
    applyLimiters(instance);
    try {
      Tx.run(dataSource, conn -> {
        store.instanceInsert(conn, instance, userLimits, idempotencyKey,
            idempotencyKey == null ? null : RequestHash.of(body));
        return null;
      });
    } catch (SQLException e) {
      if ("23505".equals(e.getSQLState())) {
        throw uniqueViolation(e);
      }
      throw e;
    }
    LOG.info("instance created id={} organization={} provider={}", instance.id(), organizationId, provider.text());
    return instance;
  }

  private static String name(JsonNode body, FieldReader r) {
    String name = r.text(body, "", "name", true);
    if (name != null && (name.length() > 64 || !name.matches("[A-Za-z0-9][A-Za-z0-9 ._-]*"))) {
      r.error("name", "must be 1-64 letters, digits, spaces, dots, dashes or underscores");
    }
    return name;
  }

  private static String region(JsonNode body, FieldReader r) {
    String region = r.text(body, "", "defaultRegion", false);
    if (region != null && !PhoneNumberUtil.getInstance().getSupportedRegions().contains(region)) {
      r.error("defaultRegion", "must be a two-letter region code such as BR or US");
    }
    return region;
  }

  /**
   * Changes an instance (PATCH). Members left out keep their value. {@code settings} is merged member
   * by member (a member set to {@code null} is removed; secrets may be replaced, never read back);
   * {@code limits} likewise (a member set to {@code null} turns the provider's default off, as on
   * create; {@code "limits": null} goes back to the provider's defaults); {@code inDoubt} likewise;
   * any other member set to {@code null} goes back to its default. The result is validated as a
   * create is, with the same field paths; {@code provider} cannot change. The limiters are re-applied
   * at once and {@code updatedAt} moves, so the provider is rebuilt at the next send. Messages already
   * queued keep their order key and release rule; new ones use the new {@code ordering}.
   */
  public Instance update(String organizationId, String id, JsonNode patch) throws SQLException {
    FieldReader.requireObject(patch);
    List<DomainEvent> raised = new ArrayList<>();
    Instance updated;
    try {
      updated = Tx.run(dataSource, conn -> {
        InstanceStore.Stored stored = store.instanceLock(conn, organizationId, id)
            .orElseThrow(() -> new NotFoundException("instance", id));
        Changed changed = applyPatch(stored, patch);
        store.instanceUpdate(conn, changed.instance(), changed.userLimits());
        ObjectNode payload = JSON.createObjectNode().put("instanceId", id);
        payload.set("fields", JSON.valueToTree(patch.properties().stream().map(Map.Entry::getKey).sorted().toList()));
        raised.add(events.eventInsert(conn, organizationId, "instance.updated", id, payload));
        return changed.instance();
      });
    } catch (SQLException e) {
      if ("23505".equals(e.getSQLState())) {
        throw uniqueViolation(e);
      }
      throw e;
    }
    events.publishAfterCommit(raised);
    // After the commit, from the row as it is now (a pause may have come in between; a delete
    // removes the limiters itself).
    Optional<Instance> now = find(id);
    now.ifPresent(this::applyLimiters);
    LOG.info("instance updated id={} organization={} fields={}", id, organizationId, patch.properties().size());
    return now.orElse(updated);
  }

  private record Changed(Instance instance, ObjectNode userLimits) {}

  private Changed applyPatch(InstanceStore.Stored stored, JsonNode patch) {
    Instance cur = stored.instance();
    FieldReader r = new FieldReader();
    r.onlyKnown(patch, "", FIELDS);
    ProviderKind provider = cur.provider();
    if (patch.has("provider") && !provider.text().equals(patch.get("provider").asText(null))) {
      r.error("provider", "cannot be changed (it is " + provider.text() + "); create a new instance");
    }
    String name = patch.has("name") ? name(patch, r) : cur.name();
    ObjectNode settings = cur.settings().deepCopy();
    if (patch.has("settings")) {
      JsonNode s = patch.get("settings");
      if (!s.isObject()) {
        r.error("settings", "must be an object");
      } else {
        s.properties().forEach(e -> {
          if (e.getValue().isNull()) {
            settings.remove(e.getKey());
          } else {
            settings.set(e.getKey(), e.getValue());
          }
        });
      }
    }
    ProviderSettings.validate(provider, settings, r);
    String region = patch.has("defaultRegion") ? region(patch, r) : cur.defaultRegion();
    ZoneId zone = cur.timeZone();
    if (patch.has("timeZone")) {
      zone = Optional.ofNullable(r.zone(patch, "", "timeZone", false)).orElse(ZoneOffset.UTC);
    }
    String ordering = patch.has("ordering")
        ? r.choice(patch, "", "ordering", Set.of("chat", "instance"), "chat") : cur.ordering();
    String release = patch.has("orderRelease")
        ? r.choice(patch, "", "orderRelease", Set.of("accepted", "sent"), "accepted") : cur.orderRelease();
    Duration releaseTimeout = cur.orderReleaseTimeout();
    if (patch.has("orderReleaseTimeout")) {
      releaseTimeout = Optional.ofNullable(r.duration(patch, "", "orderReleaseTimeout", false)).orElse(DEFAULT_RELEASE_TIMEOUT);
    }
    Duration typing = cur.typing();
    if (patch.has("typing")) {
      typing = r.duration(patch, "", "typing", false);
      checkTyping(typing, r);
      if (typing == null && provider == ProviderKind.GATEWAY) {
        typing = GATEWAY_TYPING;
      }
    }
    Duration window = cur.inDoubtWindow();
    String policy = cur.inDoubtPolicy();
    if (patch.has("inDoubt")) {
      JsonNode inDoubt = patch.get("inDoubt");
      if (inDoubt.isNull()) {
        window = DEFAULT_IN_DOUBT_WINDOW;
        policy = "resend";
      } else if (!inDoubt.isObject()) {
        r.error("inDoubt", "must be an object");
      } else {
        r.onlyKnown(inDoubt, "inDoubt", Set.of("window", "policy"));
        if (inDoubt.has("window")) {
          window = Optional.ofNullable(r.duration(inDoubt, "inDoubt", "window", false)).orElse(DEFAULT_IN_DOUBT_WINDOW);
        }
        if (inDoubt.has("policy")) {
          policy = r.choice(inDoubt, "inDoubt", "policy", Set.of("resend", "fail"), "resend");
        }
      }
    }
    ObjectNode userLimits = stored.userLimits().deepCopy();
    if (patch.has("limits")) {
      JsonNode l = patch.get("limits");
      if (l.isNull()) {
        userLimits = JSON.createObjectNode();
      } else if (!l.isObject()) {
        r.error("limits", "must be an object");
      } else {
        ObjectNode merged = userLimits;
        l.properties().forEach(e -> merged.set(e.getKey(), e.getValue()));
      }
    }
    InstanceLimits.parse(userLimits, "limits", r);
    InstanceLimits limits = InstanceLimits.parse(InstanceLimits.merge(provider, zone, userLimits), "limits", new FieldReader());
    r.throwIfInvalid();
    // A new updatedAt (strictly later, at the database's microsecond precision) rebuilds the provider.
    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
    Instant updatedAt = now.isAfter(cur.updatedAt()) ? now : cur.updatedAt().plus(1, ChronoUnit.MICROS);
    String phoneNumberId = provider == ProviderKind.CLOUD_API ? settings.path("phoneNumberId").asText(null) : null;
    Instance next = new Instance(
        cur.id(), cur.organizationId(), name, provider, settings, region, zone, ordering, release, releaseTimeout,
        limits, typing, window, policy, cur.state(), cur.stateReason(), cur.stateChangedAt(), phoneNumberId,
        cur.createdAt(), updatedAt);
    return new Changed(next, userLimits);
  }

  /** A unique violation (23505) as the field it is about. */
  private static InvalidRequestException uniqueViolation(SQLException e) {
    String m = e.getMessage() == null ? "" : e.getMessage();
    String field = m.contains("idempotency") ? "Idempotency-Key" : m.contains("phone_number") ? "settings.phoneNumberId" : "name";
    return new InvalidRequestException(field, "another instance of this organization already uses it");
  }

  /** What a delete did. */
  public record Deleted(Instance instance, Instant deletedAt, int cancelledMessages) {}

  /**
   * Deletes an instance (soft: it disappears from the API and its callbacks are refused, its
   * messages and their history stay readable). An instance with unfinished messages (queued,
   * sending or in doubt) is refused with {@link InstanceInUseException} unless {@code force}: then its
   * queued messages are cancelled (with their jobs) in the same transaction; a message already
   * sending finishes and is recorded, and one in doubt is failed ({@code instance_deleted}) when its
   * job next runs, since no callback can reach a deleted instance. The instance's limiters are
   * removed.
   */
  public Deleted delete(String organizationId, String id, boolean force) throws SQLException {
    List<DomainEvent> raised = new ArrayList<>();
    List<Long> jobs = new ArrayList<>();
    Instant now = clock.instant();
    Instance deleted = Tx.run(dataSource, conn -> {
      Instance i = store.instanceLock(conn, organizationId, id)
          .orElseThrow(() -> new NotFoundException("instance", id)).instance();
      MessageStore.Unfinished unfinished = messages.messageUnfinishedCounts(conn, id);
      if (!force && unfinished.total() > 0) {
        throw new InstanceInUseException(id, unfinished.queued(), unfinished.inFlight());
      }
      if (unfinished.queued() > 0) {
        jobs.addAll(messages.messageCancelAllQueued(conn, id, now, JSON.createObjectNode().put("reason", "instance deleted")));
      }
      store.instanceMarkDeleted(conn, id, now);
      ObjectNode payload = JSON.createObjectNode().put("instanceId", id).put("cancelledMessages", jobs.size());
      raised.add(events.eventInsert(conn, organizationId, "instance.deleted", id, payload));
      return i;
    });
    recent.forget(id);
    events.publishAfterCommit(raised);
    // After the commit: a job left by a crash here finds its message cancelled and ends.
    for (long job : jobs) {
      engine.cancel(job);
    }
    engine.removeLimiter(deleted.limiterKey());
    engine.removeLimiter(deleted.pairLimiterPattern());
    engine.removeLimiter("wa:" + id + ":tpl:*");
    LOG.info("instance deleted id={} organization={} cancelledMessages={}", id, organizationId, jobs.size());
    return new Deleted(deleted, now, jobs.size());
  }

  public Instance get(String organizationId, String id) throws SQLException {
    return store.instanceGet(organizationId, id).orElseThrow(() -> new NotFoundException("instance", id));
  }

  public Optional<Instance> find(String id) throws SQLException {
    Optional<Instance> found = store.instanceGet(id);
    found.ifPresentOrElse(recent::put, () -> recent.forget(id));
    return found;
  }

  /**
   * The live instance, possibly as this node read it a few seconds ago: for validating a send, whose
   * commit then checks the version it was validated with ({@link #lockLiveVersions}).
   */
  public Optional<Instance> findRecent(String id) throws SQLException {
    Optional<Instance> cached = recent.get(id);
    return cached.isPresent() ? cached : find(id);
  }

  /** Drops this node's recent read of an instance (a send found it changed). */
  public void forgetRecent(String id) {
    recent.forget(id);
  }

  /** The live instances of the organization among {@code ids}, by id, in one statement. */
  public Map<String, Instance> findAll(String organizationId, Collection<String> ids) throws SQLException {
    return ids.isEmpty() ? Map.of() : store.instancesGet(organizationId, ids);
  }

  /**
   * Of {@code ids}, the instances still live, share-locked until the caller's transaction ends, so
   * messages accepted in it cannot race a delete of their instance.
   */
  public Set<String> lockLive(Connection conn, Collection<String> ids) throws SQLException {
    return store.instancesLockLive(conn, ids).keySet();
  }

  /**
   * {@link #lockLive} with each live instance's {@code updatedAt}: a message validated against
   * another version of its instance must be validated again.
   */
  public Map<String, Instant> lockLiveVersions(Connection conn, Collection<String> ids) throws SQLException {
    return store.instancesLockLive(conn, ids);
  }

  /** An instance of the organization, even a deleted one (listing old messages by instance). */
  public Optional<Instance> findIncludingDeleted(String organizationId, String id) throws SQLException {
    return store.instanceGetIncludingDeleted(organizationId, id);
  }

  public Optional<Instance> byPhoneNumberId(String organizationId, String phoneNumberId) throws SQLException {
    return store.instanceByPhoneNumberId(organizationId, phoneNumberId);
  }

  public List<Instance> list(String organizationId, String afterId, int limit) throws SQLException {
    return store.instanceList(organizationId, afterId, limit);
  }

  /** Pauses an instance (by a user, or because the provider flagged it) and raises instance.paused. */
  public Instance pause(String organizationId, String id, String reason) throws SQLException {
    Instance i = get(organizationId, id);
    setState(i, InstanceState.PAUSED, reason, "instance.paused");
    return get(organizationId, id);
  }

  public Instance resume(String organizationId, String id) throws SQLException {
    Instance i = get(organizationId, id);
    setState(i, InstanceState.CONNECTED, null, "instance.resumed");
    return get(organizationId, id);
  }

  /** A provider said the number's session is up or down (gateways). A paused instance stays paused. */
  public void connection(Instance i, boolean connected) throws SQLException {
    if (i.state() == InstanceState.PAUSED) {
      return;
    }
    setState(i, connected ? InstanceState.CONNECTED : InstanceState.DISCONNECTED, null,
        connected ? "instance.connected" : "instance.disconnected");
  }

  /** Pauses messages that use one template of an instance (Meta paused or disabled it). */
  public void pauseTemplate(Instance i, String template) {
    engine.setLimiter(i.templateLimiterKey(template), LimiterConfig.none().withPaused(true));
    LOG.warn("template paused instance={} template={}", i.id(), template);
  }

  /**
   * Lets messages using the template go again, at once: their jobs wait up to a minute (the paused
   * limiter's re-check), so the due ones are woken. Messages with a later {@code sendAt} keep it.
   */
  public void resumeTemplate(Instance i, String template) throws SQLException {
    engine.setLimiter(i.templateLimiterKey(template), LimiterConfig.none());
    for (long job : messages.messageDueTemplateJobs(i.id(), template, clock.instant())) {
      engine.retry(job);
    }
    LOG.info("template resumed instance={} template={}", i.id(), template);
  }

  private void setState(Instance i, InstanceState state, String reason, String eventType) throws SQLException {
    Instant now = clock.instant();
    List<DomainEvent> raised = new ArrayList<>();
    boolean changed = Tx.run(dataSource, conn -> {
      boolean c = store.instanceSetState(conn, i.id(), state, reason, now);
      if (c) {
        ObjectNode payload = JSON.createObjectNode().put("instanceId", i.id()).put("state", state.text());
        payload.put("reason", reason);
        raised.add(events.eventInsert(conn, i.organizationId(), eventType, i.id(), payload));
      }
      return c;
    });
    recent.forget(i.id());
    // The limiter follows the state after the commit; a crash in between is healed by syncLimiters
    // at the next start, and the send worker checks the state itself meanwhile.
    if (changed) {
      engine.setLimiter(i.limiterKey(), i.limits().numberLimiter(state != InstanceState.CONNECTED));
      LOG.info("instance state id={} state={} reason={}", i.id(), state.text(), reason);
      events.publishAfterCommit(raised);
    }
  }

  /** Releases the order key a completed send job holds ({@code orderRelease: sent}). */
  public void releaseOrderKey(long jobId) {
    engine.releaseOrderKey(jobId);
  }

  /** Writes an instance's limiters to the engine. */
  public void applyLimiters(Instance i) {
    engine.setLimiter(i.limiterKey(), i.limits().numberLimiter(i.state() != InstanceState.CONNECTED));
    LimiterConfig pair = i.limits().pairLimiter();
    if (pair == null) {
      engine.removeLimiter(i.pairLimiterPattern());
    } else {
      engine.setLimiter(i.pairLimiterPattern(), pair);
    }
    // The prefix of template limiters: unpaused templates pass.
    engine.setLimiter("wa:" + i.id() + ":tpl:*", LimiterConfig.none());
  }

  /** Re-applies every instance's limiters (at start: heals a crash between a state change and its limiter). */
  public int syncLimiters() throws SQLException {
    int n = 0;
    for (String org : store.organizationsWithInstances()) {
      String after = null;
      while (true) {
        List<Instance> page = store.instanceList(org, after, 500);
        for (Instance i : page) {
          applyLimiters(i);
          n++;
        }
        if (page.size() < 500) {
          break;
        }
        after = page.get(page.size() - 1).id();
      }
    }
    return n;
  }

  /** The instance in the API's shape (secrets left out). */
  private static void checkTyping(Duration typing, FieldReader r) {
    if (typing != null && typing.compareTo(MAX_TYPING) > 0) {
      r.error("typing", "must be at most " + Durations.format(MAX_TYPING));
    }
  }

  public static ObjectNode toJson(Instance i) {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", i.id());
    o.put("name", i.name());
    o.put("provider", i.provider().text());
    o.set("settings", ProviderSettings.redacted(i.settings()));
    o.put("defaultRegion", i.defaultRegion());
    o.put("timeZone", i.timeZone().getId());
    o.put("ordering", i.ordering());
    o.put("orderRelease", i.orderRelease());
    o.put("orderReleaseTimeout", Durations.format(i.orderReleaseTimeout()));
    o.put("typing", i.typing() == null ? null : Durations.format(i.typing()));
    o.putObject("inDoubt").put("window", Durations.format(i.inDoubtWindow())).put("policy", i.inDoubtPolicy());
    o.set("limits", i.limits().toJson());
    o.put("state", i.state().text());
    o.put("stateReason", i.stateReason());
    o.put("stateChangedAt", i.stateChangedAt().toString());
    o.put("createdAt", i.createdAt().toString());
    o.put("updatedAt", i.updatedAt().toString());
    return o;
  }
}
