package dev.courier.server.config;

import dev.courier.whatsapp.validation.Durations;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.courier.server.db.DatabaseUrl;
import dev.courier.whatsapp.organization.Plans;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Builds a {@link CourierConfig} from, lowest to highest precedence: the defaults, courier.yml,
 * {@code COURIER_*} environment variables, and command-line flags. Any invalid value stops the
 * load with a {@link ConfigException} naming where the value came from, the value (masked for
 * secrets) and what is allowed.
 */
public final class ConfigLoader {
  private static final Set<String> LOG_LEVELS = Set.of("error", "warn", "info", "debug", "trace");
  private static final int MIN_API_KEY_LENGTH = 20;
  private static final int MAX_RATE = 1_000_000;

  private ConfigLoader() {}

  /** Loads from the process environment and the given flags. */
  public static CourierConfig load(Map<Setting, String> flags) {
    return load(flags, System.getenv());
  }

  /**
   * Loads from {@code flags} (setting to raw flag text; absent or null means not given) and
   * {@code env}.
   */
  public static CourierConfig load(Map<Setting, String> flags, Map<String, String> env) {
    Map<Setting, Raw> raw = new EnumMap<>(Setting.class);
    for (Setting s : Setting.values()) {
      s.defaultValue().ifPresent(v -> raw.put(s, new Raw(v, "default " + s.env())));
    }
    Optional<Path> configFile = configFile(flags, env);
    configFile.ifPresent(file -> raw.putAll(readFile(file)));
    for (Setting s : Setting.values()) {
      String v = env.get(s.env());
      if (v != null && !v.isBlank()) {
        raw.put(s, new Raw(v, s.env()));
      }
    }
    for (Map.Entry<Setting, String> e : flags.entrySet()) {
      if (e.getValue() != null) {
        Setting s = e.getKey();
        raw.put(s, new Raw(e.getValue(), s.flag().orElse(s.env())));
      }
    }
    Parser p = new Parser(raw);
    return new CourierConfig(
        p.get(Setting.PORT, v -> intIn(v, 0, 65535, "must be a port number 1-65535, or 0 for any free port")),
        p.get(Setting.HOST, ConfigLoader::host),
        p.get(Setting.DATA_DIR, ConfigLoader::path),
        p.optional(Setting.DATABASE_URL, DatabaseUrl::parse),
        p.get(Setting.DATABASE_POOL_SIZE, v -> intIn(v, 2, 1000, "must be a whole number 2-1000")),
        p.get(Setting.EMBEDDED_DB_PORT, v -> intIn(v, 0, 65535, "must be a port number 1-65535, or 0 for any free port")),
        p.get(Setting.DATABASE_ALLOW_NON_DURABLE, ConfigLoader::bool),
        p.optional(Setting.API_KEY, ConfigLoader::apiKey),
        configFile,
        p.get(Setting.ROLE, ConfigLoader::role),
        p.get(Setting.SHUTDOWN_TIMEOUT, ConfigLoader::duration),
        p.get(Setting.LOG_LEVEL, ConfigLoader::logLevel),
        p.get(Setting.API_RATE_LIMIT, ConfigLoader::rate),
        p.get(Setting.API_RATE_BURST, v -> intIn(v, 1, MAX_RATE, "must be a whole number 1-" + MAX_RATE)),
        p.get(Setting.GROUP_COMMIT, ConfigLoader::bool),
        p.get(Setting.GROUP_COMMIT_MAX_BATCH, v -> intIn(v, 1, 10_000, "must be a whole number 1-10000")),
        p.get(Setting.GROUP_COMMIT_COMMITTERS, v -> intIn(v, 1, 64, "must be a whole number 1-64")),
        p.get(Setting.SEND_CONCURRENCY, v -> intIn(v, 1, 4096, "must be a whole number 1-4096")),
        p.get(Setting.SEND_COMMITTERS, v -> intIn(v, 0, 64, "must be a whole number 0-64")),
        p.get(Setting.PLANS, Plans::parse));
  }

  private static Optional<Path> configFile(Map<Setting, String> flags, Map<String, String> env) {
    String flag = flags.get(Setting.CONFIG);
    String fromEnv = env.get(Setting.CONFIG.env());
    String origin;
    String value;
    if (flag != null) {
      origin = "--config";
      value = flag;
    } else if (fromEnv != null && !fromEnv.isBlank()) {
      origin = Setting.CONFIG.env();
      value = fromEnv;
    } else {
      Path def = Path.of(Setting.Defaults.CONFIG);
      return Files.isRegularFile(def) ? Optional.of(def) : Optional.empty();
    }
    Path path = path(value);
    if (!Files.isRegularFile(path)) {
      throw new ConfigException(origin + "=" + value + ": must name an existing YAML file");
    }
    return Optional.of(path);
  }

  private static Map<Setting, Raw> readFile(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
    } catch (IOException e) {
      throw new ConfigException(file + ": not valid YAML: " + firstLine(e.getMessage()));
    }
    Map<Setting, Raw> out = new EnumMap<>(Setting.class);
    if (root == null || root.isMissingNode() || root.isNull()) {
      return out;
    }
    if (!root.isObject()) {
      throw new ConfigException(file + ": must be a YAML mapping of setting names to values");
    }
    Map<String, String> flat = new LinkedHashMap<>();
    flatten("", root, flat, file);
    Map<String, Setting> byKey = new LinkedHashMap<>();
    for (Setting s : Setting.values()) {
      s.yamlKey().ifPresent(k -> byKey.put(k, s));
    }
    for (Map.Entry<String, String> e : flat.entrySet()) {
      Setting s = byKey.get(e.getKey());
      if (s == null) {
        throw new ConfigException(
            file + ": unknown setting '" + e.getKey() + "' (known: "
                + String.join(", ", new TreeSet<>(byKey.keySet())) + ")");
      }
      if (e.getValue() != null) {
        out.put(s, new Raw(e.getValue(), file + " " + e.getKey()));
      }
    }
    return out;
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> out, Path file) {
    Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      String key = prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey();
      JsonNode v = f.getValue();
      if (v.isObject()) {
        flatten(key, v, out, file);
      } else if (v.isArray()) {
        throw new ConfigException(file + " " + key + ": must be a single value, not a list");
      } else {
        out.put(key, v.isNull() ? null : v.asText());
      }
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  // Parsers: each throws IllegalArgumentException with "must be ..." text.

  private static int intIn(String v, int min, int max, String allowed) {
    int n;
    try {
      n = Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(allowed);
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException(allowed);
    }
    return n;
  }

  private static boolean bool(String v) {
    return switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on", "1" -> true;
      case "false", "no", "off", "0" -> false;
      default -> throw new IllegalArgumentException("must be true or false");
    };
  }

  private static String host(String v) {
    String h = v.trim();
    if (h.isEmpty() || h.chars().anyMatch(Character::isWhitespace) || h.contains("/")) {
      throw new IllegalArgumentException("must be a host name or IP address, such as 0.0.0.0 or 127.0.0.1");
    }
    return h;
  }

  private static Path path(String v) {
    if (v.isBlank()) {
      throw new IllegalArgumentException("must be a file system path");
    }
    try {
      return Path.of(v.trim());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("must be a file system path");
    }
  }

  /** Requests per second: 0 (no limit) or a positive number up to {@value #MAX_RATE}, fractions allowed. */
  private static double rate(String v) {
    String allowed = "must be a number of requests per second from 0 (no limit) to " + MAX_RATE + ", such as 100 or 0.5";
    double d;
    try {
      d = Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(allowed);
    }
    if (!(d >= 0 && d <= MAX_RATE)) {
      throw new IllegalArgumentException(allowed);
    }
    return d;
  }

  /** A rate as configured: {@code 100}, {@code 0.5}. */
  static String formatRate(double rate) {
    return rate == Math.rint(rate) ? Long.toString((long) rate) : Double.toString(rate);
  }

  private static String apiKey(String v) {
    if (v.length() < MIN_API_KEY_LENGTH || !v.chars().allMatch(c -> c > 32 && c < 127)) {
      throw new IllegalArgumentException(
          "must be at least " + MIN_API_KEY_LENGTH + " printable ASCII characters without spaces");
    }
    return v;
  }

  private static Role role(String v) {
    try {
      return Role.valueOf(v.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("must be one of all, api, worker");
    }
  }

  private static Duration duration(String v) {
    return Durations.parse(v);
  }

  private static String logLevel(String v) {
    String l = v.trim().toLowerCase(Locale.ROOT);
    if (!LOG_LEVELS.contains(l)) {
      throw new IllegalArgumentException("must be one of error, warn, info, debug, trace");
    }
    return l;
  }

  /** A value as given, and where it came from (such as {@code COURIER_PORT} or {@code --port}). */
  private record Raw(String value, String origin) {}

  private record Parser(Map<Setting, Raw> raw) {
    <T> T get(Setting s, Function<String, T> parse) {
      return optional(s, parse)
          .orElseThrow(() -> new ConfigException(s.env() + " is required"));
    }

    <T> Optional<T> optional(Setting s, Function<String, T> parse) {
      Raw r = raw.get(s);
      if (r == null) {
        return Optional.empty();
      }
      try {
        return Optional.of(parse.apply(r.value()));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(r.origin() + "=" + shown(s, r.value()) + ": " + e.getMessage());
      }
    }

    private static String shown(Setting s, String value) {
      if (s.secret()) {
        return "****";
      }
      if (s == Setting.DATABASE_URL) {
        return DatabaseUrl.redact(value);
      }
      return value;
    }
  }
}
