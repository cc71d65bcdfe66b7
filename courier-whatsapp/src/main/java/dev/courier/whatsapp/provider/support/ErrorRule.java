package dev.courier.whatsapp.provider.support;

import dev.courier.whatsapp.provider.ErrorClass;
import java.util.List;
import java.util.Objects;

/**
 * One row of a provider's error classification table: a provider error code or a condition, what it
 * means for the message, and where that meaning is documented. docs/PROVIDERS.md shows the same
 * rows; a test keeps the two in step.
 *
 * @param key the provider's numeric code ({@code 131026}), a code range ({@code 200-299}) or a
 *     condition ({@code http_429}, {@code timeout}, {@code connect}, …)
 * @param errorClass what Courier does with the message
 * @param meaning what the provider says the error is, and why it belongs to its class
 * @param sources the documents the row rests on (URLs)
 */
public record ErrorRule(String key, ErrorClass errorClass, String meaning, List<String> sources) {
  public ErrorRule {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(errorClass, "errorClass");
    Objects.requireNonNull(meaning, "meaning");
    sources = List.copyOf(sources);
    if (sources.isEmpty()) {
      throw new IllegalArgumentException("error rule " + key + " names no source");
    }
  }

  public static ErrorRule of(String key, ErrorClass errorClass, String meaning, String... sources) {
    return new ErrorRule(key, errorClass, meaning, List.of(sources));
  }

  /** The key of the rule for an HTTP status no more specific rule matched. */
  public static final String UNEXPECTED_STATUS = "http_unexpected";

  /**
   * The rule key for an HTTP status alone: {@code http_429}, {@code http_401}, {@code http_403},
   * {@code http_5xx}, {@code http_4xx}, or {@link #UNEXPECTED_STATUS}. Both providers' tables
   * name their status rules this way.
   */
  public static String statusKey(int status) {
    return switch (status) {
      case 429 -> "http_429";
      case 401 -> "http_401";
      case 403 -> "http_403";
      default -> {
        if (status >= 500 && status <= 599) {
          yield "http_5xx";
        }
        if (status >= 400 && status <= 499) {
          yield "http_4xx";
        }
        yield UNEXPECTED_STATUS;
      }
    };
  }
}
