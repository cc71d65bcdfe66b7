package dev.courier.whatsapp.organization;

import dev.courier.whatsapp.validation.Durations;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The plan tiers' policies. By default (seed 004's priority by customer plan, on Courier's 0-9
 * scale): {@code premium} single messages at priority 1 and campaigns at 7, {@code pro} at 3 and
 * 8, {@code basic} (and any plan not named) at 5 ({@code normal}) and 9 ({@code bulk}), no rate
 * caps. So when organizations share a node's send capacity, premium goes before pro before basic,
 * and in every tier a single message goes before the campaigns.
 */
public final class Plans {
  public static final String DEFAULT_PLAN = "basic";
  private static final PlanPolicy FALLBACK = new PlanPolicy(5, 9, null, null);
  private final Map<String, PlanPolicy> policies;

  private Plans(Map<String, PlanPolicy> policies) {
    this.policies = Map.copyOf(policies);
  }

  public static Plans defaults() {
    Map<String, PlanPolicy> m = new LinkedHashMap<>();
    m.put("premium", new PlanPolicy(1, 7, null, null));
    m.put("pro", new PlanPolicy(3, 8, null, null));
    m.put(DEFAULT_PLAN, FALLBACK);
    return new Plans(m);
  }

  /**
   * The defaults changed by a spec such as {@code premium:priority=1,campaignPriority=7;
   * basic:rate=50/1s}: plans separated by {@code ;}, each a name, {@code :} and settings separated
   * by {@code ,}; a plan not in the defaults starts from basic's policy.
   *
   * @throws IllegalArgumentException naming the part that is wrong
   */
  public static Plans parse(String spec) {
    Map<String, PlanPolicy> m = new LinkedHashMap<>(defaults().policies);
    if (spec == null || spec.isBlank()) {
      return new Plans(m);
    }
    for (String part : spec.split(";")) {
      if (part.isBlank()) {
        continue;
      }
      int colon = part.indexOf(':');
      String name = (colon < 0 ? part : part.substring(0, colon)).trim().toLowerCase(Locale.ROOT);
      if (!name.matches("[a-z0-9][a-z0-9._-]{0,63}")) {
        throw new IllegalArgumentException("'" + part.trim() + "': a plan name is 1-64 letters, digits, '.', '_' or '-'");
      }
      PlanPolicy p = m.getOrDefault(name, FALLBACK);
      int priority = p.priority();
      int campaignPriority = p.campaignPriority();
      Integer rateCount = p.rateCount();
      Duration ratePer = p.ratePer();
      String settings = colon < 0 ? "" : part.substring(colon + 1);
      for (String kv : settings.split(",")) {
        if (kv.isBlank()) {
          continue;
        }
        int eq = kv.indexOf('=');
        String key = eq < 0 ? kv.trim() : kv.substring(0, eq).trim();
        String value = eq < 0 ? "" : kv.substring(eq + 1).trim();
        switch (key) {
          case "priority" -> priority = priority(name, key, value);
          case "campaignPriority" -> campaignPriority = priority(name, key, value);
          case "rate" -> {
            if (value.equalsIgnoreCase("none")) {
              rateCount = null;
              ratePer = null;
            } else {
              int slash = value.indexOf('/');
              try {
                rateCount = Integer.parseInt(value.substring(0, slash));
                ratePer = Durations.parse(value.substring(slash + 1));
              } catch (RuntimeException e) {
                throw new IllegalArgumentException(name + ": rate '" + value + "' must look like 50/1s (or none)");
              }
              if (rateCount < 1 || ratePer.isZero() || ratePer.isNegative()) {
                throw new IllegalArgumentException(name + ": rate '" + value + "' must be a positive count per a positive time");
              }
            }
          }
          default -> throw new IllegalArgumentException(
              name + ": unknown setting '" + key + "' (priority, campaignPriority, rate)");
        }
      }
      m.put(name, new PlanPolicy(priority, campaignPriority, rateCount, ratePer));
    }
    return new Plans(m);
  }

  private static int priority(String plan, String key, String value) {
    try {
      int p = Integer.parseInt(value);
      if (p >= 0 && p <= 9) {
        return p;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(plan + ": " + key + " '" + value + "' must be 0-9");
  }

  /** The policy of a plan; a plan not configured gets basic's. */
  public PlanPolicy of(String plan) {
    PlanPolicy p = plan == null ? null : policies.get(plan.toLowerCase(Locale.ROOT));
    return p != null ? p : policies.getOrDefault(DEFAULT_PLAN, FALLBACK);
  }

  /** Every configured plan with its policy. */
  public Map<String, PlanPolicy> all() {
    return policies;
  }
}
