package dev.courier.server.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.javalin.http.Context;

/**
 * Reads a JSON request body at the edge: content type, size limit, well-formedness (with the
 * position of the first error), one top-level value, no duplicate keys.
 */
public final class JsonBody {
  /** The largest body accepted (1 MiB). */
  public static final int MAX_BYTES = 1024 * 1024;

  private static final ObjectMapper STRICT = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private JsonBody() {}

  /** The body as JSON, or a problem answer (400, 413, 415). */
  public static JsonNode read(Context ctx) {
    String type = ctx.contentType();
    if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
      throw new ProblemException(Problem.unsupportedMediaType("send the body as application/json"));
    }
    return parse(ctx);
  }

  /**
   * The body as JSON whatever its declared content type (for the Cloud API compatible endpoint,
   * whose clients are not all careful with the header), or a problem answer (400, 413).
   */
  public static JsonNode parse(Context ctx) {
    byte[] raw = bytes(ctx);
    if (raw.length == 0) {
      throw new ProblemException(Problem.badRequest("the body is empty; send a JSON object"));
    }
    try {
      JsonNode n = STRICT.readTree(raw);
      if (n == null || n.isMissingNode()) {
        throw new ProblemException(Problem.badRequest("the body is empty; send a JSON object"));
      }
      return n;
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      throw new ProblemException(Problem.badRequest("malformed JSON" + where + ": " + e.getOriginalMessage()));
    } catch (java.io.IOException e) {
      throw new ProblemException(Problem.badRequest("the body could not be read"));
    }
  }

  /** The raw body bytes, refusing bodies over the limit. */
  public static byte[] bytes(Context ctx) {
    long declared = ctx.contentLength();
    if (declared > MAX_BYTES) {
      throw new ProblemException(Problem.tooLarge("the body is " + declared + " bytes; the limit is " + MAX_BYTES));
    }
    byte[] raw = ctx.bodyAsBytes();
    if (raw.length > MAX_BYTES) {
      throw new ProblemException(Problem.tooLarge("the body is " + raw.length + " bytes; the limit is " + MAX_BYTES));
    }
    return raw;
  }
}
