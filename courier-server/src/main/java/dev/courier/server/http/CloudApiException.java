package dev.courier.server.http;

/** Thrown by a {@code /graph} handler to answer with {@link #error()} in the Cloud API's envelope. */
public final class CloudApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient CloudApiError error;

  public CloudApiException(CloudApiError error) {
    super(error.message(), null, false, false);
    this.error = error;
  }

  public CloudApiError error() {
    return error;
  }
}
