package dev.courier.whatsapp.organization;

import dev.courier.queue.CourierQueue;
import dev.courier.queue.LimiterConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;

/**
 * Each organization's plan tier and what it decides (see {@link Plans}). Plans are read from
 * {@code courier_organization} and kept for a few seconds: a changed plan takes effect within
 * {@link #CACHE_TIME} on every node, and accepting a message costs no extra query.
 */
public final class OrganizationPlans {
  public static final Duration CACHE_TIME = Duration.ofSeconds(5);
  private static final String LIMITER_PREFIX = "wa:plan:";

  private record Cached(String plan, Instant readAt) {}

  private final DataSource dataSource;
  private final Plans plans;
  private final Clock clock;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  public OrganizationPlans(DataSource dataSource, Plans plans, Clock clock) {
    this.dataSource = dataSource;
    this.plans = plans;
    this.clock = clock;
  }

  public Plans plans() {
    return plans;
  }

  /** The plan tier of an organization ({@link Plans#DEFAULT_PLAN} when it has none or is unknown). */
  public String planOf(String organizationId) throws SQLException {
    Instant now = clock.instant();
    Cached c = cache.get(organizationId);
    if (c != null && c.readAt().plus(CACHE_TIME).isAfter(now)) {
      return c.plan();
    }
    String plan = Plans.DEFAULT_PLAN;
    try (Connection conn = dataSource.getConnection();
        PreparedStatement ps = conn.prepareStatement("SELECT plan FROM courier_organization WHERE id = ?")) {
      ps.setString(1, organizationId);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next() && rs.getString(1) != null) {
          plan = rs.getString(1).toLowerCase(Locale.ROOT);
        }
      }
    }
    cache.put(organizationId, new Cached(plan, now));
    return plan;
  }

  public PlanPolicy policyOf(String organizationId) throws SQLException {
    return plans.of(planOf(organizationId));
  }

  /**
   * The limiter key that caps one organization's sending, or null when its plan has no cap. Each
   * organization of a plan has its own bucket under the plan's pattern.
   */
  public String limiterKey(String organizationId) throws SQLException {
    String plan = planOf(organizationId);
    PlanPolicy p = plans.of(plan);
    if (!p.limited()) {
      return null;
    }
    String tier = plans.all().containsKey(plan) ? plan : Plans.DEFAULT_PLAN;
    return LIMITER_PREFIX + tier + ":" + organizationId;
  }

  /** Writes the engine limiter of every plan: the plan's cap, or none. */
  public void applyLimiters(CourierQueue engine) {
    for (Map.Entry<String, PlanPolicy> e : plans.all().entrySet()) {
      PlanPolicy p = e.getValue();
      String pattern = LIMITER_PREFIX + e.getKey() + ":*";
      if (p.limited()) {
        engine.setLimiter(pattern, LimiterConfig.none().withPace(p.rateCount(), p.ratePer()));
      } else {
        engine.removeLimiter(pattern);
      }
    }
  }
}
