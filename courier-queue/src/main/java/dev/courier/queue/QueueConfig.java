package dev.courier.queue;

/**
 * How one node runs one queue.
 *
 * @param name the queue
 * @param concurrency how many of its jobs this node runs at once
 * @param prefetch how many more it may claim ahead, so workers never wait for a round trip
 */
public record QueueConfig(String name, int concurrency, int prefetch) {
  /** The most jobs one node may run at once from one queue. */
  public static final int MAX_CONCURRENCY = 10_000;

  /** The most jobs one node may claim ahead for one queue. */
  public static final int MAX_PREFETCH = 10_000;

  public QueueConfig {
    if (name == null || name.isBlank() || name.length() > 128) {
      throw new IllegalArgumentException("queue name: must be 1-128 characters, was '" + name + "'");
    }
    if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
      throw new IllegalArgumentException(
          "concurrency of queue '" + name + "': must be 1-" + MAX_CONCURRENCY + ", was " + concurrency);
    }
    if (prefetch < 0 || prefetch > MAX_PREFETCH) {
      throw new IllegalArgumentException("prefetch of queue '" + name + "': must be 0-" + MAX_PREFETCH + ", was " + prefetch);
    }
  }

  /**
   * A queue with the default prefetch: four times its concurrency, at least 256 and at most 1,000.
   * Claims are sized by the free prefetch, and large claims are what make the engine fast (see
   * docs/BENCHMARKS.md); the buffer is ordered by priority, so an urgent job claimed later still
   * starts before bulk jobs claimed earlier.
   */
  public static QueueConfig of(String name, int concurrency) {
    return new QueueConfig(name, concurrency, Math.min(1_000, Math.max(256, concurrency * 4)));
  }
}
