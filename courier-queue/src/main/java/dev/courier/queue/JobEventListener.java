package dev.courier.queue;

/**
 * Receives job state changes after they are committed. Called on engine threads: return quickly and
 * never throw (exceptions are logged and ignored).
 */
@FunctionalInterface
public interface JobEventListener {
  void onEvent(JobEvent event);
}
