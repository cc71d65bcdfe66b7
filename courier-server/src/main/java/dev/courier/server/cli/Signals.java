package dev.courier.server.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes over SIGTERM and SIGINT so that {@code serve} can stop in order and exit 0 (the JVM's own
 * handling runs shutdown hooks and then exits 143 or 130).
 */
final class Signals {
  private static final Logger LOG = LoggerFactory.getLogger(Signals.class);

  private Signals() {}

  /** Runs {@code action} on SIGTERM or SIGINT; false if the handlers could not be installed. */
  @SuppressWarnings("removal")
  static boolean onTermOrInt(Runnable action) {
    try {
      sun.misc.SignalHandler handler = signal -> action.run();
      sun.misc.Signal.handle(new sun.misc.Signal("TERM"), handler);
      sun.misc.Signal.handle(new sun.misc.Signal("INT"), handler);
      return true;
    } catch (RuntimeException | LinkageError e) {
      LOG.warn("cannot handle SIGTERM/SIGINT; relying on the JVM shutdown hook: {}", e.toString());
      return false;
    }
  }
}
