package dev.courier.whatsapp.instance;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Instances read recently on this node, to validate sends without a query each.
 *
 * <p>An entry may be stale (another node changed the instance): a send validated against it checks
 * at its commit, under the instance's share lock, that the stored {@code updatedAt} is the one it
 * was validated with, and is validated again if not ({@link Instances#lockLiveVersions}). Changes
 * made through this node's {@link Instances} forget their entry at once.
 */
final class RecentInstances {
  private record Entry(Instance instance, Instant readAt) {}

  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final Clock clock;
  private final Duration maxAge;
  private final int maxEntries;

  RecentInstances(Clock clock, Duration maxAge, int maxEntries) {
    this.clock = clock;
    this.maxAge = maxAge;
    this.maxEntries = maxEntries;
  }

  Optional<Instance> get(String id) {
    Entry e = entries.get(id);
    if (e == null) {
      return Optional.empty();
    }
    Instant now = clock.instant();
    if (now.isAfter(e.readAt().plus(maxAge)) || now.isBefore(e.readAt())) {
      entries.remove(id, e);
      return Optional.empty();
    }
    return Optional.of(e.instance());
  }

  void put(Instance i) {
    if (entries.size() >= maxEntries) {
      // Far more instances in use than fit: start over rather than track recency per read.
      entries.clear();
    }
    entries.put(i.id(), new Entry(i, clock.instant()));
  }

  void forget(String id) {
    entries.remove(id);
  }
}
