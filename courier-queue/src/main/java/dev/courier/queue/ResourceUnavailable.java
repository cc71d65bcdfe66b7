package dev.courier.queue;

import java.time.Duration;

/**
 * Thrown by a worker when what the job needs is not available right now (a WhatsApp instance
 * disconnected, a gateway session down): the job waits and runs again without spending an
 * attempt, keeping its order key. The wait is {@link #retryAfter()} when given, else the kind's
 * {@link WorkerOptions#unavailableSnooze()} (30 s by default).
 */
public class ResourceUnavailable extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient Duration retryAfter;

  public ResourceUnavailable(String message) {
    this(message, null);
  }

  public ResourceUnavailable(String message, Duration retryAfter) {
    super(message);
    this.retryAfter = retryAfter;
  }

  /** The wait asked for, or null for the kind's default. */
  public Duration retryAfter() {
    return retryAfter;
  }
}
