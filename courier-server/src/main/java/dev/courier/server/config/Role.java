package dev.courier.server.config;

import java.util.Locale;

/** What a node runs when several share one database. */
public enum Role {
  ALL,
  API,
  WORKER;

  public String text() {
    return name().toLowerCase(Locale.ROOT);
  }
}
