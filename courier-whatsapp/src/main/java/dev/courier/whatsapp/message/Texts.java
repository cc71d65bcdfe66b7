package dev.courier.whatsapp.message;

import java.net.URI;
import java.net.URISyntaxException;
import java.text.BreakIterator;
import java.util.Locale;

/** Checks on strings that several content types share. */
final class Texts {
  /** For fields whose length the Cloud API does not document a limit for. */
  static final int UNLIMITED = Integer.MAX_VALUE;

  private Texts() {}

  /**
   * Length as WhatsApp users see it: in code points, so that an emoji outside the Basic
   * Multilingual Plane counts once, not as its two UTF-16 halves.
   */
  static int length(String text) {
    return text.codePointCount(0, text.length());
  }

  /**
   * An absolute https URL with a host: the Cloud API fetches media and opens buttons from it. The
   * authority is checked rather than {@link URI#getHost()}, which is null for real hosts with an
   * underscore (some storage bucket names).
   */
  static boolean isHttpsUrl(String text) {
    try {
      URI uri = new URI(text);
      return "https".equalsIgnoreCase(uri.getScheme()) && uri.getRawAuthority() != null && !uri.getRawAuthority().isBlank();
    } catch (URISyntaxException e) {
      return false;
    }
  }

  /**
   * Whether the text is exactly one emoji: one grapheme cluster (so a family joined with ZWJ, a
   * flag or a skin-toned hand count once) that renders as an emoji. A digit or a letter is not one,
   * although Unicode gives digits the Emoji property for keycaps.
   */
  static boolean isSingleEmoji(String text) {
    if (text.isEmpty()) {
      return false;
    }
    BreakIterator clusters = BreakIterator.getCharacterInstance(Locale.ROOT);
    clusters.setText(text);
    clusters.first();
    if (clusters.next() != text.length()) {
      return false;
    }
    int first = text.codePointAt(0);
    if (Character.isExtendedPictographic(first) || Character.isEmojiPresentation(first)) {
      return true;
    }
    // A digit, # or * is an emoji only as a keycap, a text-style symbol only with the emoji selector.
    return Character.isEmoji(first) && (text.indexOf(0xFE0F) >= 0 || text.indexOf(0x20E3) >= 0);
  }
}
