package dev.courier.server.db;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where an external PostgreSQL is: parsed from {@code postgres://user:pass@host:port/db?params} or
 * {@code jdbc:postgresql://host:port/db?params}. The password never appears in {@link #toString()}
 * nor in {@link #redacted()}.
 */
public final class DatabaseUrl {
  /** What is accepted, for error messages. */
  public static final String FORMAT =
      "must be postgres://user:password@host:port/database or jdbc:postgresql://host:port/database";

  private final String jdbcUrl;
  private final String user;
  private final String password;
  private final String host;
  private final int port;
  private final String database;

  private DatabaseUrl(
      String jdbcUrl, String user, String password, String host, int port, String database) {
    this.jdbcUrl = jdbcUrl;
    this.user = user;
    this.password = password;
    this.host = host;
    this.port = port;
    this.database = database;
  }

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException saying what is allowed; the message never holds the password
   */
  public static DatabaseUrl parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException(FORMAT);
    }
    String t = text.trim();
    String lower = t.toLowerCase(Locale.ROOT);
    if (lower.startsWith("postgres://") || lower.startsWith("postgresql://")) {
      return parseUri(t.substring(t.indexOf("://") + 3));
    }
    if (lower.startsWith("jdbc:postgresql://")) {
      return parseUri(t.substring("jdbc:postgresql://".length()));
    }
    throw new IllegalArgumentException(FORMAT);
  }

  private static DatabaseUrl parseUri(String rest) {
    URI uri;
    try {
      uri = new URI("postgresql://" + rest);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(FORMAT);
    }
    String host = uri.getHost();
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException(FORMAT + " (no host)");
    }
    int port = uri.getPort() < 0 ? 5432 : uri.getPort();
    String path = uri.getRawPath();
    if (path == null || path.length() <= 1) {
      throw new IllegalArgumentException(FORMAT + " (no database name)");
    }
    String database = decode(path.substring(1));
    String user = null;
    String password = null;
    if (uri.getRawUserInfo() != null) {
      String[] parts = uri.getRawUserInfo().split(":", 2);
      user = decode(parts[0]);
      if (parts.length > 1) {
        password = decode(parts[1]);
      }
    }
    List<String> kept = new ArrayList<>();
    if (uri.getRawQuery() != null) {
      for (String param : uri.getRawQuery().split("&")) {
        if (param.isEmpty()) {
          continue;
        }
        String[] kv = param.split("=", 2);
        String key = decode(kv[0]);
        String value = kv.length > 1 ? decode(kv[1]) : "";
        if (key.equals("user")) {
          user = value;
        } else if (key.equals("password")) {
          password = value;
        } else {
          kept.add(param);
        }
      }
    }
    if (user == null || user.isEmpty()) {
      user = "postgres";
    }
    String jdbcUrl =
        "jdbc:postgresql://"
            + hostPart(host)
            + ":"
            + port
            + path
            + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
    return new DatabaseUrl(jdbcUrl, user, password, host, port, database);
  }

  private static String hostPart(String host) {
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /**
   * Best effort to show a URL that may not even parse without its password: replaces the userinfo
   * password and any {@code password=} parameter by {@code ****}.
   */
  public static String redact(String text) {
    if (text == null) {
      return null;
    }
    return text.replaceAll("(://[^/@:]*):[^@/]*@", "$1:****@")
        .replaceAll("(?i)(password=)[^&]*", "$1****");
  }

  /** The JDBC URL without user or password (they are passed separately). */
  public String jdbcUrl() {
    return jdbcUrl;
  }

  public String user() {
    return user;
  }

  /** The password, or null. Never log it. */
  public String password() {
    return password;
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  public String database() {
    return database;
  }

  /** {@code postgres://user@host:port/database}, without the password. */
  public String redacted() {
    return "postgres://" + user + (password == null ? "" : ":****") + "@" + hostPart(host) + ":" + port
        + "/" + database;
  }

  @Override
  public String toString() {
    return redacted();
  }
}
