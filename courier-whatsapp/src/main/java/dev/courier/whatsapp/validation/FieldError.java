package dev.courier.whatsapp.validation;

/**
 * One invalid input field.
 *
 * @param field the field's path in the request, e.g. {@code image.link} or {@code limits.rate.per}
 * @param message what is wrong, e.g. {@code must be an https URL}
 */
public record FieldError(String field, String message) {}
