package dev.courier.whatsapp.provider;

import java.time.Duration;

/**
 * A provider call failed, with what it means ({@link #errorClass()}) and the provider's own code
 * and text, which are recorded on the message.
 */
public final class ProviderException extends Exception {
  private final ErrorClass errorClass;
  private final String code;
  private final Duration retryAfter;
  private final String template;

  /**
   * @param errorClass what the failure means
   * @param code the provider's error code (e.g. {@code 131026}, {@code http_503}, {@code timeout})
   * @param message the provider's text, never a message body or a secret
   * @param retryAfter the wait the provider asked for (Retry-After), or null
   * @param template for {@link ErrorClass#PAUSE_TEMPLATE}: the template's name, else null
   */
  public ProviderException(
      ErrorClass errorClass, String code, String message, Duration retryAfter, String template) {
    super(message);
    this.errorClass = errorClass;
    this.code = code;
    this.retryAfter = retryAfter;
    this.template = template;
  }

  public ProviderException(ErrorClass errorClass, String code, String message) {
    this(errorClass, code, message, null, null);
  }

  public ErrorClass errorClass() {
    return errorClass;
  }

  public String code() {
    return code;
  }

  public Duration retryAfter() {
    return retryAfter;
  }

  public String template() {
    return template;
  }
}
