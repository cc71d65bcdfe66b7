package dev.courier.queue;

/** Thrown at enqueue when a job's options are invalid; nothing was inserted. */
public final class InvalidJobException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  private final String field;

  public InvalidJobException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
  }

  public InvalidJobException(String field, String message, Throwable cause) {
    super(field + ": " + message, cause);
    this.field = field;
  }

  /** The option that was wrong, e.g. {@code priority} or {@code args}. */
  public String field() {
    return field;
  }
}
