package dev.courier.whatsapp.message;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import javax.sql.DataSource;
import org.postgresql.PGStatement;

/**
 * Owns {@code courier_message}, its status history ({@code courier_message_status}), send
 * attempts ({@code courier_message_attempt}) and batch idempotency keys ({@code
 * courier_message_batch}). Every status change is one statement that also appends the history row,
 * guarded by the statuses it may leave: zero rows is a lost race, not an error.
 */
public final class MessageStore {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One status history entry. */
  public record StatusEntry(String status, Instant at, ObjectNode detail) {}

  /** One call to the provider. */
  public record Attempt(int jobAttempt, Instant startedAt, Instant finishedAt, String outcome,
      String errorClass, String errorCode, String errorMessage) {}

  private static final String COLUMNS =
      """
      seq, id, organization_id, instance_id, recipient, type, content, reply_to, template_name, priority,
      extract(epoch FROM typing) * 1000 AS typing_ms, order_key, metadata, idempotency_key, status, job_id,
      provider_message_id, send_attempt, throttle_count, in_doubt_since, error_code, error_message,
      scheduled_at, created_at, updated_at, sent_at, delivered_at, read_at, failed_at
      """;

  private static final String INSERT =
      """
      WITH m AS (
        INSERT INTO courier_message (id, organization_id, instance_id, recipient, type, content, reply_to,
            template_name, priority, typing, order_key, metadata, idempotency_key, request_hash, status, job_id,
            scheduled_at, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ? * interval '1 millisecond', ?, ?::jsonb, ?, ?, 'queued', ?, ?, ?, ?)
        RETURNING id, seq, created_at)
      INSERT INTO courier_message_status (message_id, status, at) SELECT id, 'queued', created_at FROM m
      RETURNING (SELECT seq FROM m)
      """;

  // Each transition appends its history row in the same statement.
  private static final String TRANSITION =
      """
      WITH m AS (
        UPDATE courier_message SET status = ?, updated_at = ?, %s
        WHERE id = ? AND status = ANY (?)
        RETURNING id)
      INSERT INTO courier_message_status (message_id, status, at, detail)
        SELECT id, ?, ?, ?::jsonb FROM m
      """;

  private final DataSource dataSource;

  public MessageStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** Inserts a new queued message and its first history entry; returns its sequence number. */
  public long messageInsert(Connection conn, Message m, String requestHash) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(INSERT)) {
      ps.setString(1, m.id());
      ps.setString(2, m.organizationId());
      ps.setString(3, m.instanceId());
      ps.setString(4, m.recipient());
      ps.setString(5, m.type());
      ps.setString(6, m.content().toString());
      ps.setString(7, m.replyTo());
      ps.setString(8, m.templateName());
      ps.setInt(9, m.priority());
      ps.setObject(10, m.typing() == null ? null : m.typing().toMillis(), Types.BIGINT);
      ps.setString(11, m.orderKey());
      ps.setString(12, m.metadata() == null ? null : m.metadata().toString());
      ps.setString(13, m.idempotencyKey());
      ps.setString(14, requestHash);
      ps.setObject(15, m.jobId(), Types.BIGINT);
      ps.setTimestamp(16, Timestamp.from(m.scheduledAt()));
      ps.setTimestamp(17, Timestamp.from(m.createdAt()));
      ps.setTimestamp(18, Timestamp.from(m.updatedAt()));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private static final String INSERT_MANY =
      """
      WITH r AS (
        SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::int[],
            ?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::text[])
          WITH ORDINALITY AS r(id, instance_id, recipient, type, content, reply_to, template_name, priority,
            typing_ms, order_key, metadata, idempotency_key, request_hash, job_id, scheduled_at, ord)),
      m AS (
        INSERT INTO courier_message (id, organization_id, instance_id, recipient, type, content, reply_to,
            template_name, priority, typing, order_key, metadata, idempotency_key, request_hash, status, job_id,
            scheduled_at, created_at, updated_at)
        SELECT id, ?, instance_id, recipient, type, content::jsonb, reply_to, template_name, priority,
            typing_ms * interval '1 millisecond', order_key, metadata::jsonb, idempotency_key, request_hash, 'queued',
            job_id, scheduled_at::timestamptz, ?, ?
        FROM r ORDER BY ord
        RETURNING id, seq, created_at),
      h AS (
        INSERT INTO courier_message_status (message_id, status, at) SELECT id, 'queued', created_at FROM m)
      SELECT id, seq FROM m
      """;

  /**
   * Inserts many new queued messages (all of one organization, created at the same instant) and
   * their first history entries in one statement; sequence numbers follow the list's order.
   *
   * @return the sequence number of each message, by id
   */
  public Map<String, Long> messageInsertMany(Connection conn, String organizationId, List<Message> ms,
      List<String> requestHashes, Instant now) throws SQLException {
    int n = ms.size();
    String[] id = new String[n];
    String[] instance = new String[n];
    String[] recipient = new String[n];
    String[] type = new String[n];
    String[] content = new String[n];
    String[] replyTo = new String[n];
    String[] template = new String[n];
    Integer[] priority = new Integer[n];
    Long[] typing = new Long[n];
    String[] orderKey = new String[n];
    String[] metadata = new String[n];
    String[] key = new String[n];
    String[] hash = new String[n];
    Long[] job = new Long[n];
    String[] scheduled = new String[n];
    for (int i = 0; i < n; i++) {
      Message m = ms.get(i);
      id[i] = m.id();
      instance[i] = m.instanceId();
      recipient[i] = m.recipient();
      type[i] = m.type();
      content[i] = m.content().toString();
      replyTo[i] = m.replyTo();
      template[i] = m.templateName();
      priority[i] = m.priority();
      typing[i] = m.typing() == null ? null : m.typing().toMillis();
      orderKey[i] = m.orderKey();
      metadata[i] = m.metadata() == null ? null : m.metadata().toString();
      key[i] = m.idempotencyKey();
      hash[i] = requestHashes.get(i);
      job[i] = m.jobId();
      scheduled[i] = m.scheduledAt().toString();
    }
    try (PreparedStatement ps = conn.prepareStatement(INSERT_MANY)) {
      int p = 1;
      ps.setArray(p++, conn.createArrayOf("text", id));
      ps.setArray(p++, conn.createArrayOf("text", instance));
      ps.setArray(p++, conn.createArrayOf("text", recipient));
      ps.setArray(p++, conn.createArrayOf("text", type));
      ps.setArray(p++, conn.createArrayOf("text", content));
      ps.setArray(p++, conn.createArrayOf("text", replyTo));
      ps.setArray(p++, conn.createArrayOf("text", template));
      ps.setArray(p++, conn.createArrayOf("int4", priority));
      ps.setArray(p++, conn.createArrayOf("int8", typing));
      ps.setArray(p++, conn.createArrayOf("text", orderKey));
      ps.setArray(p++, conn.createArrayOf("text", metadata));
      ps.setArray(p++, conn.createArrayOf("text", key));
      ps.setArray(p++, conn.createArrayOf("text", hash));
      ps.setArray(p++, conn.createArrayOf("int8", job));
      ps.setArray(p++, conn.createArrayOf("text", scheduled));
      ps.setString(p++, organizationId);
      ps.setTimestamp(p++, Timestamp.from(now));
      ps.setTimestamp(p, Timestamp.from(now));
      Map<String, Long> seqs = new HashMap<>(n * 2);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          seqs.put(rs.getString(1), rs.getLong(2));
        }
      }
      return seqs;
    }
  }

  /**
   * The queue position ({@link #messageQueuePosition}) of many queued messages at once.
   *
   * <p>The messages are found by primary key and each one's position is two index probes (its
   * key's queued messages ahead of it, its key's messages in flight), not a join over its keys'
   * queues: a join's plan depends on statistics, and the table grows faster than they are
   * refreshed. Accepts on a fresh table were planned as if it held no queued message: a nested loop
   * over every queued message, 20 ms a batch at 25,000 queued; and a {@code status = 'queued'}
   * filter on the outer rows let the planner read them through the partial index of queued messages
   * instead of the primary key, 10 ms a batch (see docs/BENCHMARKS.md). Probes by equality on an
   * index's leading columns have no worse plan to fall into, once the plan is made for the table as
   * it is: the statement is planned at each execution, never from a plan cached when the table was
   * small (a generic plan made then read the batch's rows with a sequential scan, 9-10 ms a batch at
   * 20,000 messages, until autovacuum's statistics invalidated it).
   */
  public Map<String, Integer> messageQueuePositions(Connection c, List<String> ids) throws SQLException {
    String sql =
        """
        SELECT m.id,
               CASE WHEN m.status = 'queued' THEN
                 (SELECT count(*) FROM courier_message q
                  WHERE q.instance_id = m.instance_id AND q.order_key = m.order_key AND q.status = 'queued'
                    AND (q.priority, q.seq) < (m.priority, m.seq))
                 + (SELECT count(*) FROM courier_message f
                    WHERE f.order_key = m.order_key AND f.status IN ('sending', 'in_doubt'))
                 + 1
               END
        FROM courier_message m
        WHERE m.id = ANY (?)
        """;
    Map<String, Integer> out = new HashMap<>(ids.size() * 2);
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      plannedEachTime(ps);
      ps.setArray(1, c.createArrayOf("text", ids.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          int position = rs.getInt(2);
          if (!rs.wasNull()) {
            out.put(rs.getString(1), position);
          }
        }
      }
    }
    return out;
  }

  /**
   * Tells the driver never to prepare the statement on the server, so PostgreSQL plans each
   * execution for its values and the table's current size instead of reusing a generic plan.
   */
  private static void plannedEachTime(PreparedStatement ps) throws SQLException {
    if (ps.isWrapperFor(PGStatement.class)) {
      ps.unwrap(PGStatement.class).setPrepareThreshold(0);
    }
  }

  /** Unfinished messages of an instance: waiting, and being sent or in doubt. */
  public record Unfinished(long queued, long inFlight) {
    public long total() {
      return queued + inFlight;
    }
  }

  public Unfinished messageUnfinishedCounts(Connection c, String instanceId) throws SQLException {
    String sql =
        """
        SELECT (SELECT count(*) FROM courier_message WHERE instance_id = ? AND status = 'queued'),
               (SELECT count(*) FROM courier_message WHERE instance_id = ? AND status IN ('sending', 'in_doubt'))
        """;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, instanceId);
      ps.setString(2, instanceId);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new Unfinished(rs.getLong(1), rs.getLong(2));
      }
    }
  }

  /** Cancels every queued message of an instance in one statement; returns their send jobs. */
  public List<Long> messageCancelAllQueued(Connection c, String instanceId, Instant now, ObjectNode detail)
      throws SQLException {
    String sql =
        """
        WITH m AS (
          UPDATE courier_message SET status = 'cancelled', updated_at = ?, error_code = NULL
          WHERE instance_id = ? AND status = 'queued'
          RETURNING id, job_id),
        h AS (
          INSERT INTO courier_message_status (message_id, status, at, detail)
          SELECT id, 'cancelled', ?, ?::jsonb FROM m)
        SELECT job_id FROM m WHERE job_id IS NOT NULL
        """;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setTimestamp(1, Timestamp.from(now));
      ps.setString(2, instanceId);
      ps.setTimestamp(3, Timestamp.from(now));
      ps.setString(4, detail == null ? null : detail.toString());
      List<Long> jobs = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          jobs.add(rs.getLong(1));
        }
      }
      return jobs;
    }
  }

  /** A batch request remembered under its idempotency key. */
  public record StoredBatch(String requestHash, String resultsJson) {}

  /**
   * Claims an idempotency key for a batch in the caller's transaction. False when the key is taken
   * (a concurrent request with the key waits here until the first commits or rolls back).
   */
  public boolean batchClaim(Connection c, String organizationId, String key, String hash, int items, Instant now)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO courier_message_batch (organization_id, idempotency_key, request_hash, item_count, created_at)"
            + " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
      ps.setString(1, organizationId);
      ps.setString(2, key);
      ps.setString(3, hash);
      ps.setInt(4, items);
      ps.setTimestamp(5, Timestamp.from(now));
      return ps.executeUpdate() == 1;
    }
  }

  public Optional<StoredBatch> batchGet(Connection c, String organizationId, String key) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT request_hash, results FROM courier_message_batch WHERE organization_id = ? AND idempotency_key = ?")) {
      ps.setString(1, organizationId);
      ps.setString(2, key);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(new StoredBatch(rs.getString(1), rs.getString(2))) : Optional.empty();
      }
    }
  }

  public void batchSetResults(Connection c, String organizationId, String key, String resultsJson) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "UPDATE courier_message_batch SET results = ?::jsonb WHERE organization_id = ? AND idempotency_key = ?")) {
      ps.setString(1, resultsJson);
      ps.setString(2, organizationId);
      ps.setString(3, key);
      ps.executeUpdate();
    }
  }

  public Optional<Message> messageGet(String id) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      return messageGet(c, id, false);
    }
  }

  // Rows are locked FOR NO KEY UPDATE, the lock an UPDATE of the message takes: it serializes the
  // writers of a message's status and leaves alone the inserts of its history and attempt rows,
  // whose foreign keys only need the message to stay (FOR KEY SHARE).
  private static final String LOCK = " FOR NO KEY UPDATE";

  /** Reads a message, locking its row when {@code lock} (inside the caller's transaction). */
  public Optional<Message> messageGet(Connection c, String id, boolean lock) throws SQLException {
    return one(c, "SELECT " + COLUMNS + " FROM courier_message WHERE id = ?" + (lock ? LOCK : ""), id);
  }

  public Optional<Message> messageByProviderId(Connection c, String instanceId, String providerId, boolean lock)
      throws SQLException {
    return one(c, "SELECT " + COLUMNS + " FROM courier_message WHERE instance_id = ? AND provider_message_id = ?"
        + (lock ? LOCK : ""), instanceId, providerId);
  }

  /**
   * Locks the messages of {@code ids} (those that exist) in id order, inside the caller's
   * transaction: transactions that write several messages lock them this way first, so that two of
   * them never wait for each other in a cycle (see {@code SharedTransactions}).
   */
  public void messagesLock(Connection c, SortedSet<String> ids) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT id FROM courier_message WHERE id = ANY (?) ORDER BY id" + LOCK)) {
      ps.setArray(1, c.createArrayOf("text", ids.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          // locked as they are read, in id order
        }
      }
    }
  }

  /** The ids of the messages of an instance with these provider message ids (no lock). */
  public List<String> messageIdsByProviderIds(Connection c, String instanceId, Collection<String> providerIds)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT id FROM courier_message WHERE instance_id = ? AND provider_message_id = ANY (?)")) {
      ps.setString(1, instanceId);
      ps.setArray(2, c.createArrayOf("text", providerIds.toArray()));
      List<String> out = new ArrayList<>(providerIds.size());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
      return out;
    }
  }

  public Optional<Message> messageByIdempotencyKey(Connection c, String organizationId, String key) throws SQLException {
    return one(c, "SELECT " + COLUMNS + " FROM courier_message WHERE organization_id = ? AND idempotency_key = ?",
        organizationId, key);
  }

  public Optional<String> messageRequestHash(Connection c, String id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT request_hash FROM courier_message WHERE id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
      }
    }
  }

  public Optional<Message> messageByJobId(long jobId) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM courier_message WHERE job_id = ?")) {
      ps.setLong(1, jobId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(read(rs)) : Optional.empty();
      }
    }
  }

  /** Messages of an organization, newest first, optionally filtered. */
  public List<Message> messageList(String organizationId, String instanceId, String status, String recipient,
      Long beforeSeq, int limit) throws SQLException {
    String sql = "SELECT " + COLUMNS + " FROM courier_message WHERE organization_id = ?"
        + " AND (?::text IS NULL OR instance_id = ?) AND (?::text IS NULL OR status = ?)"
        + " AND (?::text IS NULL OR recipient = ?) AND seq < ? ORDER BY seq DESC LIMIT ?";
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, organizationId);
      ps.setString(2, instanceId);
      ps.setString(3, instanceId);
      ps.setString(4, status);
      ps.setString(5, status);
      ps.setString(6, recipient);
      ps.setString(7, recipient);
      ps.setLong(8, beforeSeq == null ? Long.MAX_VALUE : beforeSeq);
      ps.setInt(9, limit);
      List<Message> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(read(rs));
        }
      }
      return out;
    }
  }

  /** Queued messages of an instance in the order they will go (priority, then enqueue order). */
  public List<Message> messageQueue(String instanceId, long offset, int limit) throws SQLException {
    String sql = "SELECT " + COLUMNS + " FROM courier_message WHERE instance_id = ? AND status = 'queued'"
        + " ORDER BY priority, seq LIMIT ? OFFSET ?";
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, instanceId);
      ps.setInt(2, limit);
      ps.setLong(3, offset);
      List<Message> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(read(rs));
        }
      }
      return out;
    }
  }

  /**
   * Where a queued message stands in its order key: 1 when it goes next. Counts messages in flight
   * and those queued ahead (more urgent, or as urgent and older).
   */
  public int messageQueuePosition(Connection c, Message m) throws SQLException {
    String sql =
        """
        SELECT (SELECT count(*) FROM courier_message
                WHERE instance_id = ? AND order_key = ? AND status = 'queued'
                  AND (priority < ? OR (priority = ? AND seq < ?)))
             + (SELECT count(*) FROM courier_message WHERE order_key = ? AND status IN ('sending', 'in_doubt'))
        """;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, m.instanceId());
      ps.setString(2, m.orderKey());
      ps.setInt(3, m.priority());
      ps.setInt(4, m.priority());
      ps.setLong(5, m.seq());
      ps.setString(6, m.orderKey());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1) + 1;
      }
    }
  }

  public List<StatusEntry> messageHistory(String id) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(
            "SELECT status, at, detail FROM courier_message_status WHERE message_id = ? ORDER BY seq")) {
      ps.setString(1, id);
      List<StatusEntry> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new StatusEntry(rs.getString(1), rs.getTimestamp(2).toInstant(), json(rs.getString(3))));
        }
      }
      return out;
    }
  }

  public List<Attempt> messageAttempts(String id) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(
            "SELECT job_attempt, started_at, finished_at, outcome, error_class, error_code, error_message "
                + "FROM courier_message_attempt WHERE message_id = ? ORDER BY seq")) {
      ps.setString(1, id);
      List<Attempt> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Timestamp fin = rs.getTimestamp(3);
          out.add(new Attempt(rs.getInt(1), rs.getTimestamp(2).toInstant(), fin == null ? null : fin.toInstant(),
              rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7)));
        }
      }
      return out;
    }
  }

  /** Records one provider call and its outcome. */
  public void attemptInsert(Connection c, String messageId, int jobAttempt, Instant started, Instant finished,
      String outcome, String errorClass, String errorCode, String errorMessage) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO courier_message_attempt (message_id, job_attempt, started_at, finished_at, outcome, error_class,"
            + " error_code, error_message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, messageId);
      ps.setInt(2, jobAttempt);
      ps.setTimestamp(3, Timestamp.from(started));
      ps.setTimestamp(4, finished == null ? null : Timestamp.from(finished));
      ps.setString(5, outcome);
      ps.setString(6, errorClass);
      ps.setString(7, errorCode);
      ps.setString(8, errorMessage);
      ps.executeUpdate();
    }
  }

  // The accepted sends of a batch in one statement each (SendWorker.recordAll): one statement per
  // message cost as much database time as the job's completion and order-key hand-over.
  private static final String MARK_SENT_MANY =
      """
      WITH m AS (
        UPDATE courier_message SET status = 'sent', updated_at = u.at, provider_message_id = u.pid,
            sent_at = coalesce(sent_at, u.at), in_doubt_since = NULL
        FROM unnest(?::text[], ?::text[], ?::text[]::timestamptz[]) AS u(id, pid, at)
        WHERE courier_message.id = u.id AND courier_message.status IN ('sending', 'in_doubt')
        RETURNING courier_message.id, u.pid, u.at)
      INSERT INTO courier_message_status (message_id, status, at, detail)
        SELECT id, 'sent', at, jsonb_strip_nulls(jsonb_build_object('providerMessageId', pid)) FROM m ORDER BY id
      RETURNING message_id
      """;

  private static final String ATTEMPT_INSERT_ACCEPTED_MANY =
      """
      INSERT INTO courier_message_attempt (message_id, job_attempt, started_at, finished_at, outcome)
        SELECT a.id, a.attempt, a.started, a.finished, 'accepted'
        FROM unnest(?::text[], ?::int[], ?::text[]::timestamptz[], ?::text[]::timestamptz[]) WITH ORDINALITY
             AS a(id, attempt, started, finished, n)
        ORDER BY a.n
      """;

  /**
   * The provider accepted these sends: each message {@code sending} or {@code in_doubt} → {@code
   * sent} with its provider id and time ({@code providerIds} and {@code at} in the order of {@code
   * ids}), in one statement.
   * Returns the ids that moved (a message cancelled or failed meanwhile does not).
   */
  public Set<String> messagesMarkSent(Connection c, List<String> ids, List<String> providerIds, List<Instant> at)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(MARK_SENT_MANY)) {
      ps.setArray(1, c.createArrayOf("text", ids.toArray()));
      ps.setArray(2, c.createArrayOf("text", providerIds.toArray()));
      ps.setArray(3, instants(c, at));
      return movedIds(ps);
    }
  }

  private static final String MARK_SENDING_MANY =
      """
      WITH m AS (
        UPDATE courier_message SET status = 'sending', updated_at = u.at, send_attempt = u.attempt
        FROM unnest(?::text[], ?::int[], ?::text[]::timestamptz[]) AS u(id, attempt, at)
        WHERE courier_message.id = u.id AND courier_message.status IN ('queued', 'in_doubt')
        RETURNING courier_message.id, u.at)
      INSERT INTO courier_message_status (message_id, status, at)
        SELECT id, 'sending', at FROM m ORDER BY id
      RETURNING message_id
      """;

  /**
   * Each message {@code queued} or {@code in_doubt} → {@code sending}, remembering the job attempt
   * that calls the provider ({@code jobAttempts} and {@code at} in the order of {@code ids}), in one
   * statement. Returns the ids that moved (a message cancelled meanwhile does not).
   */
  public Set<String> messagesMarkSending(Connection c, List<String> ids, int[] jobAttempts, List<Instant> at)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(MARK_SENDING_MANY)) {
      ps.setArray(1, c.createArrayOf("text", ids.toArray()));
      ps.setArray(2, c.createArrayOf("int4", boxed(jobAttempts)));
      ps.setArray(3, instants(c, at));
      return movedIds(ps);
    }
  }

  private static Integer[] boxed(int[] values) {
    Integer[] out = new Integer[values.length];
    for (int n = 0; n < values.length; n++) {
      out[n] = values[n];
    }
    return out;
  }

  /**
   * Instants as a text array of ISO-8601 strings (with their Z), cast to timestamptz[] in SQL: they
   * read the same whatever the session's time zone.
   */
  private static java.sql.Array instants(Connection c, List<Instant> at) throws SQLException {
    return c.createArrayOf("text", at.stream().map(Instant::toString).toArray());
  }

  private static Set<String> movedIds(PreparedStatement ps) throws SQLException {
    Set<String> moved = new HashSet<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        moved.add(rs.getString(1));
      }
    }
    return moved;
  }

  /** One {@code accepted} attempt row per message, in list order, in one statement. */
  public void attemptsInsertAccepted(Connection c, List<String> ids, int[] jobAttempts, List<Instant> started,
      List<Instant> finished) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(ATTEMPT_INSERT_ACCEPTED_MANY)) {
      ps.setArray(1, c.createArrayOf("text", ids.toArray()));
      ps.setArray(2, c.createArrayOf("int4", boxed(jobAttempts)));
      ps.setArray(3, instants(c, started));
      ps.setArray(4, instants(c, finished));
      ps.executeUpdate();
    }
  }

  /** Back in the queue (throttled, instance unavailable or paused, retry): sending → queued. */
  public boolean messageRequeue(Connection c, String id, boolean throttled, Instant now, ObjectNode detail) throws SQLException {
    return transition(c, id, List.of("sending"), "queued", now, detail,
        "throttle_count = throttle_count + ?", throttled ? 1 : 0);
  }

  /** sending → in_doubt: the send may have happened; reconcile before any resend. */
  public boolean messageMarkInDoubt(Connection c, String id, Instant now, ObjectNode detail) throws SQLException {
    return transition(c, id, List.of("sending"), "in_doubt", now, detail,
        // Each in-doubt send gets a full window of its own, a resend too.
        "in_doubt_since = ?", Timestamp.from(now));
  }

  public boolean messageMarkFailed(Connection c, String id, String code, String text, Instant now, ObjectNode detail)
      throws SQLException {
    return transition(c, id, List.of("queued", "sending", "in_doubt"), "failed", now, detail,
        "error_code = ?, error_message = ?, failed_at = ?", code, text, Timestamp.from(now));
  }

  public boolean messageCancel(Connection c, String id, Instant now) throws SQLException {
    return transition(c, id, List.of("queued"), "cancelled", now, null, "error_code = NULL");
  }

  /**
   * Applies a provider callback's status that moves the message forward (the caller decided it
   * does), with the provider id when the message did not have it yet.
   */
  public boolean messageApplyCallback(Connection c, String id, MessageStatus from, MessageStatus to, Instant at,
      String providerId, String errorCode, String errorText, ObjectNode detail) throws SQLException {
    String set =
        """
        provider_message_id = coalesce(provider_message_id, ?::text), in_doubt_since = NULL,
        sent_at = CASE WHEN ? IN ('sent', 'delivered', 'read') THEN coalesce(sent_at, ?::timestamptz) ELSE sent_at END,
        delivered_at = CASE WHEN ? = 'delivered' THEN coalesce(delivered_at, ?::timestamptz) ELSE delivered_at END,
        read_at = CASE WHEN ? = 'read' THEN coalesce(read_at, ?::timestamptz) ELSE read_at END,
        failed_at = CASE WHEN ? = 'failed' THEN ?::timestamptz ELSE NULL END,
        error_code = CASE WHEN ? = 'failed' THEN ?::text ELSE error_code END,
        error_message = CASE WHEN ? = 'failed' THEN ?::text ELSE error_message END
        """;
    Timestamp ts = Timestamp.from(at);
    String s = to.text();
    return transition(c, id, List.of(from.text()), s, at, detail, set,
        providerId, s, ts, s, ts, s, ts, s, ts, s, errorCode, s, errorText);
  }

  /** The send jobs of an instance's queued messages using {@code template} that are due by {@code now}. */
  public List<Long> messageDueTemplateJobs(String instanceId, String template, Instant now) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(
            "SELECT job_id FROM courier_message WHERE instance_id = ? AND status = 'queued' AND template_name = ?"
                + " AND scheduled_at <= ? AND job_id IS NOT NULL ORDER BY seq")) {
      ps.setString(1, instanceId);
      ps.setString(2, template);
      ps.setTimestamp(3, Timestamp.from(now));
      List<Long> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getLong(1));
        }
      }
      return out;
    }
  }

  /** Messages of an instance (optionally of one recipient) still queued, locked, for cancelling. */
  public List<Message> messageQueuedForCancel(Connection c, String instanceId, String recipient, int limit)
      throws SQLException {
    String sql = "SELECT " + COLUMNS + " FROM courier_message WHERE instance_id = ? AND status = 'queued'"
        + " AND (?::text IS NULL OR recipient = ?) ORDER BY seq LIMIT ? FOR UPDATE SKIP LOCKED";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, instanceId);
      ps.setString(2, recipient);
      ps.setString(3, recipient);
      ps.setInt(4, limit);
      List<Message> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(read(rs));
        }
      }
      return out;
    }
  }

  private boolean transition(Connection c, String id, List<String> from, String to, Instant now, ObjectNode detail,
      String set, Object... setParams) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(String.format(TRANSITION, set))) {
      int i = 1;
      ps.setString(i++, to);
      ps.setTimestamp(i++, Timestamp.from(now));
      for (Object p : setParams) {
        ps.setObject(i++, p);
      }
      ps.setString(i++, id);
      ps.setArray(i++, c.createArrayOf("text", from.toArray()));
      ps.setString(i++, to);
      ps.setTimestamp(i++, Timestamp.from(now));
      ps.setString(i, detail == null ? null : detail.toString());
      return ps.executeUpdate() == 1;
    }
  }

  private static Optional<Message> one(Connection c, String sql, String... params) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setString(i + 1, params[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(read(rs)) : Optional.empty();
      }
    }
  }

  private static Message read(ResultSet rs) throws SQLException {
    double typingMs = rs.getDouble("typing_ms");
    Duration typing = rs.wasNull() ? null : Duration.ofMillis(Math.round(typingMs));
    long job = rs.getLong("job_id");
    Long jobId = rs.wasNull() ? null : job;
    return new Message(
        rs.getLong("seq"),
        rs.getString("id"),
        rs.getString("organization_id"),
        rs.getString("instance_id"),
        rs.getString("recipient"),
        rs.getString("type"),
        json(rs.getString("content")),
        rs.getString("reply_to"),
        rs.getString("template_name"),
        rs.getInt("priority"),
        typing,
        rs.getString("order_key"),
        json(rs.getString("metadata")),
        rs.getString("idempotency_key"),
        MessageStatus.of(rs.getString("status")).orElseThrow(),
        jobId,
        rs.getString("provider_message_id"),
        rs.getInt("send_attempt"),
        rs.getInt("throttle_count"),
        instant(rs, "in_doubt_since"),
        rs.getString("error_code"),
        rs.getString("error_message"),
        instant(rs, "scheduled_at"),
        instant(rs, "created_at"),
        instant(rs, "updated_at"),
        instant(rs, "sent_at"),
        instant(rs, "delivered_at"),
        instant(rs, "read_at"),
        instant(rs, "failed_at"));
  }

  private static Instant instant(ResultSet rs, String col) throws SQLException {
    Timestamp t = rs.getTimestamp(col);
    return t == null ? null : t.toInstant();
  }

  private static ObjectNode json(String text) {
    if (text == null) {
      return null;
    }
    try {
      return (ObjectNode) JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored message JSON is not JSON", e);
    }
  }
}
