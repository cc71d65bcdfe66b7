package dev.courier.queue;

/**
 * A filter for listing jobs, newest first. Null fields match everything.
 *
 * @param queue only this queue
 * @param state only this state
 * @param kind only this kind
 * @param cursor the {@link Page#nextCursor()} of the previous page, or null for the first
 * @param limit page size, 1-1000
 */
public record JobQuery(String queue, JobState state, String kind, String cursor, int limit) {
  public JobQuery {
    if (limit < 1 || limit > 1000) {
      throw new IllegalArgumentException("limit: " + limit + " is out of range 1-1000");
    }
  }

  public static JobQuery all() {
    return new JobQuery(null, null, null, null, 100);
  }

  public JobQuery withQueue(String q) {
    return new JobQuery(q, state, kind, cursor, limit);
  }

  public JobQuery withState(JobState s) {
    return new JobQuery(queue, s, kind, cursor, limit);
  }

  public JobQuery withKind(String k) {
    return new JobQuery(queue, state, k, cursor, limit);
  }

  public JobQuery withCursor(String c) {
    return new JobQuery(queue, state, kind, c, limit);
  }

  public JobQuery withLimit(int l) {
    return new JobQuery(queue, state, kind, cursor, l);
  }
}
