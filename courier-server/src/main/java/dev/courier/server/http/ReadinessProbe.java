package dev.courier.server.http;

import java.util.Map;

/** Checks whether this node can serve: answers the body of {@code /health/ready}. */
public interface ReadinessProbe {
  /** The check's outcome: ready or not, and the JSON body to answer with. */
  record Readiness(boolean ready, Map<String, Object> body) {}

  Readiness check();
}
