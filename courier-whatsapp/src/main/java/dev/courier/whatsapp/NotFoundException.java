package dev.courier.whatsapp;

/** No such object in the caller's organization (the HTTP layer answers 404, never revealing others'). */
public final class NotFoundException extends RuntimeException {
  public NotFoundException(String kind, String id) {
    super("no " + kind + " " + id);
  }
}
