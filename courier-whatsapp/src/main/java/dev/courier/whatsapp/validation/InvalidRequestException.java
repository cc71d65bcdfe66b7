package dev.courier.whatsapp.validation;

import java.util.List;

/** A request that cannot be accepted; nothing was stored. The HTTP layer answers 400 with these. */
public final class InvalidRequestException extends RuntimeException {
  private final List<FieldError> errors;

  public InvalidRequestException(List<FieldError> errors) {
    super(errors.size() == 1 ? "1 field is invalid" : errors.size() + " fields are invalid");
    this.errors = List.copyOf(errors);
  }

  public InvalidRequestException(String field, String message) {
    this(List.of(new FieldError(field, message)));
  }

  public List<FieldError> errors() {
    return errors;
  }
}
