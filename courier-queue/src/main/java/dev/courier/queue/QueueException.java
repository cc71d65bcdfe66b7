package dev.courier.queue;

/** The database could not do what was asked; the message says what, the cause says why. */
public final class QueueException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public QueueException(String message, Throwable cause) {
    super(message + ": " + cause.getMessage(), cause);
  }
}
