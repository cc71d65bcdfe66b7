package dev.courier.whatsapp.message;

import dev.courier.whatsapp.validation.FieldError;
import java.util.List;

/** The errors of one validation call, appended to the caller's list, and how strict the call is. */
final class Problems {
  private final List<FieldError> errors;
  private final boolean lenient;
  private final int before;

  Problems(List<FieldError> errors, boolean lenient) {
    this.errors = errors;
    this.lenient = lenient;
    this.before = errors.size();
  }

  void add(String field, String message) {
    errors.add(new FieldError(field, message));
  }

  /** Lenient calls drop unknown fields; strict ones report them. */
  boolean lenient() {
    return lenient;
  }

  /** Whether this call found anything (the caller's list may hold errors from before). */
  boolean any() {
    return errors.size() > before;
  }
}
