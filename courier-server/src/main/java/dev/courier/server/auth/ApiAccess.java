package dev.courier.server.auth;

/**
 * What the HTTP API needs to let a request in and to manage organizations and keys: bearer key
 * authentication, the per-key request rate limit, and organizations and keys themselves.
 */
public record ApiAccess(Authenticator authenticator, RateLimiter rateLimiter, Organizations organizations) {
  /** Access on {@code store}, limiting each key to {@code perSecond} requests (0: no limit) with {@code burst}. */
  public static ApiAccess of(ApiKeyStore store, double perSecond, int burst) {
    Authenticator authenticator = new Authenticator(store);
    return new ApiAccess(authenticator, new RateLimiter(perSecond, burst), new Organizations(authenticator));
  }
}
