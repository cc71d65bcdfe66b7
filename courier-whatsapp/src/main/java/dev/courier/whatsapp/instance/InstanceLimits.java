package dev.courier.whatsapp.instance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.queue.LimiterConfig;
import dev.courier.whatsapp.validation.Durations;
import dev.courier.whatsapp.validation.FieldReader;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Set;

/**
 * An instance's effective limits: the provider's safe defaults, each member overridable by the
 * user (a member set to {@code null} turns that default off). They become engine limiters: {@code
 * rate}, {@code gap}, {@code daily}, {@code rest} and {@code window} on the number's limiter; {@code
 * pair} (Cloud API: the rate to one recipient) on a per-recipient limiter; {@code messagingLimit}
 * (Cloud API: unique recipients of template messages per rolling 24 h, shared by the numbers of one
 * business portfolio) is checked by the send worker.
 */
public record InstanceLimits(
    LimiterConfig.Rate rate,
    LimiterConfig.Gap gap,
    LimiterConfig.Daily daily,
    LimiterConfig.Rest rest,
    LimiterConfig.Window window,
    LimiterConfig.Rate pair,
    Integer messagingLimit) {

  static final Set<String> MEMBERS = Set.of("rate", "gap", "daily", "rest", "window", "pair", "messagingLimit");
  static final Set<Integer> MESSAGING_TIERS = Set.of(250, 1_000, 2_000, 10_000, 100_000);

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The provider's own limits. Cloud API: 80 messages/s per number, one message per 6 s to one
   * recipient with bursts of up to 45, 250 unique template recipients per 24 h until the user sets
   * the portfolio's tier. Gateways (unofficial WhatsApp Web sessions): human-like: 3-8 s between
   * messages, a 2-5 min rest after every 50, 1,000 a day, only 08:00-21:00 local time.
   */
  public static ObjectNode defaults(ProviderKind provider, ZoneId zone) {
    ObjectNode d = JsonNodeFactory.instance.objectNode();
    switch (provider) {
      case CLOUD_API -> {
        d.set("rate", rate(80, "1s", 80));
        d.set("pair", rate(10, "60s", 45));
        d.put("messagingLimit", 250);
      }
      case GATEWAY -> {
        d.putObject("gap").put("min", "3s").put("max", "8s");
        d.putObject("rest").put("every", 50).put("min", "2m").put("max", "5m");
        d.putObject("daily").put("count", 1000).put("timeZone", zone.getId());
        d.putObject("window").put("from", "08:00").put("to", "21:00").put("timeZone", zone.getId());
      }
      case SIMULATOR -> {}
    }
    return d;
  }

  private static ObjectNode rate(int count, String per, int burst) {
    ObjectNode r = JsonNodeFactory.instance.objectNode();
    r.put("count", count).put("per", per).put("burst", burst);
    return r;
  }

  /** The user's limits over the provider's defaults, as JSON in the API's shape. */
  public static ObjectNode merge(ProviderKind provider, ZoneId zone, JsonNode user) {
    ObjectNode merged = defaults(provider, zone);
    if (user != null && user.isObject()) {
      user.fields().forEachRemaining(e -> merged.set(e.getKey(), e.getValue()));
    }
    return merged;
  }

  /** Parses limits in the API's shape (field paths under {@code prefix}); errors go to {@code r}. */
  public static InstanceLimits parse(JsonNode limits, String prefix, FieldReader r) {
    if (limits == null || limits.isNull()) {
      return new InstanceLimits(null, null, null, null, null, null, null);
    }
    if (!limits.isObject()) {
      r.error(prefix, "must be an object");
      return new InstanceLimits(null, null, null, null, null, null, null);
    }
    r.onlyKnown(limits, prefix, MEMBERS);
    return new InstanceLimits(
        parseRate(limits, prefix, "rate", r),
        parseGap(limits, FieldReader.path(prefix, "gap"), r),
        parseDaily(limits, FieldReader.path(prefix, "daily"), r),
        parseRest(limits, FieldReader.path(prefix, "rest"), r),
        parseWindow(limits, FieldReader.path(prefix, "window"), r),
        parseRate(limits, prefix, "pair", r),
        parseMessagingLimit(limits, prefix, r));
  }

  private static LimiterConfig.Rate parseRate(JsonNode limits, String prefix, String name, FieldReader r) {
    JsonNode n = r.object(limits, prefix, name, false);
    if (n == null) {
      return null;
    }
    String p = FieldReader.path(prefix, name);
    r.onlyKnown(n, p, Set.of("count", "per", "burst"));
    Integer count = r.integer(n, p, "count", true, 1, 1_000_000);
    Duration per = r.duration(n, p, "per", false);
    Integer burst = r.integer(n, p, "burst", false, 1, 1_000_000);
    if (per != null && per.isZero()) {
      r.error(FieldReader.path(p, "per"), "must be longer than 0");
      return null;
    }
    return count == null ? null : new LimiterConfig.Rate(count, per == null ? Duration.ofSeconds(1) : per, burst == null ? count : burst);
  }

  private static LimiterConfig.Gap parseGap(JsonNode limits, String p, FieldReader r) {
    JsonNode n = r.object(limits, parent(p), "gap", false);
    if (n == null) {
      return null;
    }
    r.onlyKnown(n, p, Set.of("min", "max"));
    Duration min = r.duration(n, p, "min", true);
    Duration max = r.duration(n, p, "max", false);
    if (min == null) {
      return null;
    }
    if (max == null) {
      max = min;
    }
    if (max.compareTo(min) < 0) {
      r.error(FieldReader.path(p, "max"), "must not be shorter than min");
      return null;
    }
    return new LimiterConfig.Gap(min, max);
  }

  private static LimiterConfig.Daily parseDaily(JsonNode limits, String p, FieldReader r) {
    JsonNode n = r.object(limits, parent(p), "daily", false);
    if (n == null) {
      return null;
    }
    r.onlyKnown(n, p, Set.of("count", "timeZone", "rolling"));
    Integer count = r.integer(n, p, "count", true, 1, 100_000_000);
    Boolean rolling = r.bool(n, p, "rolling");
    ZoneId zone = r.zone(n, p, "timeZone", !Boolean.TRUE.equals(rolling));
    if (count == null || (zone == null && !Boolean.TRUE.equals(rolling))) {
      return null;
    }
    return new LimiterConfig.Daily(count, zone, Boolean.TRUE.equals(rolling), false);
  }

  private static LimiterConfig.Rest parseRest(JsonNode limits, String p, FieldReader r) {
    JsonNode n = r.object(limits, parent(p), "rest", false);
    if (n == null) {
      return null;
    }
    r.onlyKnown(n, p, Set.of("every", "min", "max"));
    Integer every = r.integer(n, p, "every", true, 1, 1_000_000);
    Duration min = r.duration(n, p, "min", true);
    Duration max = r.duration(n, p, "max", false);
    if (every == null || min == null) {
      return null;
    }
    if (max == null) {
      max = min;
    }
    if (max.compareTo(min) < 0) {
      r.error(FieldReader.path(p, "max"), "must not be shorter than min");
      return null;
    }
    return new LimiterConfig.Rest(every, min, max);
  }

  private static LimiterConfig.Window parseWindow(JsonNode limits, String p, FieldReader r) {
    JsonNode n = r.object(limits, parent(p), "window", false);
    if (n == null) {
      return null;
    }
    r.onlyKnown(n, p, Set.of("from", "to", "timeZone"));
    LocalTime from = r.localTime(n, p, "from", true);
    LocalTime to = r.localTime(n, p, "to", true);
    ZoneId zone = r.zone(n, p, "timeZone", true);
    if (from == null || to == null || zone == null) {
      return null;
    }
    if (from.equals(to)) {
      r.error(FieldReader.path(p, "to"), "must differ from from");
      return null;
    }
    return new LimiterConfig.Window(from, to, zone);
  }

  private static Integer parseMessagingLimit(JsonNode limits, String prefix, FieldReader r) {
    JsonNode n = limits.get("messagingLimit");
    if (n == null || n.isNull() || (n.isTextual() && n.asText().equals("unlimited"))) {
      return null;
    }
    if (!n.isInt() || !MESSAGING_TIERS.contains(n.asInt())) {
      r.error(FieldReader.path(prefix, "messagingLimit"), "must be 250, 1000, 2000, 10000, 100000 or \"unlimited\"");
      return null;
    }
    return n.asInt();
  }

  private static String parent(String path) {
    int dot = path.lastIndexOf('.');
    return dot < 0 ? "" : path.substring(0, dot);
  }

  /** The number's engine limiter. */
  public LimiterConfig numberLimiter(boolean paused) {
    return new LimiterConfig(rate, gap, daily, rest, window, paused);
  }

  /** The per-recipient limiter, or null when there is none. */
  public LimiterConfig pairLimiter() {
    return pair == null ? null : new LimiterConfig(pair, null, null, null, null, false);
  }

  /** These limits in the API's shape (every member present; null where off). */
  public ObjectNode toJson() {
    ObjectNode o = JSON.createObjectNode();
    o.set("rate", rate == null ? null : rateJson(rate));
    o.set("gap", gap == null ? null : JSON.createObjectNode().put("min", Durations.format(gap.min())).put("max", Durations.format(gap.max())));
    if (daily == null) {
      o.putNull("daily");
    } else {
      ObjectNode d = o.putObject("daily").put("count", daily.count());
      d.put("timeZone", daily.timeZone() == null ? null : daily.timeZone().getId());
      d.put("rolling", daily.rolling());
    }
    o.set("rest", rest == null ? null : JSON.createObjectNode().put("every", rest.every())
        .put("min", Durations.format(rest.min())).put("max", Durations.format(rest.max())));
    o.set("window", window == null ? null : JSON.createObjectNode().put("from", window.from().toString())
        .put("to", window.to().toString()).put("timeZone", window.timeZone().getId()));
    o.set("pair", pair == null ? null : rateJson(pair));
    if (messagingLimit == null) {
      o.put("messagingLimit", "unlimited");
    } else {
      o.put("messagingLimit", messagingLimit);
    }
    return o;
  }

  private static ObjectNode rateJson(LimiterConfig.Rate r) {
    return JSON.createObjectNode().put("count", r.count()).put("per", Durations.format(r.per())).put("burst", r.burst());
  }
}
