package dev.courier.whatsapp.provider.support;

import dev.courier.whatsapp.provider.ErrorClass;
import dev.courier.whatsapp.provider.ProviderException;
import java.time.Duration;
import org.slf4j.Logger;

/**
 * What the providers share about the typing indicator: it is shown before the message, so a failure
 * while showing it can never mean the message went out, and it is cosmetic, so a request error
 * about the indicator alone must not cost the message.
 */
public final class Typing {
  private Typing() {}

  /** True when the message asks for a typing indicator. */
  public static boolean requested(Duration typing) {
    return typing != null && typing.isPositive();
  }

  /** Waits while the indicator shows. */
  public static void pause(Duration wait) throws InterruptedException {
    Thread.sleep(wait);
  }

  /**
   * Decides what a failed typing call means for the send that follows. Returns normally when the
   * send should go ahead without the indicator; throws when it should not go ahead at all.
   *
   * @param context who failed, for the log and the error text (e.g. {@code cloud_api phone number
   *     id 123})
   */
  public static void afterFailure(ProviderException e, Logger log, String context)
      throws ProviderException {
    switch (e.errorClass()) {
      case PERMANENT, PAUSE_TEMPLATE, HOLD_RECIPIENT -> {
        // The request for the indicator was refused (e.g. a stale message id to tie it to); the
        // message itself may still be fine, so send it without the indicator.
        log.info(
            "{}: typing indicator refused ({}), sending without it", context, e.code());
      }
      case IN_DOUBT ->
          // Only the indicator was in flight; the message was not sent, so this is a plain retry.
          throw new ProviderException(
              ErrorClass.RETRYABLE,
              e.code(),
              e.getMessage() + " (while showing the typing indicator; the message was not sent)",
              e.retryAfter(),
              null);
      default -> throw e;
    }
  }
}
