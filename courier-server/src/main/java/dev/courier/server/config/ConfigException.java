package dev.courier.server.config;

/** A setting has a value Courier cannot use. The message names the setting, the value and what is allowed. */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
