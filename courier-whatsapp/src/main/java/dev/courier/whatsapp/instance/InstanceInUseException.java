package dev.courier.whatsapp.instance;

/**
 * An instance cannot be deleted while it has unfinished messages (queued, sending or in doubt),
 * unless the caller forces it. The HTTP layer answers 409 with the counts.
 */
public final class InstanceInUseException extends RuntimeException {
  private final long queued;
  private final long inFlight;

  public InstanceInUseException(String instanceId, long queued, long inFlight) {
    super("instance " + instanceId + " has " + queued + " queued and " + inFlight
        + " sending or in-doubt message(s); cancel them, or delete with force to cancel the queued ones");
    this.queued = queued;
    this.inFlight = inFlight;
  }

  /** Messages waiting to be sent. */
  public long queued() {
    return queued;
  }

  /** Messages being sent, or sent with an outcome in doubt. */
  public long inFlight() {
    return inFlight;
  }
}
