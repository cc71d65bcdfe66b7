package dev.courier.whatsapp.inbound;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.queue.CourierQueue;
import dev.courier.whatsapp.event.DomainEvent;
import dev.courier.whatsapp.event.EventStore;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.message.Message;
import dev.courier.whatsapp.message.MessageEvents;
import dev.courier.whatsapp.message.MessageStatus;
import dev.courier.whatsapp.message.MessageStore;
import dev.courier.whatsapp.store.SharedTransactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies provider status callbacks to messages, in any order and any number of times: a status
 * moves a message only forward ({@link StatusRank}); a callback for a message whose provider id is
 * not recorded yet waits in {@code courier_pending_status} until the send records it. A callback
 * that proves an in-doubt send wakes its job, which then ends without sending again; with {@code
 * orderRelease: sent} a {@code sent} (or later) status releases the message's order key.
 */
public final class StatusUpdates {
  private static final Logger LOG = LoggerFactory.getLogger(StatusUpdates.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Engine calls to make once the transaction committed. */
  public static final class AfterCommit {
    final List<Long> release = new ArrayList<>();
    final List<Long> wake = new ArrayList<>();
  }

  private final MessageStore messages;
  private final EventStore events;
  private final CourierQueue engine;
  private final SharedTransactions commits;
  private final Clock clock;

  /**
   * @param commits where the transactions applying callbacks are shared with those of concurrent
   *     callers (simulator callbacks, provider webhooks arriving together)
   */
  public StatusUpdates(MessageStore messages, EventStore events, CourierQueue engine,
      SharedTransactions commits, Clock clock) {
    this.commits = commits;
    this.messages = messages;
    this.events = events;
    this.engine = engine;
    this.clock = clock;
  }

  /** What one transaction applying callbacks owes after its commit. */
  private record Applied(List<DomainEvent> raised, AfterCommit after) {}

  /** Applies callbacks of one instance. */
  public void apply(Instance instance, List<StatusCallback> callbacks) throws SQLException {
    Applied applied = commits.run(conn -> messagesOf(conn, instance, callbacks), conn -> {
      // Made here, per run: a shared transaction that failed runs this again alone.
      List<DomainEvent> raised = new ArrayList<>();
      AfterCommit after = new AfterCommit();
      for (StatusCallback cb : callbacks) {
        applyOne(conn, instance, cb, raised, after);
      }
      return new Applied(raised, after);
    });
    events.publishAfterCommit(applied.raised());
    runAfterCommit(applied.after());
  }

  /** The messages the callbacks name (by Courier id or provider id), to be locked first. */
  private List<String> messagesOf(Connection conn, Instance instance, List<StatusCallback> callbacks) throws SQLException {
    List<String> ids = new ArrayList<>();
    List<String> providerIds = new ArrayList<>();
    for (StatusCallback cb : callbacks) {
      String opaque = cb.bizOpaqueCallbackData();
      if (opaque != null && opaque.startsWith("msg_")) {
        ids.add(opaque);
      } else if (cb.providerMessageId() != null) {
        providerIds.add(cb.providerMessageId());
      }
    }
    if (!providerIds.isEmpty()) {
      ids.addAll(messages.messageIdsByProviderIds(conn, instance.id(), providerIds));
    }
    return ids;
  }

  private void applyOne(Connection conn, Instance instance, StatusCallback cb, List<DomainEvent> raised, AfterCommit after)
      throws SQLException {
    Optional<Message> found = Optional.empty();
    String opaque = cb.bizOpaqueCallbackData();
    if (opaque != null && opaque.startsWith("msg_")) {
      found = messages.messageGet(conn, opaque, true).filter(m -> m.instanceId().equals(instance.id()));
    }
    if (found.isEmpty() && cb.providerMessageId() != null) {
      found = messages.messageByProviderId(conn, instance.id(), cb.providerMessageId(), true);
    }
    if (found.isEmpty()) {
      if (cb.providerMessageId() != null) {
        pendingPut(conn, instance.id(), cb);
      }
      return;
    }
    applyTo(conn, instance, found.get(), cb, raised, after);
  }

  private void applyTo(Connection conn, Instance instance, Message m, StatusCallback cb, List<DomainEvent> raised,
      AfterCommit after) throws SQLException {
    String incoming = "played".equals(cb.status()) ? "read" : cb.status();
    Optional<MessageStatus> target = MessageStatus.of(incoming);
    // The provider's own 'sent' (or anything after it) releases a held order key, even when the
    // message already counts as sent from the provider's accepting answer.
    if ("sent".equals(instance.orderRelease()) && m.jobId() != null && target.isPresent()
        && (target.get().reachedProvider() || target.get() == MessageStatus.FAILED)) {
      after.release.add(m.jobId());
    }
    if (target.isEmpty() || !StatusRank.advances(m.status().text(), incoming)) {
      return; // a duplicate, a late one (delivered after read) or unknown: changes nothing
    }
    String code = null;
    String text = null;
    if (target.get() == MessageStatus.FAILED && cb.errors() != null && !cb.errors().isEmpty()) {
      StatusCallback.CallbackError e = cb.errors().get(0);
      code = e.code();
      text = e.title() + (e.detail() == null ? "" : ": " + e.detail());
    }
    Instant at = cb.at() == null ? clock.instant() : cb.at();
    ObjectNode detail = MessageEvents.detail("source", "provider", "providerStatus", cb.status(), "code", code);
    if (messages.messageApplyCallback(conn, m.id(), m.status(), target.get(), at, cb.providerMessageId(), code, text, detail)) {
      raised.add(MessageEvents.record(conn, events, m, target.get().text(), cb.providerMessageId(), code, text));
      if ((m.status() == MessageStatus.IN_DOUBT || m.status() == MessageStatus.QUEUED) && m.jobId() != null) {
        after.wake.add(m.jobId());
      }
      if (m.status() == MessageStatus.IN_DOUBT) {
        LOG.info("in-doubt send proven by callback message={} status={}", m.id(), incoming);
      }
    }
  }

  /** A send recorded in the caller's transaction: its provider's callbacks may be waiting already. */
  public record RecordedSend(Instance instance, String messageId, String providerId) {}

  /** Where waiting callbacks belong: a provider message id is unique per instance. */
  private record PendingKey(String instanceId, String providerId) {}

  /**
   * Applies the callbacks that arrived before these sends recorded their provider ids (a fast
   * provider calls back before the sender's commit), in the caller's transaction: one statement
   * takes every waiting callback of the batch (there rarely are any), then each message gets its
   * own, oldest first. {@code raised} and {@code after} are per send, in the order of {@code sends}.
   */
  public void applyPendingMany(Connection conn, List<RecordedSend> sends, List<List<DomainEvent>> raised,
      List<AfterCommit> after) throws SQLException {
    Map<PendingKey, List<StatusCallback>> pending = new HashMap<>();
    try (PreparedStatement ps = conn.prepareStatement(
        """
        DELETE FROM courier_pending_status p
        USING unnest(?::text[], ?::text[]) AS u(instance_id, provider_message_id)
        WHERE p.instance_id = u.instance_id AND p.provider_message_id = u.provider_message_id
        RETURNING p.instance_id, p.provider_message_id, p.status, p.at, p.detail
        """)) {
      ps.setArray(1, conn.createArrayOf("text", sends.stream().map(r -> r.instance().id()).toArray()));
      ps.setArray(2, conn.createArrayOf("text", sends.stream().map(RecordedSend::providerId).toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String providerId = rs.getString("provider_message_id");
          pending.computeIfAbsent(new PendingKey(rs.getString("instance_id"), providerId), k -> new ArrayList<>())
              .add(fromPending(providerId, rs));
        }
      }
    }
    if (pending.isEmpty()) {
      return;
    }
    for (int n = 0; n < sends.size(); n++) {
      RecordedSend r = sends.get(n);
      // Removed as taken: should one send appear twice, its callbacks apply once.
      List<StatusCallback> mine = pending.remove(new PendingKey(r.instance().id(), r.providerId()));
      if (mine == null) {
        continue;
      }
      // Oldest status first, so the history reads in order.
      mine.sort(java.util.Comparator.comparing(StatusCallback::at));
      for (StatusCallback cb : mine) {
        Message m = messages.messageGet(conn, r.messageId(), true).orElseThrow();
        applyTo(conn, r.instance(), m, cb, raised.get(n), after.get(n));
      }
    }
  }

  private static StatusCallback fromPending(String providerId, ResultSet rs) throws SQLException {
    List<StatusCallback.CallbackError> errors = List.of();
    String detail = rs.getString("detail");
    if (detail != null) {
      try {
        var n = JSON.readTree(detail);
        if (n.hasNonNull("code")) {
          errors = List.of(new StatusCallback.CallbackError(n.path("code").asText(), n.path("title").asText(null),
              n.path("detail").asText(null)));
        }
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException("pending status detail is not JSON", e);
      }
    }
    return new StatusCallback(providerId, rs.getString("status"), rs.getTimestamp("at").toInstant(), null, null, errors);
  }

  private void pendingPut(Connection conn, String instanceId, StatusCallback cb) throws SQLException {
    ObjectNode detail = null;
    if (cb.errors() != null && !cb.errors().isEmpty()) {
      StatusCallback.CallbackError e = cb.errors().get(0);
      detail = MessageEvents.detail("code", e.code(), "title", e.title(), "detail", e.detail());
    }
    try (PreparedStatement ps = conn.prepareStatement(
        "INSERT INTO courier_pending_status (instance_id, provider_message_id, status, at, detail, received_at)"
            + " VALUES (?, ?, ?, ?, ?::jsonb, ?) ON CONFLICT DO NOTHING")) {
      ps.setString(1, instanceId);
      ps.setString(2, cb.providerMessageId());
      ps.setString(3, cb.status());
      ps.setTimestamp(4, Timestamp.from(cb.at() == null ? clock.instant() : cb.at()));
      ps.setString(5, detail == null ? null : detail.toString());
      ps.setTimestamp(6, Timestamp.from(clock.instant()));
      ps.executeUpdate();
    }
  }

  /** Releases held order keys and wakes waiting send jobs, after the commit that justified it. */
  public void runAfterCommit(AfterCommit after) {
    for (long job : after.release) {
      engine.releaseOrderKey(job);
    }
    for (long job : after.wake) {
      engine.retry(job);
    }
  }
}
