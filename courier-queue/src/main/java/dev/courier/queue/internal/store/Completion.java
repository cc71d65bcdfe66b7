package dev.courier.queue.internal.store;

/** A successful attempt waiting to be written; {@code resultJson} may be null. */
public record Completion(long id, int attempt, String resultJson) {}
