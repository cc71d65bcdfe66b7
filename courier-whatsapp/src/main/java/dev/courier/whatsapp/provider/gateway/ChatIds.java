package dev.courier.whatsapp.provider.gateway;

/**
 * Recipient forms on the gateways. Courier hands over E.164 numbers with a {@code +} or, for
 * groups, the gateway's own chat id ({@code …@g.us}); chat ids pass through untouched.
 */
final class ChatIds {
  private ChatIds() {}

  /** True when {@code to} already is a gateway chat id (group, {@code @lid}, {@code @c.us}, …). */
  static boolean isChatId(String to) {
    return to.indexOf('@') >= 0;
  }

  /** The international number without {@code +}: what Evolution calls {@code number}. */
  static String digits(String e164) {
    String digits = e164.startsWith("+") ? e164.substring(1) : e164;
    if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit)) {
      throw new IllegalArgumentException("not an E.164 number or chat id: " + e164);
    }
    return digits;
  }

  /** Evolution's {@code number}: digits for a phone, the chat id as it is for a group. */
  static String evolutionNumber(String to) {
    return isChatId(to) ? to : digits(to);
  }

  /** A WhatsApp JID as Baileys (Evolution) writes it: {@code 5511…@s.whatsapp.net}. */
  static String jid(String to) {
    return isChatId(to) ? to : digits(to) + "@s.whatsapp.net";
  }

  /** WAHA's {@code chatId}: {@code 5511…@c.us} for a phone, the chat id as it is for a group. */
  static String wahaChatId(String to) {
    return isChatId(to) ? to : digits(to) + "@c.us";
  }
}
