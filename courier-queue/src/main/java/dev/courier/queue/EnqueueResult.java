package dev.courier.queue;

/**
 * What an enqueue did.
 *
 * @param id the new job's id, or the id of the equal job that already existed
 * @param duplicate true when a unique key matched an existing job and nothing was inserted
 */
public record EnqueueResult(long id, boolean duplicate) {}
