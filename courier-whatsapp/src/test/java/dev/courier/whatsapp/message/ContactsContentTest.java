package dev.courier.whatsapp.message;

import static dev.courier.whatsapp.message.Validation.error;
import static dev.courier.whatsapp.message.Validation.json;
import static dev.courier.whatsapp.message.Validation.lenient;
import static dev.courier.whatsapp.message.Validation.strict;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collections;
import org.junit.jupiter.api.Test;

class ContactsContentTest {
  private static final String FULL_CARD =
      """
      {'name': {'formatted_name': 'Ana Souza', 'first_name': 'Ana', 'last_name': 'Souza'},
       'phones': [{'phone': '+55 11 99999-9999', 'type': 'CELL', 'wa_id': '5511999999999'}],
       'emails': [{'email': 'ana@example.com', 'type': 'WORK'}],
       'urls': [{'url': 'https://example.com', 'type': 'WORK'}],
       'addresses': [{'street': 'Av. Paulista, 1578', 'city': 'São Paulo', 'state': 'SP', 'zip': '01310-200',
                      'country': 'Brasil', 'country_code': 'BR', 'type': 'WORK'}],
       'org': {'company': 'Courier', 'department': 'Vendas', 'title': 'Gerente'},
       'birthday': '1990-12-31'}
      """;

  @Test
  void fullCardIsWrappedUnderContacts() {
    var result = strict("contacts", "[" + FULL_CARD + "]");
    assertThat(result.errors()).isEmpty();
    assertThat(result.content()).isEqualTo(json("{'contacts': [" + FULL_CARD + "]}"));
    assertThat(WireContent.memberValue("contacts", result.content())).isEqualTo(json("[" + FULL_CARD + "]"));
  }

  @Test
  void camelCaseNamesBecomeSnakeCase() {
    var result =
        strict(
            "contacts",
            "[{'name': {'formattedName': 'Ana', 'firstName': 'Ana'}, 'phones': [{'phone': '+1 202 555 0123', 'waId': '12025550123'}],"
                + " 'addresses': [{'countryCode': 'US'}]}]");
    assertThat(result.content())
        .isEqualTo(
            json(
                "{'contacts': [{'name': {'formatted_name': 'Ana', 'first_name': 'Ana'},"
                    + " 'phones': [{'phone': '+1 202 555 0123', 'wa_id': '12025550123'}], 'addresses': [{'country_code': 'US'}]}]}"));
  }

  @Test
  void formattedNameIsRequired() {
    assertThat(strict("contacts", "[{'name': {'first_name': 'Ana'}}]").errors())
        .containsExactly(error("contacts[0].name.formatted_name", "is required"));
    assertThat(strict("contacts", "[{'phones': []}]").errors()).containsExactly(error("contacts[0].name", "is required"));
  }

  @Test
  void contactsMustBeANonEmptyArray() {
    assertThat(strict("contacts", "[]").errors()).containsExactly(error("contacts", "needs at least 1 contact"));
    assertThat(strict("contacts", "{'name': {'formatted_name': 'Ana'}}").errors())
        .containsExactly(error("contacts", "must be an array of contacts"));
  }

  @Test
  void atMost257Contacts() {
    String card = "{'name': {'formatted_name': 'A'}}";
    assertThat(strict("contacts", "[" + String.join(",", Collections.nCopies(257, card)) + "]").errors()).isEmpty();
    assertThat(strict("contacts", "[" + String.join(",", Collections.nCopies(258, card)) + "]").errors())
        .containsExactly(error("contacts[257]", "at most 257 contacts"));
  }

  @Test
  void listsMustBeArraysOfObjectsOfStrings() {
    assertThat(strict("contacts", "[{'name': {'formatted_name': 'A'}, 'phones': {'phone': '1'}}]").errors())
        .containsExactly(error("contacts[0].phones", "must be an array"));
    assertThat(strict("contacts", "[{'name': {'formatted_name': 'A'}, 'emails': ['a@b.c']}]").errors())
        .containsExactly(error("contacts[0].emails[0]", "must be an object"));
    assertThat(strict("contacts", "[{'name': {'formatted_name': 'A'}, 'phones': [{'phone': 5511999999999}]}]").errors())
        .containsExactly(error("contacts[0].phones[0].phone", "must be a string"));
  }

  @Test
  void birthdayMustBeAnIsoDate() {
    assertThat(strict("contacts", "[{'name': {'formatted_name': 'A'}, 'birthday': '31/12/1990'}]").errors())
        .containsExactly(error("contacts[0].birthday", "must be a date like 1990-12-31"));
  }

  @Test
  void unknownFieldsInsideACardFollowTheMode() {
    String cards = "[{'name': {'formatted_name': 'A', 'nickname': 'a'}, 'photo': 'x'}]";
    assertThat(strict("contacts", cards).errors())
        .containsExactly(error("contacts[0].name.nickname", "unknown field"), error("contacts[0].photo", "unknown field"));
    assertThat(lenient("contacts", cards).content()).isEqualTo(json("{'contacts': [{'name': {'formatted_name': 'A'}}]}"));
  }
}
