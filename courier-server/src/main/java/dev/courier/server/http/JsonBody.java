package dev.courier.server.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.courier.whatsapp.validation.InvalidRequestException;
import io.javalin.http.Context;

/**
 * Reads a JSON request body at the edge: content type, size limit, well-formedness (with the
 * position of the first error), one top-level value, no duplicate keys. The body is read from the
 * request stream up to the route's limit and no further, whether or not a length was declared.
 */
public final class JsonBody {
  /** The largest body accepted by most routes (1 MiB). */
  public static final int MAX_BYTES = 1024 * 1024;
  /** The largest body of {@code POST /v1/messages/batch} (16 MiB: 10,000 message requests). */
  public static final int BATCH_MAX_BYTES = 16 * 1024 * 1024;

  private static final ObjectMapper STRICT = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private JsonBody() {}

  /** The body as JSON, or a problem answer (400, 413, 415). */
  public static JsonNode read(Context ctx) {
    return read(ctx, MAX_BYTES);
  }

  /** The body as JSON, refusing bodies over {@code maxBytes}. */
  public static JsonNode read(Context ctx, int maxBytes) {
    String type = ctx.contentType();
    // The media type itself must be application/json (parameters such as charset aside): not
    // application/json-patch+json or any other type that merely starts the same way.
    if (type == null || !type.split(";", 2)[0].strip().toLowerCase(java.util.Locale.ROOT).equals("application/json")) {
      throw new ProblemException(Problem.unsupportedMediaType("send the body as application/json"));
    }
    return parse(ctx, maxBytes);
  }

  /**
   * The body as JSON whatever its declared content type (for the Cloud API compatible endpoint,
   * whose clients are not all careful with the header), or a problem answer (400, 413).
   */
  public static JsonNode parse(Context ctx) {
    return parse(ctx, MAX_BYTES);
  }

  private static JsonNode parse(Context ctx, int maxBytes) {
    byte[] raw = bytes(ctx, maxBytes);
    if (raw.length == 0) {
      throw new ProblemException(Problem.badRequest("the body is empty; send a JSON object"));
    }
    try {
      JsonNode n = STRICT.readTree(raw);
      if (n == null || n.isMissingNode()) {
        throw new ProblemException(Problem.badRequest("the body is empty; send a JSON object"));
      }
      String nul = nulAt(n, "");
      if (nul != null) {
        // PostgreSQL's text and jsonb cannot hold U+0000: refused here, naming where, rather than failing to store.
        throw new InvalidRequestException(nul, "must not contain the NUL character (\\u0000)");
      }
      return n;
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      throw new ProblemException(Problem.badRequest("malformed JSON" + where + ": " + describe(e)));
    } catch (java.io.IOException e) {
      throw new ProblemException(Problem.badRequest("the body could not be read"));
    }
  }

  /** The path of the first member name or string holding U+0000, or null when there is none. */
  static String nulAt(JsonNode n, String path) {
    if (n.isTextual()) {
      return n.textValue().indexOf('\u0000') >= 0 ? path : null;
    }
    if (n.isObject()) {
      for (var it = n.properties().iterator(); it.hasNext(); ) {
        var e = it.next();
        String p = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
        if (e.getKey().indexOf('\u0000') >= 0) {
          return path;
        }
        String found = nulAt(e.getValue(), p);
        if (found != null) {
          return found;
        }
      }
    } else if (n.isArray()) {
      for (int i = 0; i < n.size(); i++) {
        String found = nulAt(n.get(i), path + "[" + i + "]");
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  /**
   * What is wrong with the JSON, in Jackson's words less the Java it names (class names, feature
   * and constraint names), which an answer must not show.
   */
  static String describe(JsonProcessingException e) {
    String m = e.getOriginalMessage();
    if (m == null || m.isBlank()) {
      return "not valid JSON";
    }
    if (m.startsWith("Trailing token")) {
      return "more than one JSON value; send exactly one";
    }
    // Parentheticals that name code: "(bound as `com.fasterxml...JsonNode`)", "(1000, from `StreamReadConstraints...`)".
    m = m.replaceAll("\\s*\\((?:[^()]|\\([^()]*\\))*`[^`]*`(?:[^()]|\\([^()]*\\))*\\)", "");
    m = m.replaceAll("`[^`]*`", "");
    // Any other qualified Java name.
    m = m.replaceAll("\\b(?:[a-z][a-z0-9_]*\\.){2,}[A-Za-z_$][\\w$]*", "");
    m = m.replaceAll("\\b[A-Z][A-Za-z]*(?:Exception|Feature)\\b(?:\\.[A-Z_]+)?", "");
    m = m.strip();
    return m.isEmpty() ? "not valid JSON" : m;
  }

  /** The raw body bytes, refusing bodies over the limit. */
  public static byte[] bytes(Context ctx) {
    return bytes(ctx, MAX_BYTES);
  }

  /**
   * The raw body bytes, refusing bodies over {@code maxBytes}: at once when the declared length is
   * over it, else after reading at most one byte more than it.
   */
  public static byte[] bytes(Context ctx, int maxBytes) {
    long declared = ctx.contentLength();
    if (declared > maxBytes) {
      throw new ProblemException(Problem.tooLarge("the body is " + declared + " bytes; the limit is " + maxBytes));
    }
    byte[] raw;
    try {
      raw = ctx.req().getInputStream().readNBytes(maxBytes + 1);
    } catch (java.io.IOException e) {
      throw new ProblemException(Problem.badRequest("the body could not be read"));
    }
    if (raw.length > maxBytes) {
      throw new ProblemException(Problem.tooLarge("the body is over the limit of " + maxBytes + " bytes"));
    }
    return raw;
  }
}
