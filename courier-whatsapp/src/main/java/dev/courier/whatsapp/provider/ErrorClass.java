package dev.courier.whatsapp.provider;

/** What a failed provider call means for the message; see docs/PROVIDERS.md for the table. */
public enum ErrorClass {
  /** Too fast: run again later (backoff, Retry-After honoured), no attempt spent. */
  THROTTLED,
  /** The send may have happened (timeout after the request was written, 5xx, 131000): reconcile. */
  IN_DOUBT,
  /** The number is at risk or unusable (spam limit, policy block, locked, auth): pause it. */
  PAUSE_INSTANCE,
  /** The template is paused or disabled: hold messages using that template. */
  PAUSE_TEMPLATE,
  /** Will never succeed as it is: fail the message at once with the provider's code and text. */
  PERMANENT,
  /** Fail the message, and hold further template messages to this recipient for 24 h (131049). */
  HOLD_RECIPIENT,
  /** The instance cannot send right now (gateway session not connected): wait, no attempt spent. */
  UNAVAILABLE,
  /** Failed before anything reached the provider (connection refused): retry with backoff. */
  RETRYABLE
}
