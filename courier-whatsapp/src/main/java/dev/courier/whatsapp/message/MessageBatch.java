package dev.courier.whatsapp.message;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.queue.AfterCommit;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.instance.Instances;
import dev.courier.whatsapp.store.Tx;
import dev.courier.whatsapp.validation.FieldError;
import dev.courier.whatsapp.validation.FieldReader;
import dev.courier.whatsapp.validation.InvalidRequestException;
import dev.courier.whatsapp.validation.RequestHash;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import javax.sql.DataSource;

/**
 * Many message requests in one request and one transaction ({@code POST /v1/messages/batch}):
 * {@code {"messages": [...], "atomic": false}}.
 *
 * <p>Every item is validated first, as {@code POST /v1/messages} validates one (field paths
 * prefixed {@code messages[3].}); then the valid ones are stored with their send jobs in bulk (one
 * statement for the jobs, one for the messages and their history, one for the queue positions).
 * Not atomic (the default): invalid items are reported by index and the valid ones accepted; atomic:
 * any invalid item refuses the whole batch with every error and stores nothing. A batch in which no
 * item is valid stores nothing and is refused either way.
 *
 * <p>With an {@code Idempotency-Key}, the key and a hash of the whole request are stored with the
 * answer in the batch's transaction ({@code courier_message_batch}): the same key and body answer
 * the first answer again (nothing new is stored), the same key with another body is refused. A
 * request that was refused (nothing stored) keeps no key. Batch keys are separate from the
 * per-message keys of single sends.
 */
public final class MessageBatch {
  /** The most message requests one batch may carry. */
  public static final int MAX_ITEMS = 10_000;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> FIELDS = Set.of("messages", "atomic");

  /**
   * What a batch did.
   *
   * @param body the answer: {@code {"accepted", "rejected", "results": [{index, id, status,
   *     queuePosition} | {index, errors: [{field, message}]}]}}, results in request order
   * @param replayed whether this repeats the answer of an earlier request with the same key
   */
  public record Outcome(ObjectNode body, boolean replayed) {
    public int accepted() {
      return body.path("accepted").asInt();
    }

    public int rejected() {
      return body.path("rejected").asInt();
    }
  }

  private final DataSource dataSource;
  private final MessageStore store;
  private final Messages messages;
  private final Instances instances;
  private final Clock clock;

  MessageBatch(DataSource dataSource, MessageStore store, Messages messages, Instances instances, Clock clock) {
    this.dataSource = dataSource;
    this.store = store;
    this.messages = messages;
    this.instances = instances;
    this.clock = clock;
  }

  /** Validates and stores a batch; {@link InvalidRequestException} (nothing stored) when refused. */
  public Outcome submit(String organizationId, JsonNode body, String idempotencyKey) throws SQLException {
    FieldReader r = new FieldReader();
    FieldReader.requireObject(body);
    r.onlyKnown(body, "", FIELDS);
    boolean atomic = Boolean.TRUE.equals(r.bool(body, "", "atomic"));
    JsonNode items = body.get("messages");
    if (items == null || items.isNull()) {
      r.error("messages", "is required");
    } else if (!items.isArray() || items.isEmpty() || items.size() > MAX_ITEMS) {
      r.error("messages", "must be an array of 1 to " + MAX_ITEMS + " message requests");
    }
    r.throwIfInvalid();
    String hash = idempotencyKey == null ? null : RequestHash.of(body);
    if (idempotencyKey != null) {
      try (Connection c = dataSource.getConnection()) {
        Optional<Outcome> earlier = replay(c, organizationId, idempotencyKey, hash);
        if (earlier.isPresent()) {
          return earlier.get();
        }
      }
    }

    // Validate every item with the instances read once.
    Set<String> ids = new LinkedHashSet<>();
    items.forEach(item -> {
      if (item.path("instanceId").isTextual()) {
        ids.add(item.get("instanceId").asText());
      }
    });
    Map<String, Instance> known = instances.findAll(organizationId, ids);
    int defaultPriority = messages.defaultPriority(organizationId);
    int n = items.size();
    Messages.Draft[] drafts = new Messages.Draft[n];
    List<List<FieldError>> errors = new ArrayList<>(n);
    @SuppressWarnings("unchecked")
    List<FieldError>[] itemErrors = new List[n];
    // Items are independent: validated in parallel (phone numbers and content dominate a batch's time).
    IntStream.range(0, n).parallel().forEach(i -> {
      try {
        drafts[i] = messages.draft(organizationId, items.get(i), false, id -> Optional.ofNullable(known.get(id)),
            defaultPriority);
        itemErrors[i] = List.of();
      } catch (InvalidRequestException e) {
        itemErrors[i] = prefixed(i, e.errors());
      }
    });
    errors.addAll(Arrays.asList(itemErrors));
    refuseIfNeeded(atomic, drafts, errors);
    try {
      AfterCommit afterCommit = messages.afterCommit();
      Outcome outcome = Tx.run(dataSource, conn -> {
        if (idempotencyKey != null && !store.batchClaim(conn, organizationId, idempotencyKey, hash, n, clock.instant())) {
          // A concurrent request with this key committed while this one was validating.
          return replay(conn, organizationId, idempotencyKey, hash).orElseThrow(
              () -> new IllegalStateException("batch key " + idempotencyKey + " is taken but has no answer"));
        }
        Set<String> wanted = new LinkedHashSet<>();
        for (Messages.Draft d : drafts) {
          if (d != null) {
            wanted.add(d.instance().id());
          }
        }
        Set<String> live = instances.lockLive(conn, wanted);
        for (int i = 0; i < n; i++) {
          if (drafts[i] != null && !live.contains(drafts[i].instance().id())) {
            errors.set(i, List.of(new FieldError(path(i, "instanceId"),
                "no instance " + drafts[i].instance().id() + " in this organization")));
            drafts[i] = null;
          }
        }
        refuseIfNeeded(atomic, drafts, errors);
        List<Messages.Draft> valid = new ArrayList<>();
        for (Messages.Draft d : drafts) {
          if (d != null) {
            valid.add(d);
          }
        }
        List<Messages.Accepted> accepted = messages.insertMany(conn, organizationId, valid, afterCommit);
        ObjectNode answer = answer(drafts, errors, accepted);
        if (idempotencyKey != null) {
          store.batchSetResults(conn, organizationId, idempotencyKey, answer.toString());
        }
        return new Outcome(answer, false);
      });
      afterCommit.run();
      return outcome;
    } catch (SQLException e) {
      if ("23505".equals(e.getSQLState()) && idempotencyKey != null) {
        try (Connection c = dataSource.getConnection()) {
          return replay(c, organizationId, idempotencyKey, hash).orElseThrow(() -> e);
        }
      }
      throw e;
    }
  }

  /** Atomic with any invalid item, or no valid item at all: refused with every error. */
  private static void refuseIfNeeded(boolean atomic, Messages.Draft[] drafts, List<List<FieldError>> errors) {
    boolean anyValid = false;
    boolean anyInvalid = false;
    for (Messages.Draft d : drafts) {
      anyValid |= d != null;
      anyInvalid |= d == null;
    }
    if (anyInvalid && (atomic || !anyValid)) {
      List<FieldError> all = new ArrayList<>();
      errors.forEach(all::addAll);
      throw new InvalidRequestException(all);
    }
  }

  private static ObjectNode answer(Messages.Draft[] drafts, List<List<FieldError>> errors, List<Messages.Accepted> accepted) {
    ObjectNode o = JSON.createObjectNode();
    int rejected = drafts.length - accepted.size();
    o.put("accepted", accepted.size());
    o.put("rejected", rejected);
    ArrayNode results = o.putArray("results");
    int next = 0;
    for (int i = 0; i < drafts.length; i++) {
      ObjectNode item = results.addObject().put("index", i);
      if (drafts[i] != null) {
        Messages.Accepted a = accepted.get(next++);
        item.put("id", a.message().id());
        item.put("status", a.message().status().text());
        item.put("queuePosition", a.queuePosition());
      } else {
        ArrayNode list = item.putArray("errors");
        for (FieldError e : errors.get(i)) {
          list.addObject().put("field", e.field()).put("message", e.message());
        }
      }
    }
    return o;
  }

  private Optional<Outcome> replay(Connection c, String organizationId, String key, String hash) throws SQLException {
    Optional<MessageStore.StoredBatch> earlier = store.batchGet(c, organizationId, key);
    if (earlier.isEmpty()) {
      return Optional.empty();
    }
    if (!earlier.get().requestHash().equals(hash)) {
      throw new ConflictException(ConflictException.Kind.IDEMPOTENCY_MISMATCH,
          "Idempotency-Key " + key + " was used for a different batch", null);
    }
    try {
      return Optional.of(new Outcome((ObjectNode) JSON.readTree(earlier.get().resultsJson()), true));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored answer of batch " + key + " is not JSON", e);
    }
  }

  private static List<FieldError> prefixed(int index, List<FieldError> errors) {
    return errors.stream().map(e -> new FieldError(path(index, e.field()), e.message())).toList();
  }

  private static String path(int index, String field) {
    String base = "messages[" + index + "]";
    if (field == null || field.isEmpty()) {
      return base;
    }
    return field.startsWith("[") ? base + field : base + "." + field;
  }
}
