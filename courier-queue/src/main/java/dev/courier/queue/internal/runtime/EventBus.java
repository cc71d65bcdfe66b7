package dev.courier.queue.internal.runtime;

import dev.courier.queue.JobEvent;
import dev.courier.queue.JobEventListener;
import dev.courier.queue.internal.store.StateChange;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Hands committed state changes to the in-process listeners. */
public final class EventBus {
  private static final Logger log = LoggerFactory.getLogger(EventBus.class);
  private final List<JobEventListener> listeners = new CopyOnWriteArrayList<>();

  public void add(JobEventListener listener) {
    listeners.add(listener);
  }

  public boolean isEmpty() {
    return listeners.isEmpty();
  }

  public void emit(StateChange c, Instant at) {
    if (listeners.isEmpty()) {
      return;
    }
    JobEvent event = new JobEvent(c.id(), c.queue(), c.kind(), c.from(), c.to(), c.attempt(), at);
    for (JobEventListener l : listeners) {
      try {
        l.onEvent(event);
      } catch (RuntimeException e) {
        log.warn("job event listener failed job={} to={}", c.id(), c.to(), e);
      }
    }
  }

  public void emitAll(Collection<StateChange> changes, Instant at) {
    if (listeners.isEmpty()) {
      return;
    }
    for (StateChange c : changes) {
      emit(c, at);
    }
  }
}
