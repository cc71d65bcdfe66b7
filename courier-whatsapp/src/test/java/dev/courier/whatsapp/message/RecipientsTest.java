package dev.courier.whatsapp.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.courier.whatsapp.validation.FieldError;
import dev.courier.whatsapp.validation.InvalidRequestException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RecipientsTest {
  private static void assertRefused(String raw, String region, boolean groups, String message) {
    assertThatThrownBy(() -> Recipients.normalize(raw, region, groups))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.errors()).containsExactly(new FieldError("to", message)));
  }

  @ParameterizedTest(name = "{0} in region {1} is {2}")
  @CsvSource(
      nullValues = "null",
      value = {
        "'+55 11 99999-9999', null, +5511999999999",
        "'+5511999999999', BR, +5511999999999",
        "'5511999999999', null, +5511999999999",
        "'5511999999999', BR, +5511999999999",
        "'5511999999999', US, +5511999999999",
        "'(11) 99999-9999', BR, +5511999999999",
        "'11999999999', br, +5511999999999",
        "'+55 11 3333-4444', null, +551133334444",
        "'+1 (202) 555-0123', null, +12025550123",
        "'202.555.0123', US, +12025550123",
        "'1 202 555 0123', US, +12025550123",
        "'12025550123', null, +12025550123",
        "'+49 151 23456789', null, +4915123456789",
        "'0151 23456789', DE, +4915123456789",
        "'030 901820', DE, +4930901820",
        "'4915123456789', BR, +4915123456789",
        "'  +55 11 99999-9999  ', null, +5511999999999",
      })
  void acceptedNumbersBecomeE164(String raw, String region, String expected) {
    assertThat(Recipients.normalize(raw, region, false)).isEqualTo(expected);
  }

  @Test
  void brazilianMobileWithoutItsNinthDigitIsRefusedNotRepaired() {
    assertRefused("+55 11 9999-9999", null, false, "not a valid phone number");
    assertRefused("(11) 9999-9999", "BR", false, "not a valid phone number");
  }

  @Test
  void nationalNumberWithoutARegionIsRefused() {
    assertRefused("(11) 99999-9999", null, false, "not a valid phone number");
    assertRefused("2025550123", null, false, "not a valid phone number");
  }

  @ParameterizedTest
  @ValueSource(strings = {"12345", "+999 1234 5678", "+55 11 99999-9999 ext. 12", "+1 800 FLOWERS", "tel:+5511999999999", "joao@example.com", "+"})
  void invalidNumbersAreRefused(String raw) {
    assertRefused(raw, "BR", false, "not a valid phone number");
  }

  @Test
  void missingRecipientIsRequired() {
    assertRefused(null, "BR", false, "is required");
    assertRefused("  ", "BR", false, "is required");
  }

  @ParameterizedTest
  @ValueSource(strings = {"120363040000000000@g.us", "5511999999999-1600000000@g.us"})
  void groupIdsPassUnchangedOnGatewayInstances(String group) {
    assertThat(Recipients.normalize(group, "BR", true)).isEqualTo(group);
    assertThat(Recipients.isGroup(group)).isTrue();
  }

  @Test
  void groupIdsNeedAGatewayInstance() {
    assertRefused("120363040000000000@g.us", "BR", false, "group chats need a gateway instance");
  }

  @Test
  void malformedGroupIdIsNotAGroup() {
    assertThat(Recipients.isGroup("abc@g.us")).isFalse();
    assertRefused("abc@g.us", "BR", true, "not a valid phone number");
  }

  @Test
  void errorsNameTheGivenField() {
    assertThatThrownBy(() -> Recipients.normalize("123", "BR", false, "recipients[2]"))
        .isInstanceOfSatisfying(
            InvalidRequestException.class, e -> assertThat(e.errors()).containsExactly(new FieldError("recipients[2]", "not a valid phone number")));
  }

  @Test
  void unknownDefaultRegionIsAProgrammingError() {
    assertThatThrownBy(() -> Recipients.normalize("+5511999999999", "XX", false)).isInstanceOf(IllegalArgumentException.class);
    assertThat(Recipients.isSupportedRegion("br")).isTrue();
    assertThat(Recipients.isSupportedRegion("XX")).isFalse();
  }

  @Test
  void digitsAndBackForWaIdComparisons() {
    assertThat(Recipients.digits("+5511999999999")).isEqualTo("5511999999999");
    assertThat(Recipients.fromDigits("5511999999999")).isEqualTo("+5511999999999");
    assertThat(Recipients.fromDigits(Recipients.digits("+4915123456789"))).isEqualTo("+4915123456789");
    assertThatThrownBy(() -> Recipients.digits("5511999999999")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Recipients.fromDigits("+5511")).isInstanceOf(IllegalArgumentException.class);
  }
}
