package dev.courier.server.auth;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bearer key authentication with a short cache, and {@code last_used_at} bookkeeping.
 *
 * <p>A key found live is remembered for {@link #CACHE_TTL} (by its hash; the text is never kept),
 * so a busy key costs one database look-up a second rather than one a request. Unknown keys are
 * not remembered, so a key just created on another node works at once. Revoking a key through this
 * node evicts it here at once; other nodes stop accepting it within {@link #CACHE_TTL}.
 *
 * <p>{@code last_used_at} is written at most once per {@link #LAST_USED_RESOLUTION} per key and
 * node, and the statement itself skips the write when another node recorded a use that recently.
 */
public final class Authenticator {
  public static final Duration CACHE_TTL = Duration.ofSeconds(1);
  public static final Duration LAST_USED_RESOLUTION = Duration.ofMinutes(1);
  private static final int MAX_CACHED = 10_000;
  private static final Logger LOG = LoggerFactory.getLogger(Authenticator.class);

  private final ApiKeyStore store;
  private final LongSupplier nanoTime;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();
  private final Map<String, Long> lastTouched = new ConcurrentHashMap<>();

  private record Cached(ApiKeyStore.ApiKey key, long expiresAt) {}

  public Authenticator(ApiKeyStore store) {
    this(store, System::nanoTime);
  }

  Authenticator(ApiKeyStore store, LongSupplier nanoTime) {
    this.store = store;
    this.nanoTime = nanoTime;
  }

  public ApiKeyStore store() {
    return store;
  }

  /** The live key with this text, if any; records the use. */
  public Optional<ApiKeyStore.ApiKey> authenticate(String presented) throws SQLException {
    if (!ApiKeys.plausible(presented)) {
      return Optional.empty();
    }
    byte[] hash = ApiKeys.hash(presented);
    String cacheKey = Base64.getEncoder().encodeToString(hash);
    long now = nanoTime.getAsLong();
    Cached c = cache.get(cacheKey);
    ApiKeyStore.ApiKey key;
    if (c != null && now - c.expiresAt() < 0) {
      key = c.key();
    } else {
      Optional<ApiKeyStore.ApiKey> found = store.authenticateHash(hash);
      if (found.isEmpty()) {
        cache.remove(cacheKey);
        return Optional.empty();
      }
      key = found.get();
      if (cache.size() >= MAX_CACHED) {
        cache.values().removeIf(e -> now - e.expiresAt() >= 0);
        if (cache.size() >= MAX_CACHED) {
          cache.clear();
        }
      }
      cache.put(cacheKey, new Cached(key, now + CACHE_TTL.toNanos()));
    }
    touch(key.id(), now);
    return Optional.of(key);
  }

  /** Forgets a key at once on this node (after it was revoked). */
  public void evict(String keyId) {
    cache.values().removeIf(e -> e.key().id().equals(keyId));
  }

  private void touch(String keyId, long now) {
    long[] due = {0};
    lastTouched.compute(keyId, (id, last) -> {
      if (last == null || now - last >= LAST_USED_RESOLUTION.toNanos()) {
        due[0] = 1;
        return now;
      }
      return last;
    });
    if (due[0] == 0) {
      return;
    }
    try {
      store.touch(keyId, LAST_USED_RESOLUTION);
    } catch (SQLException e) {
      // Bookkeeping only: the request goes on; the next use after the resolution tries again.
      LOG.warn("could not record last use keyId={} sqlState={}", keyId, e.getSQLState());
      lastTouched.remove(keyId);
    }
  }
}
