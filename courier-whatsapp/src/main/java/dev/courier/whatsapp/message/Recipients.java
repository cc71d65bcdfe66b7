package dev.courier.whatsapp.message;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import dev.courier.whatsapp.validation.InvalidRequestException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Message recipients: phone numbers normalised to E.164 with Google's libphonenumber, and the group
 * chat ids of gateway instances.
 *
 * <p>A number is accepted as {@code +55 11 99999-9999} (any spacing and the punctuation {@code - .
 * ( ) /}), as international digits without the plus ({@code 5511999999999}), or as a national
 * number of the instance's default region ({@code (11) 99999-9999} with {@code BR}). It must be
 * valid for its country by libphonenumber's metadata; nothing is added to make it so (an old
 * Brazilian mobile number without its ninth digit is refused, not repaired). Letters, extensions
 * and {@code tel:} URIs are refused: a recipient is a plain number.
 */
public final class Recipients {
  public static final String NOT_A_PHONE_NUMBER = "not a valid phone number";
  public static final String GROUPS_NEED_A_GATEWAY = "group chats need a gateway instance";

  private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();
  /** WhatsApp group ids as gateways (Evolution API, WAHA) write them: creator-timestamp or one number. */
  private static final Pattern GROUP = Pattern.compile("[0-9]+(-[0-9]+)?@g\\.us");
  private static final Pattern PHONE_CHARACTERS = Pattern.compile("\\+?[0-9 ()./\\-\\u00A0]{4,40}");

  private Recipients() {}

  /** {@link #normalize(String, String, boolean, String)} for the request field {@code to}. */
  public static String normalize(String raw, String defaultRegion, boolean allowGroups) {
    return normalize(raw, defaultRegion, allowGroups, "to");
  }

  /**
   * The recipient in canonical form: E.164 with a leading {@code +}, or a group id unchanged.
   *
   * @param raw the recipient as the caller wrote it
   * @param defaultRegion ISO 3166 code of the region national numbers belong to ({@code "BR"}), or
   *     null to accept international numbers only
   * @param allowGroups whether the instance can send to group chats (gateway instances)
   * @param field the request field to blame in errors ({@code to}, {@code recipients[3]})
   * @throws InvalidRequestException on {@code field} when the recipient is not acceptable
   * @throws IllegalArgumentException when {@code defaultRegion} is not a region libphonenumber knows
   */
  public static String normalize(String raw, String defaultRegion, boolean allowGroups, String field) {
    String region = region(defaultRegion);
    if (raw == null || raw.isBlank()) {
      throw new InvalidRequestException(field, "is required");
    }
    String text = raw.strip();
    if (isGroup(text)) {
      if (!allowGroups) {
        throw new InvalidRequestException(field, GROUPS_NEED_A_GATEWAY);
      }
      return text;
    }
    if (!PHONE_CHARACTERS.matcher(text).matches()) {
      throw new InvalidRequestException(field, NOT_A_PHONE_NUMBER);
    }
    PhoneNumber number = text.startsWith("+") ? parse(text, null) : withoutPlus(text, region);
    if (number == null) {
      throw new InvalidRequestException(field, NOT_A_PHONE_NUMBER);
    }
    return PHONES.format(number, PhoneNumberFormat.E164);
  }

  /** Whether the recipient is a WhatsApp group id ({@code 120363040000000000@g.us}). */
  public static boolean isGroup(String recipient) {
    return recipient != null && GROUP.matcher(recipient).matches();
  }

  /**
   * The digits of an E.164 number: {@code +5511999999999} to {@code 5511999999999}, the form of the
   * Cloud API's {@code wa_id} and of gateway chat ids.
   *
   * @throws IllegalArgumentException when {@code e164} is not {@code +} and digits
   */
  public static String digits(String e164) {
    if (e164 == null || !e164.matches("\\+[1-9][0-9]{1,14}")) {
      throw new IllegalArgumentException("not an E.164 number: " + e164);
    }
    return e164.substring(1);
  }

  /**
   * The E.164 form of a {@code wa_id} or other digits-only international number: {@code
   * 5511999999999} to {@code +5511999999999}. No validation beyond the shape: inbound ids are what
   * WhatsApp says they are.
   *
   * @throws IllegalArgumentException when {@code digits} is not 2 to 15 digits
   */
  public static String fromDigits(String digits) {
    if (digits == null || !digits.matches("[1-9][0-9]{1,14}")) {
      throw new IllegalArgumentException("not an international number in digits: " + digits);
    }
    return "+" + digits;
  }

  /** Whether libphonenumber knows the region (for checking an instance's {@code defaultRegion}). */
  public static boolean isSupportedRegion(String region) {
    return region != null && PHONES.getSupportedRegions().contains(region.toUpperCase(Locale.ROOT));
  }

  /**
   * A number without a plus: national in the default region first (libphonenumber also strips the
   * region's own country code, so {@code 5511999999999} with BR works), else international digits.
   */
  private static PhoneNumber withoutPlus(String text, String region) {
    if (region != null) {
      PhoneNumber number = parse(text, region);
      if (number != null) {
        return number;
      }
    }
    return parse("+" + text, null);
  }

  /** The number when it parses and is valid, else null. */
  private static PhoneNumber parse(String text, String region) {
    try {
      PhoneNumber number = PHONES.parse(text, region == null ? "ZZ" : region);
      return PHONES.isValidNumber(number) && !number.hasExtension() ? number : null;
    } catch (NumberParseException e) {
      return null;
    }
  }

  private static String region(String defaultRegion) {
    if (defaultRegion == null || defaultRegion.isBlank()) {
      return null;
    }
    String region = defaultRegion.strip().toUpperCase(Locale.ROOT);
    if (!PHONES.getSupportedRegions().contains(region)) {
      throw new IllegalArgumentException("unknown region for phone numbers: " + defaultRegion);
    }
    return region;
  }
}
