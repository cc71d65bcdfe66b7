package dev.courier.queue;

/** Thrown by a worker to fail a job without further attempts: it is discarded at once. */
public class PermanentJobFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PermanentJobFailure(String message) {
    super(message);
  }

  public PermanentJobFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
