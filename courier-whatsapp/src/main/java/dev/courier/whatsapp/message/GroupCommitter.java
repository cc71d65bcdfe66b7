package dev.courier.whatsapp.message;

import dev.courier.queue.AfterCommit;
import dev.courier.whatsapp.instance.Instances;
import dev.courier.whatsapp.store.BatchCommitter;
import dev.courier.whatsapp.validation.InvalidRequestException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Group commit of single-message sends: concurrent callers hand their validated draft to a
 * committer and wait; a committer takes everything pending (up to {@code maxBatch}), accepts it in
 * ONE transaction through the bulk path (one statement for the send jobs, one for the messages and
 * their history, one for the queue positions), commits, and answers each caller with its own
 * result. Nothing waits for a batch to fill: a committer that is idle commits a lone request at
 * once, and batches form by themselves while a commit (its fsync) is in flight. Several committers
 * run in parallel so that one collects while another waits for its fsync.
 *
 * <p>Semantics are those of one transaction per message:
 *
 * <ul>
 *   <li>a caller is answered only after the transaction holding its message committed;
 *   <li>an idempotency key already stored answers the stored message (or a conflict, for another
 *       body), as a lone send does; the same key twice in one batch stores one message, and the
 *       second caller gets it as a replay (or a conflict, for another body);
 *   <li>an item whose instance was deleted meanwhile fails alone (as a lone send would); one whose
 *       instance changed since it was validated is handed back to be validated again
 *       ({@link Messages.InstanceChanged});
 *   <li>when the shared transaction fails on something one item may have caused (a constraint, a
 *       data error, a deadlock, an unexpected runtime error), nothing of it committed, and every
 *       caller retries on its own in its own transaction ({@link RetryAlone}): no caller is failed
 *       or accepted because of another's request;
 *   <li>when the database cannot be reached (connection errors and anything else), every caller
 *       gets the {@link SQLException}, as it would have alone.
 * </ul>
 */
final class GroupCommitter implements AutoCloseable {
  /** Tells a caller to accept its draft alone: the shared transaction failed and was rolled back. */
  static final class RetryAlone extends RuntimeException {
    RetryAlone() {
      super("retry alone", null, false, false);
    }
  }

  private static final RetryAlone RETRY_ALONE = new RetryAlone();

  /** One caller's draft, waiting. */
  record Request(String organizationId, Messages.Draft draft, String idempotencyKey) {}

  /**
   * What a request got: an {@link Messages.Accepted}, or the exception its caller throws; and what
   * its batch's transaction owes the engine once committed (run by every caller, once in effect).
   */
  private record Outcome(Object result, AfterCommit afterCommit) {}

  private final Messages messages;
  private final Instances instances;
  private final BatchCommitter<Request, Outcome> committer;

  GroupCommitter(DataSource dataSource, Messages messages, Instances instances, int maxBatch, int committers) {
    this.messages = messages;
    this.instances = instances;
    // Alone means Messages.acceptAlone, which also answers a key that a concurrent request stored first.
    this.committer = new BatchCommitter<>(dataSource, "accept", committers, maxBatch, this::acceptAll,
        r -> new Outcome(RETRY_ALONE, null));
  }

  /**
   * Accepts a draft in the next shared transaction and waits for its commit.
   *
   * @throws RetryAlone when the caller must accept it on its own
   */
  Messages.Accepted submit(String organizationId, Messages.Draft draft, String idempotencyKey) throws SQLException {
    Outcome o = committer.submit(new Request(organizationId, draft, idempotencyKey));
    if (o.afterCommit() != null) {
      o.afterCommit().run();
    }
    if (o.result() instanceof Messages.Accepted a) {
      return a;
    }
    if (o.result() instanceof RuntimeException e) {
      throw e;
    }
    throw RETRY_ALONE;
  }

  /** Accepts a batch in one (the caller's) transaction: one outcome per request. */
  private List<Outcome> acceptAll(Connection conn, List<Request> batch) throws SQLException {
    AfterCommit afterCommit = messages.afterCommit();
    // By identity: a request's record hash would hash its whole draft.
    Map<Request, Object> out = new IdentityHashMap<>();
    // Idempotency keys: the stored message answers, and the first of a key in the batch leads the others.
    Map<List<String>, Request> leaders = new HashMap<>();
    Map<Request, Request> followers = new IdentityHashMap<>();
    for (Request r : batch) {
      if (r.idempotencyKey() == null) {
        continue;
      }
      List<String> k = List.of(r.organizationId(), r.idempotencyKey());
      Request leader = leaders.putIfAbsent(k, r);
      if (leader != null) {
        followers.put(r, leader);
        continue;
      }
      try {
        messages.replay(conn, r.organizationId(), r.idempotencyKey(), r.draft().requestHash())
            .ifPresent(a -> out.put(r, a));
      } catch (ConflictException e) {
        out.put(r, e);
      }
    }
    // Instances deleted meanwhile fail their items alone; the live ones stay share-locked to the commit.
    List<String> wanted = batch.stream()
        .filter(r -> !out.containsKey(r) && !followers.containsKey(r))
        .map(r -> r.draft().instance().id()).distinct().toList();
    Map<String, Instant> live = wanted.isEmpty() ? Map.of() : instances.lockLiveVersions(conn, wanted);
    Map<String, List<Request>> byOrganization = new LinkedHashMap<>();
    for (Request r : batch) {
      if (out.containsKey(r) || followers.containsKey(r)) {
        continue;
      }
      String ins = r.draft().instance().id();
      Instant version = live.get(ins);
      if (version == null) {
        out.put(r, new InvalidRequestException("instanceId", "no instance " + ins + " in this organization"));
        continue;
      }
      if (!version.equals(r.draft().instance().updatedAt())) {
        out.put(r, new Messages.InstanceChanged(ins)); // validated against an older version: again, by its caller
        continue;
      }
      byOrganization.computeIfAbsent(r.organizationId(), o -> new ArrayList<>()).add(r);
    }
    for (Map.Entry<String, List<Request>> e : byOrganization.entrySet()) {
      List<Request> rs = e.getValue();
      List<Messages.Accepted> accepted = messages.insertMany(conn, e.getKey(),
          rs.stream().map(Request::draft).toList(), rs.stream().map(Request::idempotencyKey).toList(), afterCommit);
      for (int n = 0; n < rs.size(); n++) {
        out.put(rs.get(n), accepted.get(n));
      }
    }
    for (Map.Entry<Request, Request> f : followers.entrySet()) {
      Request r = f.getKey();
      Object led = out.get(f.getValue());
      if (!(led instanceof Messages.Accepted a)) {
        out.put(r, RETRY_ALONE); // the leader failed: this request is judged on its own
      } else if (a.replayed()) {
        try {
          out.put(r, messages.replay(conn, r.organizationId(), r.idempotencyKey(), r.draft().requestHash())
              .<Object>map(x -> x).orElse(RETRY_ALONE));
        } catch (ConflictException c) {
          out.put(r, c);
        }
      } else if (Objects.equals(a.message().idempotencyKey(), r.idempotencyKey())
          && Objects.equals(f.getValue().draft().requestHash(), r.draft().requestHash())) {
        out.put(r, new Messages.Accepted(a.message(), a.queuePosition(), true));
      } else {
        out.put(r, new ConflictException(ConflictException.Kind.IDEMPOTENCY_MISMATCH,
            "Idempotency-Key " + r.idempotencyKey() + " was used for a different request (message "
                + a.message().id() + ")", a.message().status().text()));
      }
    }
    List<Outcome> outcomes = new ArrayList<>(batch.size());
    for (Request r : batch) {
      outcomes.add(new Outcome(out.getOrDefault(r, RETRY_ALONE), afterCommit));
    }
    return outcomes;
  }

  /** Requests waiting for a committer (tests). */
  int pending() {
    return committer.pending();
  }

  /** Stops the committers; callers still waiting, or arriving later, accept alone. */
  @Override
  public void close() {
    committer.close();
  }
}
