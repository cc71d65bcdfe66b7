package dev.courier.whatsapp.message;

import static dev.courier.whatsapp.message.Validation.error;
import static dev.courier.whatsapp.message.Validation.json;
import static dev.courier.whatsapp.message.Validation.strict;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TemplateContentTest {
  private static String withComponents(String components) {
    return "{'name': 'order_update', 'language': 'pt_BR', 'components': [" + components + "]}";
  }

  private static String canonicalWith(String components) {
    return "{'name': 'order_update', 'language': {'code': 'pt_BR'}, 'components': [" + components + "]}";
  }

  @Test
  void plainStringLanguageBecomesAnObjectWithoutPolicy() {
    var result = strict("template", "{'name': 'hello_world', 'language': 'en_US'}");
    assertThat(result.errors()).isEmpty();
    assertThat(result.content().toString()).isEqualTo("{\"name\":\"hello_world\",\"language\":{\"code\":\"en_US\"}}");
  }

  @Test
  void languageObjectKeepsAGivenPolicy() {
    assertThat(strict("template", "{'name': 'a1', 'language': {'policy': 'deterministic', 'code': 'pt_BR'}}").content())
        .isEqualTo(json("{'name': 'a1', 'language': {'code': 'pt_BR', 'policy': 'deterministic'}}"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"pt-BR", "pt_br", "PT-br"})
  void languageCodeSpellingsBecomeMetaForm(String code) {
    assertThat(strict("template", "{'name': 'a', 'language': '" + code + "'}").content().get("language")).isEqualTo(json("{'code': 'pt_BR'}"));
  }

  @Test
  void languageCodeWithoutRegionStays() {
    assertThat(strict("template", "{'name': 'a', 'language': {'code': 'en'}}").content().get("language")).isEqualTo(json("{'code': 'en'}"));
  }

  @Test
  void languageRules() {
    assertThat(strict("template", "{'name': 'a'}").errors()).containsExactly(error("template.language", "is required"));
    assertThat(strict("template", "{'name': 'a', 'language': 'Portuguese'}").errors())
        .containsExactly(error("template.language", "must be a language code like pt_BR or en_US"));
    assertThat(strict("template", "{'name': 'a', 'language': {'code': 'pt_BR', 'policy': 'fallback'}}").errors())
        .containsExactly(error("template.language.policy", "must be deterministic"));
    assertThat(strict("template", "{'name': 'a', 'language': {}}").errors()).containsExactly(error("template.language.code", "is required"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"Order_Update", "order-update", "pedido atualizado"})
  void nameIsLowercaseDigitsAndUnderscores(String name) {
    assertThat(strict("template", "{'name': '" + name + "', 'language': 'pt_BR'}").errors())
        .containsExactly(error("template.name", "must be lowercase letters, digits and underscores"));
  }

  @Test
  void nameIsRequired() {
    assertThat(strict("template", "{'language': 'pt_BR'}").errors()).containsExactly(error("template.name", "is required"));
  }

  @Test
  void componentsOfEveryParameterKindInCanonicalForm() {
    String components =
        "{'type': 'header', 'parameters': [{'type': 'image', 'image': {'link': 'https://cdn.example.com/h.png'}}]},"
            + "{'type': 'body', 'parameters': ["
            + "{'type': 'text', 'text': 'Ana'},"
            + "{'type': 'text', 'parameter_name': 'order_id', 'text': 'A-17'},"
            + "{'type': 'currency', 'currency': {'fallback_value': 'R$ 100,99', 'code': 'BRL', 'amount_1000': 100990}},"
            + "{'type': 'date_time', 'date_time': {'fallback_value': '1 de dezembro'}}]},"
            + "{'type': 'button', 'sub_type': 'quick_reply', 'index': '0', 'parameters': [{'type': 'payload', 'payload': 'CONFIRM'}]},"
            + "{'type': 'button', 'sub_type': 'url', 'index': '1', 'parameters': [{'type': 'text', 'text': 'A-17'}]},"
            + "{'type': 'button', 'sub_type': 'copy_code', 'index': '2', 'parameters': [{'type': 'coupon_code', 'coupon_code': 'SAVE10'}]}";
    var result = strict("template", withComponents(components));
    assertThat(result.errors()).isEmpty();
    assertThat(result.content()).isEqualTo(json(canonicalWith(components)));
  }

  @Test
  void camelCaseComponentFieldsAndNumericIndexBecomeMetaForm() {
    String input =
        "{'type': 'button', 'subType': 'quick_reply', 'index': 0, 'parameters': [{'type': 'payload', 'payload': 'OK'}]},"
            + "{'type': 'body', 'parameters': [{'type': 'currency', 'currency': {'fallbackValue': '$1.00', 'code': 'USD', 'amount1000': 1000}},"
            + " {'type': 'text', 'parameterName': 'first_name', 'text': 'Ana'}]}";
    String canonical =
        "{'type': 'button', 'sub_type': 'quick_reply', 'index': '0', 'parameters': [{'type': 'payload', 'payload': 'OK'}]},"
            + "{'type': 'body', 'parameters': [{'type': 'currency', 'currency': {'fallback_value': '$1.00', 'code': 'USD', 'amount_1000': 1000}},"
            + " {'type': 'text', 'parameter_name': 'first_name', 'text': 'Ana'}]}";
    assertThat(strict("template", withComponents(input)).content()).isEqualTo(json(canonicalWith(canonical)));
  }

  @Test
  void textParameterNeedsText() {
    assertThat(strict("template", withComponents("{'type': 'body', 'parameters': [{'type': 'text', 'text': 'a'}, {'type': 'text'}]}")).errors())
        .containsExactly(error("template.components[0].parameters[1].text", "is required"));
  }

  @Test
  void buttonComponentNeedsSubTypeAndIndex() {
    assertThat(strict("template", withComponents("{'type': 'button', 'parameters': [{'type': 'payload', 'payload': 'x'}]}")).errors())
        .containsExactly(
            error("template.components[0].sub_type", "is required"),
            error("template.components[0].index", "is required for button components"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"'a'", "-1", "10", "'10'", "1.5", "true"})
  void buttonIndexIsAPositionFromZeroToNine(String index) {
    assertThat(strict("template", withComponents("{'type': 'button', 'sub_type': 'url', 'index': " + index + "}")).errors())
        .containsExactly(error("template.components[0].index", "must be a button position from 0 to 9"));
  }

  @Test
  void subTypeAndIndexBelongToButtonsOnly() {
    assertThat(strict("template", withComponents("{'type': 'body', 'sub_type': 'url', 'index': 0}")).errors())
        .containsExactly(
            error("template.components[0].sub_type", "only button components have a sub_type"),
            error("template.components[0].index", "only button components have an index"));
  }

  @Test
  void componentTypeMustBeKnown() {
    assertThat(strict("template", withComponents("{'type': 'BODY'}")).errors())
        .containsExactly(error("template.components[0].type", "must be one of header, body, button, footer"));
    assertThat(strict("template", withComponents("{'parameters': []}")).errors())
        .containsExactly(error("template.components[0].type", "is required"));
  }

  @Test
  void parameterRules() {
    String components =
        "{'type': 'body', 'parameters': ["
            + "{'text': 'no type'},"
            + "{'type': 'currency', 'currency': {'fallback_value': 'R$ 1', 'code': 'real', 'amount_1000': 1.5}},"
            + "{'type': 'date_time', 'date_time': {}},"
            + "{'type': 'document', 'document': {'link': 'http://example.com/a.pdf'}},"
            + "{'type': 'payload', 'payload': ''}]}";
    assertThat(strict("template", withComponents(components)).errors())
        .containsExactly(
            error("template.components[0].parameters[0].type", "is required"),
            error("template.components[0].parameters[1].currency.code", "must be an ISO 4217 currency code like BRL"),
            error("template.components[0].parameters[1].currency.amount_1000", "must be a whole number (the amount times 1000)"),
            error("template.components[0].parameters[2].date_time.fallback_value", "is required"),
            error("template.components[0].parameters[3].document.link", "must be an https URL"),
            error("template.components[0].parameters[4].payload", "must not be blank"));
  }

  @Test
  void locationAndDocumentHeaderParameters() {
    String components =
        "{'type': 'header', 'parameters': [{'type': 'location', 'location': {'latitude': -23.5, 'longitude': -46.6, 'name': 'Loja'}}]},"
            + "{'type': 'header', 'parameters': [{'type': 'document', 'document': {'id': '77', 'filename': 'boleto.pdf'}}]}";
    var result = strict("template", withComponents(components));
    assertThat(result.errors()).isEmpty();
    assertThat(result.content().get("components")).isEqualTo(json("[" + components + "]"));
  }

  @Test
  void newerParameterKindsPassThroughWithTheirMember() {
    String components =
        "{'type': 'button', 'sub_type': 'flow', 'index': '0', 'parameters': [{'type': 'action', 'action': {'flow_token': 'T1', 'flow_action_data': {'a': 1}}}]}";
    assertThat(strict("template", withComponents(components)).content().get("components")).isEqualTo(json("[" + components + "]"));
    assertThat(strict("template", withComponents("{'type': 'body', 'parameters': [{'type': 'limited_time_offer'}]}")).errors())
        .containsExactly(error("template.components[0].parameters[0].limited_time_offer", "is required for limited_time_offer parameters"));
  }
}
