package dev.courier.whatsapp.validation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A SHA-256 of a request body, kept beside an Idempotency-Key so that the same key with another
 * body can be refused.
 */
public final class RequestHash {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RequestHash() {}

  public static String of(JsonNode body) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(JSON.writeValueAsBytes(body)));
    } catch (NoSuchAlgorithmException | JsonProcessingException e) {
      throw new IllegalStateException("cannot hash a request body", e);
    }
  }
}
