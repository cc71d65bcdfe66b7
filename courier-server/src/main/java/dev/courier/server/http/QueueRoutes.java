package dev.courier.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.queue.BlockedOrderKey;
import dev.courier.queue.CourierQueue;
import dev.courier.queue.Job;
import dev.courier.queue.JobError;
import dev.courier.queue.JobQuery;
import dev.courier.queue.JobState;
import dev.courier.queue.Page;
import dev.courier.queue.QueueStats;
import dev.courier.server.auth.ApiKeyStore;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.message.Message;
import dev.courier.whatsapp.message.Messages;
import dev.courier.whatsapp.validation.Durations;
import dev.courier.whatsapp.validation.FieldError;
import dev.courier.whatsapp.validation.FieldReader;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code /v1/queues}, {@code /v1/jobs} and {@code /v1/order-keys}: the job engine as an operator
 * sees it. Engine queues are shared by every organization of the deployment, so these routes answer
 * only the admin key of the default organization; any other key gets the 404 of an unknown route.
 * Job ids are decimal strings ({@code "id": "123"}), as the engine and the logs write them.
 */
final class QueueRoutes {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> CLEAN_FIELDS = Set.of("state", "olderThan");
  private static final Set<String> FINAL_STATES = Set.of("completed", "cancelled", "discarded");

  private final WhatsApp wa;

  QueueRoutes(WhatsApp wa) {
    this.wa = wa;
  }

  private CourierQueue engine() {
    return wa.engine();
  }

  /** Wraps a handler so that only the deployment's admin key reaches it. */
  static Handler adminOnly(Handler h) {
    return ctx -> {
      ApiKeyStore.ApiKey key = Requests.key(ctx);
      if (key == null || !key.admin() || !WhatsApp.DEFAULT_ORGANIZATION.equals(key.organizationId())) {
        throw new ProblemException(Problem.notFound("no route " + ctx.method() + " " + ctx.path()));
      }
      h.handle(ctx);
    };
  }

  // ---------------------------------------------------------------- queues

  void list(Context ctx) {
    List<Map<String, Object>> data = new ArrayList<>();
    for (QueueStats q : stats().values()) {
      data.add(queueView(q));
    }
    Requests.json(ctx, 200, Map.of("data", data));
  }

  void pause(Context ctx) {
    String name = knownQueue(ctx);
    engine().pause(name);
    Requests.json(ctx, 200, queueView(stats().get(name)));
  }

  void resume(Context ctx) {
    String name = knownQueue(ctx);
    engine().resume(name);
    Requests.json(ctx, 200, queueView(stats().get(name)));
  }

  void retryDiscarded(Context ctx) {
    String name = knownQueue(ctx);
    int n = engine().retryDiscarded(name);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("queue", name);
    body.put("retried", n);
    Requests.json(ctx, 200, body);
  }

  /** Deletes finished jobs of a queue: {@code {"state": "completed", "olderThan": "7d"}}. */
  void clean(Context ctx) {
    String name = knownQueue(ctx);
    JsonNode body = JsonBody.read(ctx);
    FieldReader r = new FieldReader();
    if (!body.isObject()) {
      r.error("", "the body must be a JSON object");
    }
    r.onlyKnown(body, "", CLEAN_FIELDS);
    String state = r.choice(body, "", "state", FINAL_STATES, null);
    Duration olderThan = r.duration(body, "", "olderThan", true);
    r.throwIfInvalid();
    int n = engine().clean(name, JobState.fromWire(state), olderThan);
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("queue", name);
    answer.put("state", state);
    answer.put("olderThan", Durations.format(olderThan));
    answer.put("deleted", n);
    Requests.json(ctx, 200, answer);
  }

  private Map<String, QueueStats> stats() {
    Map<String, QueueStats> byName = new TreeMap<>();
    for (String q : wa.queueNames()) {
      byName.put(q, new QueueStats(q, zeroCounts(), false));
    }
    for (QueueStats q : engine().queueStats()) {
      byName.put(q.queue(), q);
    }
    return byName;
  }

  private static Map<JobState, Long> zeroCounts() {
    Map<JobState, Long> m = new EnumMap<>(JobState.class);
    for (JobState s : JobState.values()) {
      m.put(s, 0L);
    }
    return m;
  }

  /** The {@code {name}} path parameter, when the engine knows that queue (it has jobs, a pause flag, or the domain runs it). */
  private String knownQueue(Context ctx) {
    String name = ctx.pathParam("name");
    if (!stats().containsKey(name)) {
      throw new ProblemException(Problem.notFound("no queue " + name));
    }
    return name;
  }

  private static Map<String, Object> queueView(QueueStats q) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("name", q.queue());
    o.put("paused", q.paused());
    Map<String, Long> counts = new LinkedHashMap<>();
    for (JobState s : JobState.values()) {
      counts.put(s.wireName(), q.count(s));
    }
    o.put("counts", counts);
    return o;
  }

  // ---------------------------------------------------------------- jobs

  /** {@code ?queue=&state=&kind=&cursor=&limit=}, newest first. */
  void jobs(Context ctx) {
    int limit = Requests.limit(ctx);
    List<FieldError> errors = new ArrayList<>();
    JobState state = null;
    String stateText = ctx.queryParam("state");
    if (stateText != null) {
      try {
        state = JobState.fromWire(stateText);
      } catch (IllegalArgumentException e) {
        errors.add(new FieldError("state",
            "must be one of scheduled, available, running, retryable, completed, cancelled, discarded"));
      }
    }
    String queue = text(ctx, "queue", errors);
    String kind = text(ctx, "kind", errors);
    if (!errors.isEmpty()) {
      throw new ProblemException(Problem.validation(errors));
    }
    long before = Requests.position(ctx, -1);
    JobQuery q = new JobQuery(queue, state, kind, before < 0 ? null : Long.toString(before), limit);
    Page<Job> page = engine().jobs(q);
    List<ObjectNode> data = page.items().stream().map(j -> jobView(j, false)).toList();
    String next = page.nextCursor() == null ? null : Requests.cursor(Long.parseLong(page.nextCursor()));
    Requests.json(ctx, 200, Requests.page(data, next));
  }

  private static String text(Context ctx, String name, List<FieldError> errors) {
    String v = ctx.queryParam(name);
    if (v != null && (v.isBlank() || v.length() > 128 || v.chars().anyMatch(Character::isISOControl))) {
      errors.add(new FieldError(name, "must be 1-128 characters, none a control character"));
      return null;
    }
    return v;
  }

  /** One job with its whole error history (traces included). */
  void job(Context ctx) {
    Job j = find(ctx);
    Requests.json(ctx, 200, jobView(j, true));
  }

  /**
   * Runs a job again now. A send job whose message is already final would end without sending, so
   * it is refused (send the message again instead).
   */
  void retry(Context ctx) throws Exception {
    Job j = find(ctx);
    if (Messages.SEND_KIND.equals(j.kind())) {
      Optional<Message> m = wa.messages().byJob(j.id());
      if (m.isPresent() && m.get().status().isFinal()) {
        throw conflict("job " + j.id() + " sends message " + m.get().id() + ", which is " + m.get().status().text()
            + "; a retried send job ends without sending: send the message again", j.state(), m.get());
      }
    }
    if (!engine().retry(j.id())) {
      Job now = engine().job(j.id()).orElseThrow(() -> notFound(ctx));
      throw conflict("job " + j.id() + " is " + now.state().wireName() + " and cannot be retried now", now.state(), null);
    }
    Requests.json(ctx, 200, jobView(engine().job(j.id()).orElseThrow(() -> notFound(ctx)), true));
  }

  /**
   * Cancels a job: 200 once cancelled; 202 when it runs (its worker is told and it becomes cancelled
   * when it returns); 409 when it already finished. A send job is cancelled with its message (as
   * {@code DELETE /v1/messages/{id}}), so a message never waits for a job that will not run.
   */
  void cancel(Context ctx) throws Exception {
    Job j = find(ctx);
    if (Messages.SEND_KIND.equals(j.kind())) {
      Optional<Message> m = wa.messages().byJob(j.id());
      if (m.isPresent() && !m.get().status().isFinal()) {
        // 409 with the message's status when it is already sending or in doubt.
        wa.messages().cancel(m.get().organizationId(), m.get().id());
      }
    }
    Optional<JobState> state = engine().cancel(j.id());
    if (state.isEmpty()) {
      throw notFound(ctx);
    }
    Job now = engine().job(j.id()).orElseThrow(() -> notFound(ctx));
    switch (state.get()) {
      case CANCELLED -> Requests.json(ctx, 200, jobView(now, true));
      case RUNNING -> Requests.json(ctx, 202, jobView(now, true));
      default -> throw conflict("job " + j.id() + " is " + state.get().wireName() + " and can no longer be cancelled",
          state.get(), null);
    }
  }

  private Job find(Context ctx) {
    String id = ctx.pathParam("id");
    long n;
    try {
      n = Long.parseLong(id);
    } catch (NumberFormatException e) {
      throw notFound(ctx);
    }
    if (n <= 0) {
      throw notFound(ctx);
    }
    return engine().job(n).orElseThrow(() -> notFound(ctx));
  }

  private static ProblemException notFound(Context ctx) {
    return new ProblemException(Problem.notFound("no job " + ctx.pathParam("id")));
  }

  private static ProblemException conflict(String detail, JobState state, Message m) {
    Map<String, Object> ext = new LinkedHashMap<>();
    ext.put("currentState", state.wireName());
    if (m != null) {
      ext.put("messageId", m.id());
      ext.put("messageStatus", m.status().text());
    }
    return new ProblemException(Problem.conflict(detail, ext));
  }

  static ObjectNode jobView(Job j, boolean traces) {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", Long.toString(j.id()));
    o.put("queue", j.queue());
    o.put("kind", j.kind());
    o.put("state", j.state().wireName());
    o.put("priority", j.priority());
    o.put("attempt", j.attempt());
    o.put("maxAttempts", j.maxAttempts());
    o.set("args", tree(j.argsJson()));
    o.put("createdAt", time(j.createdAt()));
    o.put("scheduledAt", time(j.scheduledAt()));
    o.put("attemptedAt", time(j.attemptedAt()));
    o.put("finalizedAt", time(j.finalizedAt()));
    o.put("attemptedBy", j.attemptedBy());
    o.put("leaseExpiresAt", time(j.leaseExpiresAt()));
    o.put("cancelRequested", j.cancelRequested());
    if (j.progress() == null) {
      o.putNull("progress");
    } else {
      o.put("progress", j.progress());
    }
    o.set("result", tree(j.resultJson()));
    ArrayNode tags = o.putArray("tags");
    (j.tags() == null ? List.<String>of() : j.tags()).forEach(tags::add);
    o.set("metadata", tree(j.metadataJson()));
    o.put("uniqueKey", j.uniqueKey());
    o.put("orderKey", j.orderKey());
    ArrayNode limiters = o.putArray("limiterKeys");
    (j.limiterKeys() == null ? List.<String>of() : j.limiterKeys()).forEach(limiters::add);
    ArrayNode errors = o.putArray("errors");
    for (JobError e : j.errors() == null ? List.<JobError>of() : j.errors()) {
      ObjectNode en = errors.addObject();
      en.put("attempt", e.attempt());
      en.put("at", time(e.at()));
      en.put("class", e.errorClass());
      en.put("message", e.message());
      if (traces) {
        en.put("trace", e.trace());
      }
    }
    return o;
  }

  private static JsonNode tree(String json) {
    if (json == null) {
      return JSON.nullNode();
    }
    try {
      return JSON.readTree(json);
    } catch (Exception e) {
      return JSON.getNodeFactory().textNode(json);
    }
  }

  private static String time(Instant t) {
    return t == null ? null : t.toString();
  }

  // ---------------------------------------------------------------- order keys

  /** Order keys whose head job failed and waits for a retry, in key order, cursor-paged. */
  void blockedOrderKeys(Context ctx) {
    int limit = Requests.limit(ctx);
    String after = afterKey(ctx);
    List<BlockedOrderKey> page = engine().blockedOrderKeys(after, limit + 1);
    List<Map<String, Object>> data = new ArrayList<>();
    for (BlockedOrderKey k : page.subList(0, Math.min(limit, page.size()))) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("key", k.key());
      o.put("headJobId", Long.toString(k.headJobId()));
      o.put("queue", k.queue());
      o.put("kind", k.kind());
      o.put("attempt", k.attempt());
      o.put("maxAttempts", k.maxAttempts());
      o.put("retryAt", time(k.retryAt()));
      Map<String, Object> err = new LinkedHashMap<>();
      err.put("class", k.errorClass());
      err.put("message", k.errorMessage());
      o.put("lastError", err);
      o.put("waiting", k.waiting());
      data.add(o);
    }
    String next = page.size() > limit ? keyCursor(page.get(limit - 1).key()) : null;
    Requests.json(ctx, 200, Requests.page(data, next));
  }

  private static String keyCursor(String key) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(("k:" + key).getBytes(StandardCharsets.UTF_8));
  }

  private static String afterKey(Context ctx) {
    String c = ctx.queryParam("cursor");
    if (c == null || c.isEmpty()) {
      return null;
    }
    try {
      String t = new String(Base64.getUrlDecoder().decode(c), StandardCharsets.UTF_8);
      if (t.startsWith("k:") && t.chars().noneMatch(Character::isISOControl)) {
        return t.substring(2);
      }
    } catch (IllegalArgumentException e) {
      // answered below
    }
    throw new ProblemException(Problem.validation(List.of(new FieldError("cursor", "is not a cursor this API returned"))));
  }
}
