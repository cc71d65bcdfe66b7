package dev.courier.whatsapp.provider.support;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;

/**
 * How an HTTP exchange failed without an answer. What matters is whether the request can have
 * reached the provider: a refused or timed-out connection never carried it, anything after that may
 * have.
 */
public enum TransportFailure {
  /** No connection was made, so nothing was written: safe to send again. */
  CONNECT("connect"),
  /** The request went out and no answer came in time: the provider may have acted on it. */
  TIMEOUT("timeout"),
  /** The connection broke during the exchange (reset, closed): the provider may have acted on it. */
  IO("io");

  private final String key;

  TransportFailure(String key) {
    this.key = key;
  }

  /** The condition's key in the error tables and the code recorded on the message. */
  public String key() {
    return key;
  }

  public static TransportFailure of(IOException e) {
    // HttpConnectTimeoutException extends HttpTimeoutException: test it first.
    if (e instanceof HttpConnectTimeoutException) {
      return CONNECT;
    }
    if (e instanceof HttpTimeoutException) {
      return TIMEOUT;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException) {
        return CONNECT;
      }
    }
    return IO;
  }
}
