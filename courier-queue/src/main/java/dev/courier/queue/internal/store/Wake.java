package dev.courier.queue.internal.store;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What a committed statement owes the fetchers: the queues that got available jobs and whether a
 * job now waits for a time (the leader's promoter must look again).
 */
public record Wake(Set<String> ready, boolean scheduled) {
  public static final Wake NONE = new Wake(Set.of(), false);

  public Wake {
    ready = Set.copyOf(ready);
  }

  public boolean isEmpty() {
    return ready.isEmpty() && !scheduled;
  }

  public Wake plus(Wake other) {
    if (other.isEmpty()) {
      return this;
    }
    if (isEmpty()) {
      return other;
    }
    Set<String> all = new LinkedHashSet<>(ready);
    all.addAll(other.ready);
    return new Wake(all, scheduled || other.scheduled);
  }
}
