package dev.courier.server.http;

import io.javalin.http.Context;
import java.util.Map;

/** {@code /health/live} and {@code /health/ready}. */
final class HealthRoutes {
  private final ReadinessProbe readiness;

  HealthRoutes(ReadinessProbe readiness) {
    this.readiness = readiness;
  }

  void live(Context ctx) {
    HttpServer.json(ctx, 200, Map.of("status", "up"));
  }

  void ready(Context ctx) {
    ReadinessProbe.Readiness r = readiness.check();
    ctx.header("Cache-Control", "no-store");
    HttpServer.json(ctx, r.ready() ? 200 : 503, r.body());
  }
}
