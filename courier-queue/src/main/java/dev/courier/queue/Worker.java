package dev.courier.queue;

/**
 * Runs jobs of one kind. {@link #work} returning normally completes the job; throwing fails the
 * attempt (retried per the kind's {@link RetryPolicy} until attempts run out, or discarded at once
 * for a {@link PermanentJobFailure}). Workers run on virtual threads and may block.
 *
 * @param <A> the type of the job's arguments
 */
@FunctionalInterface
public interface Worker<A> {
  void work(JobContext<A> context) throws Exception;
}
