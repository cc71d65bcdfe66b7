package dev.courier.whatsapp.message;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The message types Courier sends, named as the WhatsApp Cloud API names them: the value of a
 * message's {@code type} and the name of the member that holds its content.
 */
public final class MessageTypes {
  public static final String TEXT = "text";
  public static final String IMAGE = "image";
  public static final String AUDIO = "audio";
  public static final String VIDEO = "video";
  public static final String DOCUMENT = "document";
  public static final String STICKER = "sticker";
  public static final String LOCATION = "location";
  public static final String CONTACTS = "contacts";
  public static final String INTERACTIVE = "interactive";
  public static final String TEMPLATE = "template";
  public static final String REACTION = "reaction";

  /** Every supported type, in the order error messages list them. */
  public static final Set<String> ALL =
      orderedSet(TEXT, IMAGE, AUDIO, VIDEO, DOCUMENT, STICKER, LOCATION, CONTACTS, INTERACTIVE, TEMPLATE, REACTION);

  /** The types whose content is a media object ({@code link} or {@code id}). */
  public static final Set<String> MEDIA = orderedSet(IMAGE, AUDIO, VIDEO, DOCUMENT, STICKER);

  private MessageTypes() {}

  public static boolean isSupported(String type) {
    return type != null && ALL.contains(type);
  }

  public static boolean isMedia(String type) {
    return type != null && MEDIA.contains(type);
  }

  /** Whether the Cloud API takes a {@code caption} for this media type. */
  public static boolean hasCaption(String type) {
    return IMAGE.equals(type) || VIDEO.equals(type) || DOCUMENT.equals(type);
  }

  /** Whether the Cloud API takes a {@code filename} for this media type. */
  public static boolean hasFilename(String type) {
    return DOCUMENT.equals(type);
  }

  /** {@code "text, image, …, reaction"}: for error messages. */
  public static String supportedList() {
    return String.join(", ", ALL);
  }

  private static Set<String> orderedSet(String... values) {
    // Set.of has no stable iteration order, and error messages should read the same every time.
    return Collections.unmodifiableSequencedSet(new LinkedHashSet<>(List.of(values)));
  }
}
