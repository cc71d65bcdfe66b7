package dev.courier.queue;

import java.time.Duration;
import java.util.Objects;

/**
 * An order key and how a job moves through it. Jobs sharing a key run one at a time, in
 * (priority, enqueue order); a job that waits for a retry or is snoozed keeps the key.
 *
 * @param key the key, e.g. {@code instance:42:chat:5511999999999}
 * @param hold when set, the job keeps the key after it completes until {@link
 *     CourierQueue#releaseOrderKey(long)} is called for it or this time passes
 * @param delay pacing chain: this job starts no earlier than the previous job of the key started
 *     plus this delay (or now plus it, when the key was idle)
 * @param jitter pacing chain: plus a random part of this
 */
public record OrderKey(String key, Duration hold, Duration delay, Duration jitter) {
  public OrderKey {
    Objects.requireNonNull(key, "key");
  }

  public static OrderKey of(String key) {
    return new OrderKey(key, null, null, null);
  }

  public OrderKey withHold(Duration h) {
    return new OrderKey(key, h, delay, jitter);
  }

  public OrderKey withChain(Duration d, Duration j) {
    return new OrderKey(key, hold, d, j);
  }
}
