package dev.courier.whatsapp.message;

/**
 * The request conflicts with the object's current state (cancelling a message already sending), or
 * an idempotency key was reused with a different request. The HTTP layer answers 409 or 422.
 */
public final class ConflictException extends RuntimeException {
  /** What kind of conflict. */
  public enum Kind {
    STATE,
    IDEMPOTENCY_MISMATCH
  }

  private final Kind kind;
  private final String currentStatus;

  public ConflictException(Kind kind, String message, String currentStatus) {
    super(message);
    this.kind = kind;
    this.currentStatus = currentStatus;
  }

  public Kind kind() {
    return kind;
  }

  /** For {@link Kind#STATE}: the object's status now. */
  public String currentStatus() {
    return currentStatus;
  }
}
