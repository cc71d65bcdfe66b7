package dev.courier.whatsapp.inbound;

import java.util.regex.Pattern;

/** WhatsApp's ways of naming a user or a chat, turned into E.164 where they hold a phone number. */
final class WhatsAppIds {
  // E.164 allows 15 digits; below 7 no real number with its country code exists.
  private static final Pattern PHONE_DIGITS = Pattern.compile("\\+?[0-9]{7,15}");

  private WhatsAppIds() {}

  /** True for a Cloud API {@code wa_id}/{@code from}: digits, a leading {@code +} tolerated. */
  static boolean isPhoneDigits(String value) {
    return value != null && PHONE_DIGITS.matcher(value).matches();
  }

  /** {@code 5511999999999} or {@code +5511999999999} as {@code +5511999999999}, else null. */
  static String e164(String digits) {
    if (!isPhoneDigits(digits)) {
      return null;
    }
    return digits.startsWith("+") ? digits : "+" + digits;
  }

  /**
   * The phone number of a personal chat id ({@code 5511999999999@s.whatsapp.net} on Baileys,
   * {@code 5511999999999@c.us} on whatsapp-web.js, either with a {@code :device} suffix), in E.164;
   * null for groups, broadcast lists, newsletters and linked ids ({@code …@lid}), which hide the
   * number.
   */
  static String phoneOfJid(String jid) {
    if (jid == null) {
      return null;
    }
    int at = jid.indexOf('@');
    if (at < 0) {
      return null;
    }
    String server = jid.substring(at + 1);
    if (!server.equals("s.whatsapp.net") && !server.equals("c.us")) {
      return null;
    }
    String user = jid.substring(0, at);
    int device = user.indexOf(':');
    return e164(device < 0 ? user : user.substring(0, device));
  }

  /** True for a group chat id ({@code …@g.us}). */
  static boolean isGroup(String jid) {
    return jid != null && jid.endsWith("@g.us");
  }

  /** True for WhatsApp's status (stories) pseudo-chat, which carries no conversation. */
  static boolean isStatusBroadcast(String jid) {
    return "status@broadcast".equals(jid);
  }
}
