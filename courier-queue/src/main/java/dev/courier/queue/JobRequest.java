package dev.courier.queue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A job to enqueue. Built with {@link #of(String, Object)} and the {@code with…} methods, each of
 * which returns a new request; validated when enqueued, with errors naming the option.
 *
 * @param kind the worker kind that runs it
 * @param args its arguments, serialized to JSON with Jackson (a record, a map, or a JSON string
 *     given as {@link RawJson})
 * @param queue the queue it runs in ({@value #DEFAULT_QUEUE} by default)
 * @param priority 0 (urgent) to 9 (bulk)
 * @param runAt earliest start, or null for now
 * @param delay earliest start relative to the enqueue time, or null
 * @param maxAttempts how many times it may run before it is discarded
 * @param uniqueKey while a job with this key is not finalized, an equal enqueue returns it instead
 * @param uniqueWindow when set with a key: dedupe also against finalized jobs in the same window
 * @param tags free-form labels
 * @param metadata free-form JSON-able map kept with the job
 * @param orderKey jobs sharing an order key run one at a time in order; null for none
 * @param limiterKeys limiters this job must pass to start; the first is its primary limiter
 * @param limitValue the value distinct daily quotas count for this job (e.g. the recipient), or null
 */
public record JobRequest(
    String kind,
    Object args,
    String queue,
    int priority,
    Instant runAt,
    Duration delay,
    int maxAttempts,
    String uniqueKey,
    Duration uniqueWindow,
    List<String> tags,
    Map<String, Object> metadata,
    OrderKey orderKey,
    List<String> limiterKeys,
    String limitValue) {

  public static final String DEFAULT_QUEUE = "default";
  public static final int DEFAULT_MAX_ATTEMPTS = 25;

  /** JSON text passed through as the job's arguments without re-serializing. */
  public record RawJson(String json) {
    public RawJson {
      Objects.requireNonNull(json, "json");
    }
  }

  public static JobRequest of(String kind, Object args) {
    return new JobRequest(
        kind,
        args,
        DEFAULT_QUEUE,
        Priority.DEFAULT,
        null,
        null,
        DEFAULT_MAX_ATTEMPTS,
        null,
        null,
        List.of(),
        Map.of(),
        null,
        List.of(),
        null);
  }

  public JobRequest withQueue(String q) {
    return new JobRequest(kind, args, q, priority, runAt, delay, maxAttempts, uniqueKey,
        uniqueWindow, tags, metadata, orderKey, limiterKeys, limitValue);
  }

  public JobRequest withPriority(int p) {
    return new JobRequest(kind, args, queue, p, runAt, delay, maxAttempts, uniqueKey,
        uniqueWindow, tags, metadata, orderKey, limiterKeys, limitValue);
  }

  /** Accepts 0-9 or a name such as {@code urgent}. */
  public JobRequest withPriority(String p) {
    return withPriority(Priority.parse(p));
  }

  public JobRequest withRunAt(Instant at) {
    return new JobRequest(kind, args, queue, priority, at, delay, maxAttempts, uniqueKey,
        uniqueWindow, tags, metadata, orderKey, limiterKeys, limitValue);
  }

  public JobRequest withDelay(Duration d) {
    return new JobRequest(kind, args, queue, priority, runAt, d, maxAttempts, uniqueKey,
        uniqueWindow, tags, metadata, orderKey, limiterKeys, limitValue);
  }

  public JobRequest withMaxAttempts(int n) {
    return new JobRequest(kind, args, queue, priority, runAt, delay, n, uniqueKey,
        uniqueWindow, tags, metadata, orderKey, limiterKeys, limitValue);
  }

  /** Dedupe while an equal job is scheduled, available, running or retryable. */
  public JobRequest withUniqueKey(String key) {
    return new JobRequest(kind, args, queue, priority, runAt, delay, maxAttempts, key,
        null, tags, metadata, orderKey, limiterKeys, limitValue);
  }

  /** Dedupe against any job with this key enqueued in the same window of the given length. */
  public JobRequest withUniqueKey(String key, Duration window) {
    return new JobRequest(kind, args, queue, priority, runAt, delay, maxAttempts, key,
        window, tags, metadata, orderKey, limiterKeys, limitValue);
  }

  public JobRequest withTags(List<String> t) {
    return new JobRequest(kind, args, queue, priority, runAt, delay, maxAttempts, uniqueKey,
        uniqueWindow, List.copyOf(t), metadata, orderKey, limiterKeys, limitValue);
  }

  public JobRequest withMetadata(Map<String, Object> m) {
    return new JobRequest(kind, args, queue, priority, runAt, delay, maxAttempts, uniqueKey,
        uniqueWindow, tags, Map.copyOf(m), orderKey, limiterKeys, limitValue);
  }

  public JobRequest withOrderKey(String key) {
    return withOrderKey(key == null ? null : OrderKey.of(key));
  }

  public JobRequest withOrderKey(OrderKey key) {
    return new JobRequest(kind, args, queue, priority, runAt, delay, maxAttempts, uniqueKey,
        uniqueWindow, tags, metadata, key, limiterKeys, limitValue);
  }

  public JobRequest withLimiterKeys(List<String> keys) {
    return new JobRequest(kind, args, queue, priority, runAt, delay, maxAttempts, uniqueKey,
        uniqueWindow, tags, metadata, orderKey, List.copyOf(keys), limitValue);
  }

  /** Limiters and the value a distinct daily quota of the primary limiter counts (e.g. recipient). */
  public JobRequest withLimiterKeys(List<String> keys, String distinctValue) {
    return new JobRequest(kind, args, queue, priority, runAt, delay, maxAttempts, uniqueKey,
        uniqueWindow, tags, metadata, orderKey, List.copyOf(keys), distinctValue);
  }
}
