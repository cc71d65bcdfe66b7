package dev.courier.queue.internal.store;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.queue.BlockedOrderKey;
import dev.courier.queue.EnqueueResult;
import dev.courier.queue.Job;
import dev.courier.queue.JobError;
import dev.courier.queue.JobQuery;
import dev.courier.queue.JobState;
import dev.courier.queue.Page;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * Owns every SQL statement on {@code courier_job} and its count tables. Each method is one
 * statement (or one short transaction); transitions of a running job are guarded by its attempt
 * and node, so a lost race changes nothing and returns nothing.
 */
public final class JobStore {
  // readJob reads these by position.
  private static final String JOB_COLUMNS =
      """
      id, queue, kind, state::text AS state, args::text AS args, priority, attempt, max_attempts,
      created_at, scheduled_at, attempted_at, finalized_at, attempted_by, lease_expires_at,
      cancel_requested_at IS NOT NULL AS cancel_requested, errors::text AS errors, progress,
      result::text AS result, tags, metadata::text AS metadata, unique_key, order_key, limiter_keys
      """;

  private static final String INSERT =
      """
      INSERT INTO courier_job (state, queue, kind, args, priority, max_attempts, created_at,
                               scheduled_at, unique_key, unique_window_key, tags, metadata,
                               order_key, order_gate, order_hold, order_delay, order_jitter,
                               limiter_keys, limit_key, limit_value)
      SELECT r.state::courier_job_state, r.queue, r.kind, r.args::jsonb, r.priority, r.max_attempts, ?,
             'epoch'::timestamptz + r.scheduled_us * interval '1 microsecond',
             r.unique_key, r.unique_window_key,
             CASE WHEN r.tags IS NULL THEN '{}'::text[]
                  ELSE ARRAY(SELECT jsonb_array_elements_text(r.tags::jsonb)) END,
             coalesce(r.metadata, '{}')::jsonb, r.order_key, r.order_key IS NOT NULL,
             r.hold_us * interval '1 microsecond', r.delay_us * interval '1 microsecond',
             r.jitter_us * interval '1 microsecond',
             CASE WHEN r.limiter_keys IS NULL THEN NULL
                  ELSE ARRAY(SELECT jsonb_array_elements_text(r.limiter_keys::jsonb)) END,
             r.limiter_keys::jsonb ->> 0, r.limit_value
      FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::smallint[], ?::smallint[],
                  ?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                  ?::bigint[], ?::bigint[], ?::bigint[], ?::text[])
           AS r(state, queue, kind, args, priority, max_attempts, scheduled_us, unique_key,
                unique_window_key, tags, metadata, order_key, limiter_keys, hold_us, delay_us,
                jitter_us, limit_value)
      ON CONFLICT DO NOTHING
      RETURNING id, state::text AS state, unique_key, unique_window_key
      """;

  // A batch without unique keys cannot conflict (ids are an identity; NULL keys are distinct):
  // ON CONFLICT would only add a speculative insertion per row (an arbiter probe per unique index
  // and an extra WAL record to confirm the row).
  private static final String INSERT_PLAIN = INSERT.replace("ON CONFLICT DO NOTHING\n", "");

  private static final String FIND_UNIQUE =
      """
      SELECT id, unique_key, unique_window_key FROM courier_job
      WHERE (unique_key = ANY(?) AND state IN ('scheduled', 'available', 'running', 'retryable'))
         OR unique_window_key = ANY(?)
      """;

  // The claimed ids are collected first (jobs without limiters by index, then, only when the queue
  // has limiters with waiting jobs, the jobs they admit, see V3__limiters.sql) and the update finds them by primary key: a cached generic plan
  // cannot turn this into a scan of the whole table.
  // Claims commit with synchronous_commit off (set for this statement's own transaction by the
  // one-time set_config, so a claim is one round trip): a claim lost in a server crash only means
  // the job runs again, which at-least-once delivery allows; it never loses or finalizes a job.
  // courier_claim (V5) picks and marks in two statements of one call; see the migration for why.
  // The same columns in the same order as JOB_COLUMNS (readJob reads them by position).
  private static final String CLAIM =
      """
      SELECT j.id, j.queue, j.kind, j.state::text AS state, j.args::text AS args, j.priority,
             j.attempt, j.max_attempts, j.created_at, j.scheduled_at, j.attempted_at,
             j.finalized_at, j.attempted_by, j.lease_expires_at,
             j.cancel_requested_at IS NOT NULL AS cancel_requested, '[]' AS errors, j.progress,
             NULL::text AS result, j.tags, j.metadata::text AS metadata, j.unique_key,
             j.order_key, j.limiter_keys
      FROM courier_claim(?, ?, ?, ?, ?) j
      """;

  // Batched statements match running jobs by "lease_expires_at IS NOT NULL" (equivalent to
  // state = 'running' by a CHECK constraint) so that the planner looks the batch up by primary key
  // instead of scanning the partial index of running jobs, whose row estimate is often stale.
  // (Adding "j.id = ANY(ids)" as a second path made completions four times slower: measured
  // 6.8 ms against 1.7 ms per 100 jobs, see docs/BENCHMARKS.md.)
  private static final String COMPLETE_MANY =
      """
      UPDATE courier_job j
      SET state = 'completed', finalized_at = ?, lease_expires_at = NULL,
          result = c.result::jsonb, progress = CASE WHEN j.progress IS NULL THEN NULL ELSE 100 END
      FROM unnest(?::bigint[], ?::smallint[], ?::text[]) AS c(id, attempt, result)
      WHERE j.id = c.id AND j.attempt = c.attempt AND j.lease_expires_at IS NOT NULL
        AND j.attempted_by = ?
      RETURNING j.id, j.queue, j.kind, j.attempt
      """;

  private static final String COMPLETE_ONE =
      """
      UPDATE courier_job
      SET state = 'completed', finalized_at = ?, lease_expires_at = NULL, result = ?::jsonb
      WHERE id = ? AND attempt = ? AND state = 'running' AND attempted_by = ?
      """;

  // The failure of one attempt. The new state is decided in Java (retry policy) except that a
  // cancel request always wins.
  private static final String FAIL =
      """
      UPDATE courier_job
      SET state = CASE WHEN cancel_requested_at IS NOT NULL THEN 'cancelled'
                       ELSE ?::courier_job_state END,
          scheduled_at = ?,
          finalized_at = CASE WHEN cancel_requested_at IS NOT NULL OR ? THEN ?::timestamptz END,
          lease_expires_at = NULL,
          errors = errors || jsonb_build_array(?::jsonb)
      WHERE id = ? AND attempt = ? AND state = 'running' AND attempted_by = ?
      RETURNING state::text AS state
      """;

  private static final String SNOOZE =
      """
      UPDATE courier_job
      SET state = CASE WHEN cancel_requested_at IS NOT NULL THEN 'cancelled'
                       ELSE ?::courier_job_state END,
          finalized_at = CASE WHEN cancel_requested_at IS NOT NULL THEN ?::timestamptz END,
          attempt = attempt - 1, scheduled_at = ?, lease_expires_at = NULL
      WHERE id = ? AND attempt = ? AND state = 'running' AND attempted_by = ?
      RETURNING state::text AS state
      """;

  private static final String RELEASE =
      """
      UPDATE courier_job
      SET state = 'available', attempt = courier_job.attempt - 1, lease_expires_at = NULL
      FROM unnest(?::bigint[], ?::smallint[]) AS r(id, attempt)
      WHERE courier_job.id = r.id AND courier_job.attempt = r.attempt
        AND courier_job.lease_expires_at IS NOT NULL AND courier_job.attempted_by = ?
      RETURNING courier_job.id, courier_job.queue, courier_job.kind, courier_job.attempt
      """;

  // Renewal never waits for a row another transaction holds (the completer's batch, a worker's
  // completing transaction): it locked its rows in another order, and waiting made deadlocks.
  // A row skipped now is renewed at the next round; STILL_HELD tells it from a lost lease.
  private static final String RENEW =
      """
      WITH mine AS (
        SELECT id FROM courier_job
        WHERE id = ANY(?) AND lease_expires_at IS NOT NULL AND attempted_by = ?
        FOR UPDATE SKIP LOCKED)
      UPDATE courier_job j SET lease_expires_at = ?
      FROM mine WHERE j.id = mine.id
      RETURNING j.id, j.cancel_requested_at IS NOT NULL AS cancel_requested
      """;

  private static final String STILL_HELD =
      "SELECT id FROM courier_job WHERE id = ANY(?) AND lease_expires_at IS NOT NULL AND attempted_by = ?";

  private static final String PROGRESS =
      """
      UPDATE courier_job SET progress = ?
      WHERE id = ? AND attempt = ? AND state = 'running' AND attempted_by = ?
      """;

  private static final String PROMOTE =
      """
      WITH due AS (
        SELECT id, state AS old_state FROM courier_job
        WHERE state IN ('scheduled', 'retryable') AND scheduled_at <= ?
        ORDER BY scheduled_at
        LIMIT ?
        FOR UPDATE SKIP LOCKED)
      UPDATE courier_job j SET state = 'available'
      FROM due WHERE j.id = due.id
      RETURNING j.id, j.queue, j.kind, due.old_state::text AS old_state, j.attempt
      """;

  private static final String NEXT_DUE =
      """
      SELECT min(scheduled_at) AS next FROM courier_job WHERE state IN ('scheduled', 'retryable')
      """;

  private static final String RESCUE =
      """
      WITH expired AS (
        SELECT id FROM courier_job
        WHERE state = 'running' AND lease_expires_at < ?
        ORDER BY lease_expires_at
        LIMIT ?
        FOR UPDATE SKIP LOCKED)
      UPDATE courier_job j
      SET state = CASE WHEN j.cancel_requested_at IS NOT NULL THEN 'cancelled'
                       WHEN j.attempt >= j.max_attempts THEN 'discarded'
                       ELSE 'retryable' END::courier_job_state,
          finalized_at = CASE WHEN j.cancel_requested_at IS NOT NULL
                                OR j.attempt >= j.max_attempts THEN ?::timestamptz END,
          scheduled_at = ?,
          lease_expires_at = NULL,
          errors = j.errors || jsonb_build_array(jsonb_build_object(
              'attempt', j.attempt, 'at', ?::text, 'error', 'lease_expired',
              'message', 'the lease of node ' || j.attempted_by || ' expired while the job ran'))
      FROM expired WHERE j.id = expired.id
      RETURNING j.id, j.queue, j.kind, j.state::text AS state, j.attempt
      """;

  private static final String CANCEL =
      """
      UPDATE courier_job
      SET state = CASE WHEN state = 'running' THEN state ELSE 'cancelled' END,
          finalized_at = CASE WHEN state = 'running' THEN NULL ELSE p.now END,
          cancel_requested_at = p.now
      FROM (SELECT ?::timestamptz AS now) p
      WHERE id = ? AND state IN ('scheduled', 'available', 'running', 'retryable')
      RETURNING id, queue, kind, state::text AS state, attempt
      """;

  private static final String RETRY =
      """
      UPDATE courier_job
      SET state = 'available', scheduled_at = ?, finalized_at = NULL, cancel_requested_at = NULL,
          max_attempts = greatest(max_attempts, attempt + 1),
          -- A waiting head still holds its key: it stays ungated, or nothing would ever ungate it.
          order_gate = order_key IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM courier_order_key k WHERE k.key = courier_job.order_key AND k.active_job_id = courier_job.id)
      WHERE id = ? AND state IN ('scheduled', 'retryable', 'completed', 'cancelled', 'discarded')
      RETURNING id, queue, kind, state::text AS state, attempt
      """;

  private static final String RETRY_DISCARDED =
      """
      WITH picked AS (
        SELECT id FROM courier_job WHERE queue = ? AND state = 'discarded'
        ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED)
      UPDATE courier_job j
      SET state = 'available', scheduled_at = ?, finalized_at = NULL,
          max_attempts = greatest(j.max_attempts, j.attempt + 1), order_gate = j.order_key IS NOT NULL
      FROM picked WHERE j.id = picked.id
      RETURNING j.id
      """;

  private static final String DISCARD =
      """
      UPDATE courier_job SET state = 'discarded', finalized_at = ?
      WHERE id = ? AND state IN ('scheduled', 'available', 'retryable')
      RETURNING id, queue, kind, state::text AS state, attempt
      """;

  private static final String STATE_OF = "SELECT state::text AS state FROM courier_job WHERE id = ?";

  private static final String DELETE = "DELETE FROM courier_job WHERE id = ? AND state <> 'running'";

  private static final String CLEAN =
      """
      DELETE FROM courier_job WHERE id IN (
        SELECT id FROM courier_job
        WHERE state = ?::courier_job_state AND finalized_at < ?
        LIMIT ?)
      """;

  private static final String CLEAN_QUEUE =
      """
      DELETE FROM courier_job WHERE id IN (
        SELECT id FROM courier_job
        WHERE queue = ? AND state = ?::courier_job_state AND finalized_at < ?
        LIMIT ?)
      """;

  // Release a held key: remember the signal on the job (it may come before the job completes) and
  // free the key if it is already held for it.
  private static final String ORDER_RELEASE_JOB =
      "UPDATE courier_job SET order_released = true WHERE id = ? AND order_key IS NOT NULL RETURNING order_key";

  private static final String ORDER_RELEASE_KEY =
      """
      UPDATE courier_order_key SET held_until = NULL, active_job_id = NULL, updated_at = now()
      WHERE key = ? AND active_job_id = ? AND held_until IS NOT NULL
      RETURNING key
      """;

  // The expired holds are found through the partial index on held_until (oldest first), then locked
  // in key order. Picking them in key order directly let a generic plan walk the primary key past
  // every key that is not held: 13 ms a call with 20,000 keys, at every promotion tick.
  private static final String ORDER_EXPIRE_HOLDS =
      """
      UPDATE courier_order_key SET held_until = NULL, active_job_id = NULL, updated_at = now()
      WHERE key IN (SELECT key FROM courier_order_key
                    WHERE key IN (SELECT key FROM courier_order_key WHERE held_until <= ?
                                  ORDER BY held_until LIMIT ?)
                      AND held_until <= ?
                    ORDER BY key FOR UPDATE SKIP LOCKED)
      RETURNING key
      """;

  private static final String ORDER_ADVANCE = "SELECT courier_order_advance_all(?::text[])";

  private static final String ORDER_CLEAN_IDLE =
      """
      DELETE FROM courier_order_key WHERE key IN (
        SELECT key FROM courier_order_key
        WHERE active_job_id IS NULL AND held_until IS NULL AND updated_at < ?
        LIMIT ? FOR UPDATE SKIP LOCKED)
      """;

  private static final String ORDER_BLOCKED =
      """
      SELECT k.key, j.id, j.queue, j.kind, j.attempt, j.max_attempts, j.scheduled_at,
             j.errors -> -1 ->> 'error' AS error_class, j.errors -> -1 ->> 'message' AS error_message,
             (SELECT count(*) FROM courier_job w
               WHERE w.order_key = k.key AND w.order_gate AND w.state = 'available') AS waiting
      FROM courier_order_key k JOIN courier_job j ON j.id = k.active_job_id
      WHERE j.state = 'retryable' AND k.key > ?
      ORDER BY k.key
      LIMIT ?
      """;

  private static final String COUNTS =
      """
      SELECT queue, state::text AS state, sum(n)::bigint AS n FROM (
        SELECT queue, state, n FROM courier_job_count
        UNION ALL
        SELECT queue, state, delta FROM courier_job_count_delta) c
      GROUP BY queue, state
      """;

  private static final String FOLD_COUNTS =
      """
      WITH moved AS (DELETE FROM courier_job_count_delta RETURNING queue, state, delta),
      summed AS (SELECT queue, state, sum(delta) AS n FROM moved GROUP BY queue, state)
      INSERT INTO courier_job_count (queue, state, n)
      SELECT queue, state, n FROM summed
      ON CONFLICT (queue, state) DO UPDATE SET n = courier_job_count.n + excluded.n
      """;

  private final DataSource dataSource;
  private final ObjectMapper json;

  public JobStore(DataSource dataSource, ObjectMapper json) {
    this.dataSource = dataSource;
    this.json = json;
  }

  public DataSource dataSource() {
    return dataSource;
  }

  // ---------------------------------------------------------------- insert

  /** What an insert did: one result per job in request order, and the wake it owes. */
  public record Inserted(List<EnqueueResult> results, Wake wake) {}

  /**
   * Inserts jobs in one statement on the caller's connection; results in request order. With
   * {@code deferWake} the triggers send no notification at commit and the returned wake must be
   * announced once the transaction committed.
   */
  public Inserted jobInsertMany(Connection c, List<NewJob> jobs, Instant now, boolean deferWake)
      throws SQLException {
    int n = jobs.size();
    String[] state = new String[n];
    String[] queue = new String[n];
    String[] kind = new String[n];
    String[] args = new String[n];
    Integer[] priority = new Integer[n];
    Integer[] maxAttempts = new Integer[n];
    Long[] scheduled = new Long[n];
    String[] unique = new String[n];
    String[] uniqueWindow = new String[n];
    String[] tags = new String[n];
    String[] metadata = new String[n];
    String[] orderKey = new String[n];
    String[] limiterKeys = new String[n];
    Long[] hold = new Long[n];
    Long[] delay = new Long[n];
    Long[] jitter = new Long[n];
    String[] limitValue = new String[n];
    boolean anyUnique = false;
    for (int i = 0; i < n; i++) {
      NewJob j = jobs.get(i);
      anyUnique |= j.uniqueKey() != null || j.uniqueWindowKey() != null;
      state[i] = j.state().wireName();
      queue[i] = j.queue();
      kind[i] = j.kind();
      args[i] = j.argsJson();
      priority[i] = j.priority();
      maxAttempts[i] = j.maxAttempts();
      scheduled[i] = Sql.micros(j.scheduledAt());
      unique[i] = j.uniqueKey();
      uniqueWindow[i] = j.uniqueWindowKey();
      tags[i] = j.tags().isEmpty() ? null : writeJson(j.tags());
      metadata[i] = j.metadataJson();
      orderKey[i] = j.orderKey();
      hold[i] = Sql.micros(j.orderHold());
      delay[i] = Sql.micros(j.orderDelay());
      jitter[i] = Sql.micros(j.orderJitter());
      limitValue[i] = j.limitValue();
      limiterKeys[i] = j.limiterKeys() == null || j.limiterKeys().isEmpty() ? null : writeJson(j.limiterKeys());
    }
    List<long[]> inserted = new ArrayList<>(n); // {id}
    Map<String, Long> byUnique = new HashMap<>();
    Map<String, Long> byWindow = new HashMap<>();
    Wake wake = Wake.NONE;
    String insert = anyUnique ? INSERT : INSERT_PLAIN;
    try (PreparedStatement ps = c.prepareStatement(deferWake ? DeferredWake.wrap(insert) : insert)) {
      ps.setObject(1, Sql.ts(now));
      ps.setArray(2, c.createArrayOf("text", state));
      ps.setArray(3, c.createArrayOf("text", queue));
      ps.setArray(4, c.createArrayOf("text", kind));
      ps.setArray(5, c.createArrayOf("text", args));
      ps.setArray(6, c.createArrayOf("smallint", priority));
      ps.setArray(7, c.createArrayOf("smallint", maxAttempts));
      ps.setArray(8, c.createArrayOf("bigint", scheduled));
      ps.setArray(9, c.createArrayOf("text", unique));
      ps.setArray(10, c.createArrayOf("text", uniqueWindow));
      ps.setArray(11, c.createArrayOf("text", tags));
      ps.setArray(12, c.createArrayOf("text", metadata));
      ps.setArray(13, c.createArrayOf("text", orderKey));
      ps.setArray(14, c.createArrayOf("text", limiterKeys));
      ps.setArray(15, c.createArrayOf("bigint", hold));
      ps.setArray(16, c.createArrayOf("bigint", delay));
      ps.setArray(17, c.createArrayOf("bigint", jitter));
      ps.setArray(18, c.createArrayOf("text", limitValue));
      DeferredWake.Reader reader = (rs, count) -> {
        while (rs.next()) {
          long id = rs.getLong("id");
          inserted.add(new long[] {id});
          String u = rs.getString("unique_key");
          String w = rs.getString("unique_window_key");
          if (u != null) {
            byUnique.put(u, id);
          }
          if (w != null) {
            byWindow.put(w, id);
          }
        }
      };
      if (deferWake) {
        wake = DeferredWake.execute(ps, reader);
      } else {
        try (ResultSet rs = ps.executeQuery()) {
          reader.read(rs, -1);
        }
      }
    }
    // Identities are assigned in the order the rows are produced, which is the order of the
    // arrays: sorted ids line up with the requests that were inserted.
    inserted.sort((a, b) -> Long.compare(a[0], b[0]));
    EnqueueResult[] results = new EnqueueResult[n];
    List<String> missingUnique = new ArrayList<>();
    List<String> missingWindow = new ArrayList<>();
    int next = 0;
    for (int i = 0; i < n; i++) {
      NewJob j = jobs.get(i);
      boolean deduped = j.uniqueKey() != null || j.uniqueWindowKey() != null;
      boolean wasInserted;
      if (!deduped) {
        wasInserted = true;
      } else {
        Long id =
            j.uniqueWindowKey() != null ? byWindow.remove(j.uniqueWindowKey()) : byUnique.remove(j.uniqueKey());
        if (id != null && j.uniqueWindowKey() != null && j.uniqueKey() != null) {
          byUnique.remove(j.uniqueKey());
        }
        wasInserted = id != null;
      }
      if (wasInserted) {
        results[i] = new EnqueueResult(inserted.get(next++)[0], false);
      } else if (j.uniqueWindowKey() != null) {
        missingWindow.add(j.uniqueWindowKey());
      } else {
        missingUnique.add(j.uniqueKey());
      }
    }
    if (!missingUnique.isEmpty() || !missingWindow.isEmpty()) {
      Map<String, Long> existingUnique = new HashMap<>();
      Map<String, Long> existingWindow = new HashMap<>();
      try (PreparedStatement ps = c.prepareStatement(FIND_UNIQUE)) {
        ps.setArray(1, Sql.textArray(c, missingUnique));
        ps.setArray(2, Sql.textArray(c, missingWindow));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            long id = rs.getLong("id");
            String u = rs.getString("unique_key");
            String w = rs.getString("unique_window_key");
            if (u != null) {
              existingUnique.merge(u, id, Math::min);
            }
            if (w != null) {
              existingWindow.put(w, id);
            }
          }
        }
      }
      for (int i = 0; i < n; i++) {
        if (results[i] != null) {
          continue;
        }
        NewJob j = jobs.get(i);
        Long id =
            j.uniqueWindowKey() != null ? existingWindow.get(j.uniqueWindowKey()) : existingUnique.get(j.uniqueKey());
        if (id == null) {
          // The conflicting job finalized between the insert and the lookup; report it as a
          // duplicate of nothing rather than inserting twice.
          id = -1L;
        }
        results[i] = new EnqueueResult(id, true);
      }
    }
    return new Inserted(List.of(results), wake);
  }

  // A job handed to a worker of the enqueuing node (see NodeRuntime.handOff) is inserted already
  // claimed: running, attempt 1, under this node's lease. Only jobs without order key, limiter or
  // unique key come here, so no trigger has anything to decide for it, and no NOTIFY is owed.
  private static final String INSERT_RUNNING =
      "INSERT INTO courier_job (state, queue, kind, args, priority, max_attempts, created_at, scheduled_at, tags,"
          + " metadata, attempt, attempted_at, attempted_by, lease_expires_at)"
          + " VALUES ('running', ?, ?, ?::jsonb, ?, ?, ?, ?, ?::text[], coalesce(?, '{}')::jsonb, 1, ?, ?, ?)"
          + " RETURNING " + JOB_COLUMNS;

  /**
   * Inserts {@code job} as running on {@code node} in its own transaction, for a worker of this
   * node to start once this returns (the commit is durable before the job can start).
   */
  public Job jobInsertRunning(NewJob job, Instant now, String node, Instant leaseUntil) throws SQLException {
    if (job.orderKey() != null || job.uniqueKey() != null || job.uniqueWindowKey() != null
        || (job.limiterKeys() != null && !job.limiterKeys().isEmpty())) {
      throw new IllegalArgumentException("only a job without order key, limiter or unique key is inserted running");
    }
    try (Connection c = dataSource.getConnection()) {
      Job inserted;
      try (PreparedStatement ps = c.prepareStatement(INSERT_RUNNING)) {
        ps.setString(1, job.queue());
        ps.setString(2, job.kind());
        ps.setString(3, job.argsJson());
        ps.setInt(4, job.priority());
        ps.setInt(5, job.maxAttempts());
        ps.setObject(6, Sql.ts(now));
        ps.setObject(7, Sql.ts(job.scheduledAt()));
        ps.setArray(8, c.createArrayOf("text", job.tags().toArray()));
        ps.setString(9, job.metadataJson());
        ps.setObject(10, Sql.ts(now));
        ps.setString(11, node);
        ps.setObject(12, Sql.ts(leaseUntil));
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          inserted = readJob(rs);
        }
      }
      if (!c.getAutoCommit()) {
        c.commit();
      }
      return inserted;
    }
  }

  // ---------------------------------------------------------------- claim and finish

  /** Claims up to {@code limit} available jobs of a queue for this node. */
  public List<Job> jobClaim(String queue, int limit, Instant now, String node, Instant leaseUntil)
      throws SQLException {
    List<Job> jobs = new ArrayList<>(limit);
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(CLAIM)) {
      ps.setString(1, queue);
      ps.setInt(2, limit);
      ps.setObject(3, Sql.ts(now));
      ps.setString(4, node);
      ps.setObject(5, Sql.ts(leaseUntil));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          jobs.add(readJob(rs));
        }
      }
    }
    jobs.sort(
        (a, b) -> a.priority() != b.priority() ? Integer.compare(a.priority(), b.priority()) : Long.compare(a.id(), b.id()));
    return jobs;
  }

  /** The jobs a statement changed, and the wake it owes once committed. */
  public record Changed(List<StateChange> changes, Wake wake) {}

  /** Completes many jobs in one statement; returns the ones this node still held. */
  public Changed jobCompleteMany(List<Completion> done, Instant now, String node)
      throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      return jobCompleteMany(c, done, now, node);
    }
  }

  /**
   * {@link #jobCompleteMany(List, Instant, String)} on the caller's connection (inside its
   * transaction, or alone in autocommit).
   */
  public Changed jobCompleteMany(Connection c, List<Completion> done, Instant now, String node)
      throws SQLException {
    int n = done.size();
    Long[] ids = new Long[n];
    Integer[] attempts = new Integer[n];
    String[] results = new String[n];
    for (int i = 0; i < n; i++) {
      Completion d = done.get(i);
      ids[i] = d.id();
      attempts[i] = d.attempt();
      results[i] = d.resultJson();
    }
    List<StateChange> changes = new ArrayList<>(n);
    try (PreparedStatement ps = c.prepareStatement(DeferredWake.wrap(COMPLETE_MANY))) {
      ps.setObject(1, Sql.ts(now));
      ps.setArray(2, c.createArrayOf("bigint", ids));
      ps.setArray(3, c.createArrayOf("smallint", attempts));
      ps.setArray(4, c.createArrayOf("text", results));
      ps.setString(5, node);
      Wake wake = DeferredWake.execute(ps, (rs, count) -> {
        while (rs.next()) {
          changes.add(
              new StateChange(
                  rs.getLong("id"), rs.getString("queue"), rs.getString("kind"),
                  JobState.RUNNING, JobState.COMPLETED, rs.getInt("attempt")));
        }
      });
      return new Changed(changes, wake);
    }
  }

  /**
   * Completes one job on the caller's connection (inside its transaction); returns the wake owed
   * after the caller's commit, or null when this node no longer held the job.
   */
  public Wake jobCompleteOne(
      Connection c, long id, int attempt, String node, Instant now, String resultJson)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(DeferredWake.wrap(COMPLETE_ONE))) {
      ps.setObject(1, Sql.ts(now));
      Sql.setNullableText(ps, 2, resultJson);
      ps.setLong(3, id);
      ps.setInt(4, attempt);
      ps.setString(5, node);
      boolean[] done = new boolean[1];
      Wake wake = DeferredWake.execute(ps, (rs, count) -> done[0] = count == 1);
      return done[0] ? wake : null;
    }
  }

  /**
   * Records a failed attempt and moves the job to {@code next} ({@code retryable}, {@code
   * available} or {@code discarded}); returns the state it got, or empty when the node lost it.
   */
  public Optional<Moved> jobFailAttempt(
      long id, int attempt, String node, JobState next, Instant retryAt, Instant now, String errorJson)
      throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(DeferredWake.wrap(FAIL))) {
      ps.setString(1, next.wireName());
      ps.setObject(2, Sql.ts(retryAt));
      ps.setBoolean(3, next.isFinal());
      ps.setObject(4, Sql.ts(now));
      ps.setString(5, errorJson);
      ps.setLong(6, id);
      ps.setInt(7, attempt);
      ps.setString(8, node);
      return moved(ps);
    }
  }

  /** The state one job moved to, and the wake owed for it (already committed). */
  public record Moved(JobState state, Wake wake) {}

  private static Optional<Moved> moved(PreparedStatement ps) throws SQLException {
    JobState[] state = new JobState[1];
    Wake wake = DeferredWake.execute(ps, (rs, count) -> {
      if (rs.next()) {
        state[0] = JobState.fromWire(rs.getString("state"));
      }
    });
    return state[0] == null ? Optional.empty() : Optional.of(new Moved(state[0], wake));
  }

  /** Puts a running job back to wait until {@code until}, giving its attempt back. */
  public Optional<Moved> jobSnooze(long id, int attempt, String node, Instant until, Instant now)
      throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(DeferredWake.wrap(SNOOZE))) {
      ps.setString(1, until.isAfter(now) ? "scheduled" : "available");
      ps.setObject(2, Sql.ts(now));
      ps.setObject(3, Sql.ts(until));
      ps.setLong(4, id);
      ps.setInt(5, attempt);
      ps.setString(6, node);
      return moved(ps);
    }
  }

  /** Hands running jobs back (node shutting down): available at once, attempt given back. */
  public List<StateChange> jobRelease(long[] ids, int[] attempts, String node) throws SQLException {
    List<StateChange> changes = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(RELEASE)) {
      ps.setArray(1, Sql.longArray(c, ids));
      ps.setArray(2, Sql.intArray(c, attempts));
      ps.setString(3, node);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          changes.add(
              new StateChange(
                  rs.getLong("id"), rs.getString("queue"), rs.getString("kind"),
                  JobState.RUNNING, JobState.AVAILABLE, rs.getInt("attempt")));
        }
      }
    }
    return changes;
  }

  /** Extends this node's leases; returns the ids still held, each with its cancel flag. */
  public Map<Long, Boolean> jobRenewLeases(long[] ids, String node, Instant until) throws SQLException {
    Map<Long, Boolean> held = new HashMap<>();
    try (Connection c = dataSource.getConnection()) {
      try (PreparedStatement ps = c.prepareStatement(RENEW)) {
        ps.setArray(1, Sql.longArray(c, ids));
        ps.setString(2, node);
        ps.setObject(3, Sql.ts(until));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            held.put(rs.getLong("id"), rs.getBoolean("cancel_requested"));
          }
        }
      }
      if (held.size() < ids.length) {
        // Skipped because locked (being completed or changed right now), or no longer this node's.
        long[] missing = java.util.Arrays.stream(ids).filter(id -> !held.containsKey(id)).toArray();
        try (PreparedStatement ps = c.prepareStatement(STILL_HELD)) {
          ps.setArray(1, Sql.longArray(c, missing));
          ps.setString(2, node);
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              held.put(rs.getLong("id"), false);
            }
          }
        }
      }
    }
    return held;
  }

  public boolean jobSetProgress(long id, int attempt, String node, int progress) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(PROGRESS)) {
      ps.setInt(1, progress);
      ps.setLong(2, id);
      ps.setInt(3, attempt);
      ps.setString(4, node);
      return ps.executeUpdate() == 1;
    }
  }

  // ---------------------------------------------------------------- maintenance

  /** Makes due scheduled and retryable jobs available; the caller announces the returned wake. */
  public Changed jobPromoteDue(Instant now, int limit) throws SQLException {
    List<StateChange> changes = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(DeferredWake.wrap(PROMOTE))) {
      ps.setObject(1, Sql.ts(now));
      ps.setInt(2, limit);
      Wake wake = DeferredWake.execute(ps, (rs, count) -> {
        while (rs.next()) {
          changes.add(
              new StateChange(
                  rs.getLong("id"), rs.getString("queue"), rs.getString("kind"),
                  JobState.fromWire(rs.getString("old_state")), JobState.AVAILABLE, rs.getInt("attempt")));
        }
      });
      return new Changed(changes, wake);
    }
  }

  /** The earliest start among scheduled and retryable jobs, if any. */
  public Optional<Instant> jobNextDue() throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(NEXT_DUE);
        ResultSet rs = ps.executeQuery()) {
      return rs.next() ? Optional.ofNullable(Sql.instant(rs, "next")) : Optional.empty();
    }
  }

  /** Moves running jobs whose lease expired to retryable (or discarded when out of attempts). */
  public List<StateChange> jobRescueExpired(Instant now, int limit) throws SQLException {
    List<StateChange> changes = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(RESCUE)) {
      ps.setObject(1, Sql.ts(now));
      ps.setInt(2, limit);
      ps.setObject(3, Sql.ts(now));
      ps.setObject(4, Sql.ts(now));
      ps.setString(5, now.toString());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          changes.add(
              new StateChange(
                  rs.getLong("id"), rs.getString("queue"), rs.getString("kind"),
                  JobState.RUNNING, JobState.fromWire(rs.getString("state")), rs.getInt("attempt")));
        }
      }
    }
    return changes;
  }

  /** Deletes up to {@code batch} jobs in a finalized state older than {@code before}. */
  public int jobCleanBatch(JobState state, Instant before, int batch) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(CLEAN)) {
      ps.setString(1, state.wireName());
      ps.setObject(2, Sql.ts(before));
      ps.setInt(3, batch);
      return ps.executeUpdate();
    }
  }

  /** {@link #jobCleanBatch} for one queue only. */
  public int jobCleanQueueBatch(String queue, JobState state, Instant before, int batch) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(CLEAN_QUEUE)) {
      ps.setString(1, queue);
      ps.setString(2, state.wireName());
      ps.setObject(3, Sql.ts(before));
      ps.setInt(4, batch);
      return ps.executeUpdate();
    }
  }

  /** Folds the appended count deltas into the count table. */
  public void jobCountsFold() throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(FOLD_COUNTS)) {
      ps.executeUpdate();
    }
  }

  /** Job counts by queue and state, from the count tables (cheap at any table size). */
  public Map<String, Map<JobState, Long>> jobCounts() throws SQLException {
    Map<String, Map<JobState, Long>> counts = new TreeMap<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(COUNTS);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        Map<JobState, Long> byState = counts.computeIfAbsent(rs.getString("queue"), q -> zeroCounts());
        byState.put(JobState.fromWire(rs.getString("state")), rs.getLong("n"));
      }
    }
    return counts;
  }

  public static Map<JobState, Long> zeroCounts() {
    Map<JobState, Long> m = new EnumMap<>(JobState.class);
    for (JobState s : JobState.values()) {
      m.put(s, 0L);
    }
    return m;
  }

  // ---------------------------------------------------------------- admin

  public Optional<Job> jobGet(long id) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT " + JOB_COLUMNS + " FROM courier_job WHERE id = ?")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(readJob(rs)) : Optional.empty();
      }
    }
  }

  public Optional<JobState> jobState(long id) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(STATE_OF)) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(JobState.fromWire(rs.getString("state"))) : Optional.empty();
      }
    }
  }

  /** Lists jobs newest first; the cursor is the last id seen. */
  public Page<Job> jobList(JobQuery q) throws SQLException {
    long before = Long.MAX_VALUE;
    if (q.cursor() != null && !q.cursor().isBlank()) {
      try {
        before = Long.parseLong(q.cursor());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("cursor: '" + q.cursor() + "' is not a cursor returned by a listing");
      }
    }
    // Filters are optional; each one is a "? IS NULL OR" so the statement text stays fixed.
    String sql =
        "SELECT " + JOB_COLUMNS
            + """
              FROM courier_job
              WHERE id < ?
                AND (?::text IS NULL OR queue = ?)
                AND (?::text IS NULL OR state = ?::courier_job_state)
                AND (?::text IS NULL OR kind = ?)
              ORDER BY id DESC
              LIMIT ?
              """;
    List<Job> jobs = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      String state = q.state() == null ? null : q.state().wireName();
      ps.setLong(1, before);
      Sql.setNullableText(ps, 2, q.queue());
      Sql.setNullableText(ps, 3, q.queue());
      Sql.setNullableText(ps, 4, state);
      Sql.setNullableText(ps, 5, state);
      Sql.setNullableText(ps, 6, q.kind());
      Sql.setNullableText(ps, 7, q.kind());
      ps.setInt(8, q.limit() + 1);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          jobs.add(readJob(rs));
        }
      }
    }
    String next = null;
    if (jobs.size() > q.limit()) {
      jobs = jobs.subList(0, q.limit());
      next = Long.toString(jobs.get(jobs.size() - 1).id());
    }
    return new Page<>(List.copyOf(jobs), next);
  }

  /**
   * Cancels a job that has not finished: at once if it waits, by request if it runs (the caller
   * then tells the running node). Empty when the job does not exist or already finished.
   */
  public Optional<StateChange> jobCancel(long id, Instant now) throws SQLException {
    return Sql.inTransaction(dataSource, c -> {
      Optional<StateChange> change = transition(c, CANCEL, id, now);
      if (change.isPresent() && change.get().to() == JobState.RUNNING) {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify('courier_control', ?)")) {
          ps.setString(1, "cancel:" + id);
          ps.execute();
        }
      }
      return change;
    });
  }

  /** Makes a waiting or finalized job available now. Empty when it runs or does not exist. */
  public Optional<StateChange> jobRetry(long id, Instant now) throws SQLException {
    return Sql.inTransaction(dataSource, c -> transition(c, RETRY, id, now));
  }

  /** Discards a waiting job. Empty when it runs, has finished, or does not exist. */
  public Optional<StateChange> jobDiscard(long id, Instant now) throws SQLException {
    return Sql.inTransaction(dataSource, c -> transition(c, DISCARD, id, now));
  }

  /**
   * An admin transition (statement parameters: now, id): locks the job to learn the state it
   * leaves, then runs the statement; empty when the job is missing or not in a state it moves from.
   */
  private static Optional<StateChange> transition(Connection c, String sql, long id, Instant now)
      throws SQLException {
    JobState before;
    try (PreparedStatement ps = c.prepareStatement(STATE_OF + " FOR UPDATE")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        before = JobState.fromWire(rs.getString("state"));
      }
    }
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setObject(1, Sql.ts(now));
      ps.setLong(2, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(
            new StateChange(
                id, rs.getString("queue"), rs.getString("kind"), before,
                JobState.fromWire(rs.getString("state")), rs.getInt("attempt")));
      }
    }
  }

  /** Makes up to {@code limit} discarded jobs of a queue available again; returns how many. */
  public int jobRetryDiscarded(String queue, int limit, Instant now) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(RETRY_DISCARDED)) {
      ps.setString(1, queue);
      ps.setInt(2, limit);
      ps.setObject(3, Sql.ts(now));
      int n = 0;
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          n++;
        }
      }
      return n;
    }
  }

  /** Deletes a job that is not running. */
  public boolean jobDelete(long id) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(DELETE)) {
      ps.setLong(1, id);
      return ps.executeUpdate() == 1;
    }
  }

  // ---------------------------------------------------------------- order keys

  /**
   * Signals that a job's held order key may go to the next job (e.g. the provider reported the
   * message sent). Returns true when a held key was freed now; a signal before completion is
   * remembered and the key is not held at all.
   */
  public boolean orderRelease(long jobId) throws SQLException {
    return Sql.inTransaction(dataSource, c -> {
      String key = null;
      try (PreparedStatement ps = c.prepareStatement(ORDER_RELEASE_JOB)) {
        ps.setLong(1, jobId);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            key = rs.getString(1);
          }
        }
      }
      boolean freed = false;
      if (key != null) {
        try (PreparedStatement ps = c.prepareStatement(ORDER_RELEASE_KEY)) {
          ps.setString(1, key);
          ps.setLong(2, jobId);
          try (ResultSet rs = ps.executeQuery()) {
            freed = rs.next();
          }
        }
        if (freed) {
          advance(c, List.of(key));
        }
      }
      return freed;
    });
  }

  /** Frees keys held past their hold time and hands them to their next job; returns how many. */
  public int orderExpireHolds(Instant now, int limit) throws SQLException {
    return Sql.inTransaction(dataSource, c -> {
      List<String> keys = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(ORDER_EXPIRE_HOLDS)) {
        ps.setObject(1, Sql.ts(now));
        ps.setInt(2, limit);
        ps.setObject(3, Sql.ts(now));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            keys.add(rs.getString(1));
          }
        }
      }
      advance(c, keys);
      return keys.size();
    });
  }

  /** Deletes key rows idle since before {@code before} (they are recreated on demand). */
  public int orderCleanIdle(Instant before, int limit) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(ORDER_CLEAN_IDLE)) {
      ps.setObject(1, Sql.ts(before));
      ps.setInt(2, limit);
      return ps.executeUpdate();
    }
  }

  private static void advance(Connection c, List<String> keys) throws SQLException {
    if (keys.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement(ORDER_ADVANCE)) {
      ps.setArray(1, Sql.textArray(c, keys));
      ps.execute();
    }
  }

  /** Keys whose head job failed and waits for a retry, after {@code afterKey}, in key order. */
  public List<BlockedOrderKey> orderBlocked(String afterKey, int limit) throws SQLException {
    List<BlockedOrderKey> rows = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(ORDER_BLOCKED)) {
      ps.setString(1, afterKey == null ? "" : afterKey);
      ps.setInt(2, limit);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(
              new BlockedOrderKey(
                  rs.getString("key"), rs.getLong("id"), rs.getString("queue"), rs.getString("kind"),
                  rs.getInt("attempt"), rs.getInt("max_attempts"), Sql.instant(rs, "scheduled_at"),
                  rs.getString("error_class"), rs.getString("error_message"), rs.getLong("waiting")));
        }
      }
    }
    return rows;
  }

  /** The earliest time a limiter holding back ready jobs of this queue may admit again. */
  public Optional<Instant> limiterNextWake(String queue, Instant now) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(
            "SELECT min(blocked_until) AS next FROM courier_limiter_state"
                + " WHERE queue = ? AND waiting AND blocked_until > ?")) {
      ps.setString(1, queue);
      ps.setObject(2, Sql.ts(now));
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.ofNullable(Sql.instant(rs, "next")) : Optional.empty();
      }
    }
  }

  // ---------------------------------------------------------------- mapping

  // By position, in the order of JOB_COLUMNS and CLAIM's select list: a lookup by name lowercases
  // and hashes the name for every column of every row, a visible share of a claim's JVM time.
  private Job readJob(ResultSet rs) throws SQLException {
    return new Job(
        rs.getLong(1),
        rs.getString(2),
        rs.getString(3),
        JobState.fromWire(rs.getString(4)),
        rs.getString(5),
        rs.getInt(6),
        rs.getInt(7),
        rs.getInt(8),
        Sql.instant(rs, 9),
        Sql.instant(rs, 10),
        Sql.instant(rs, 11),
        Sql.instant(rs, 12),
        rs.getString(13),
        Sql.instant(rs, 14),
        rs.getBoolean(15),
        readErrors(rs.getString(16)),
        (Integer) rs.getObject(17),
        rs.getString(18),
        Sql.stringList(rs, 19),
        rs.getString(20),
        rs.getString(21),
        rs.getString(22),
        Sql.stringList(rs, 23));
  }

  private static final TypeReference<List<Map<String, Object>>> ERROR_LIST = new TypeReference<>() {};

  private List<JobError> readErrors(String text) {
    if (text == null || text.equals("[]")) {
      return List.of();
    }
    try {
      List<Map<String, Object>> raw = json.readValue(text, ERROR_LIST);
      List<JobError> errors = new ArrayList<>(raw.size());
      for (Map<String, Object> e : raw) {
        Object at = e.get("at");
        errors.add(
            new JobError(
                ((Number) e.getOrDefault("attempt", 0)).intValue(),
                at == null ? null : Instant.parse(at.toString()),
                (String) e.get("error"),
                (String) e.get("message"),
                (String) e.get("trace")));
      }
      return List.copyOf(errors);
    } catch (Exception e) {
      throw new IllegalStateException("unreadable error history: " + e.getMessage(), e);
    }
  }

  /** The JSON stored for one failed attempt. */
  public String errorJson(int attempt, Instant at, String errorClass, String message, String trace) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("attempt", attempt);
    m.put("at", at.toString());
    m.put("error", errorClass);
    m.put("message", message);
    if (trace != null) {
      m.put("trace", trace);
    }
    return writeJson(m);
  }

  private String writeJson(Object value) {
    try {
      return json.writeValueAsString(value);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
