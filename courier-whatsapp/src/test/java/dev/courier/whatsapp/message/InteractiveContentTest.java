package dev.courier.whatsapp.message;

import static dev.courier.whatsapp.message.Validation.error;
import static dev.courier.whatsapp.message.Validation.json;
import static dev.courier.whatsapp.message.Validation.lenient;
import static dev.courier.whatsapp.message.Validation.strict;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class InteractiveContentTest {
  private static String button(String id, String title) {
    return "{'type': 'reply', 'reply': {'id': '" + id + "', 'title': '" + title + "'}}";
  }

  private static String buttons(String... items) {
    return "{'type': 'button', 'body': {'text': 'Confirma?'}, 'action': {'buttons': [" + String.join(",", items) + "]}}";
  }

  private static String rows(int from, int count) {
    return IntStream.range(from, from + count).mapToObj(i -> "{'id': 'r" + i + "', 'title': 'Row " + i + "'}").collect(Collectors.joining(","));
  }

  @Test
  void replyButtonsWithTextHeaderAndFooterInCanonicalOrder() {
    var result =
        strict(
            "interactive",
            "{'action': {'buttons': [" + button("yes", "Sim") + "," + button("no", "Não") + "]}, 'footer': {'text': 'Courier'},"
                + " 'body': {'text': 'Confirma o pedido?'}, 'header': {'type': 'text', 'text': 'Pedido A-17'}, 'type': 'button'}");
    assertThat(result.errors()).isEmpty();
    assertThat(result.content().toString())
        .isEqualTo(
            json(
                    "{'type': 'button', 'header': {'type': 'text', 'text': 'Pedido A-17'}, 'body': {'text': 'Confirma o pedido?'},"
                        + " 'footer': {'text': 'Courier'}, 'action': {'buttons': ["
                        + button("yes", "Sim") + "," + button("no", "Não") + "]}}")
                .toString());
  }

  @Test
  void replyButtonTypeDefaultsToReply() {
    var result = strict("interactive", "{'type': 'button', 'body': {'text': 'Ok?'}, 'action': {'buttons': [{'reply': {'id': 'a', 'title': 'A'}}]}}");
    assertThat(result.content()).isEqualTo(json(buttons(button("a", "A")).replace("Confirma?", "Ok?")));
  }

  @Test
  void replyButtonWithImageHeader() {
    var result =
        strict(
            "interactive",
            "{'type': 'button', 'header': {'type': 'image', 'image': {'link': 'https://cdn.example.com/p.png'}},"
                + " 'body': {'text': 'Gostou?'}, 'action': {'buttons': [" + button("y", "Sim") + "]}}");
    assertThat(result.errors()).isEmpty();
    assertThat(result.content().get("header")).isEqualTo(json("{'type': 'image', 'image': {'link': 'https://cdn.example.com/p.png'}}"));
  }

  @Test
  void atMostThreeReplyButtons() {
    var result = strict("interactive", buttons(button("a", "A"), button("b", "B"), button("c", "C"), button("d", "D")));
    assertThat(result.errors()).containsExactly(error("interactive.action.buttons[3]", "at most 3 reply buttons"));
  }

  @Test
  void atLeastOneReplyButton() {
    assertThat(strict("interactive", buttons()).errors()).containsExactly(error("interactive.action.buttons", "needs at least 1 reply button"));
  }

  @Test
  void replyButtonIdsAndTitlesMustBeUnique() {
    assertThat(strict("interactive", buttons(button("a", "A"), button("a", "B"), button("c", "A"))).errors())
        .containsExactly(
            error("interactive.action.buttons[1].reply.id", "must be unique"),
            error("interactive.action.buttons[2].reply.title", "must be unique"));
  }

  @Test
  void replyButtonLimits() {
    assertThat(strict("interactive", buttons(button("i".repeat(257), "t".repeat(21)))).errors())
        .containsExactly(
            error("interactive.action.buttons[0].reply.id", "at most 256 characters"),
            error("interactive.action.buttons[0].reply.title", "at most 20 characters"));
    assertThat(strict("interactive", buttons(button("i".repeat(256), "t".repeat(20)))).errors()).isEmpty();
  }

  @Test
  void replyButtonTypeMustBeReply() {
    assertThat(strict("interactive", buttons("{'type': 'url', 'reply': {'id': 'a', 'title': 'A'}}")).errors())
        .containsExactly(error("interactive.action.buttons[0].type", "must be reply"));
  }

  @Test
  void buttonBodyIsRequiredAndAtMost1024Characters() {
    assertThat(strict("interactive", "{'type': 'button', 'action': {'buttons': [" + button("a", "A") + "]}}").errors())
        .containsExactly(error("interactive.body", "is required"));
    assertThat(strict("interactive", buttons(button("a", "A")).replace("Confirma?", "x".repeat(1025))).errors())
        .containsExactly(error("interactive.body.text", "at most 1024 characters"));
  }

  @Test
  void headerAndFooterTextAtMost60Characters() {
    String message =
        "{'type': 'button', 'header': {'type': 'text', 'text': '" + "h".repeat(61) + "'}, 'body': {'text': 'b'},"
            + " 'footer': {'text': '" + "f".repeat(61) + "'}, 'action': {'buttons': [" + button("a", "A") + "]}}";
    assertThat(strict("interactive", message).errors())
        .containsExactly(
            error("interactive.header.text", "at most 60 characters"), error("interactive.footer.text", "at most 60 characters"));
  }

  @Test
  void mediaHeaderNeedsItsMediaObjectWithHttpsLink() {
    String message =
        "{'type': 'button', 'header': {'type': 'video', 'video': {'link': 'http://cdn.example.com/v.mp4'}}, 'body': {'text': 'b'},"
            + " 'action': {'buttons': [" + button("a", "A") + "]}}";
    assertThat(strict("interactive", message).errors()).containsExactly(error("interactive.header.video.link", "must be an https URL"));
    assertThat(strict("interactive", message.replace("'video': {'link': 'http://cdn.example.com/v.mp4'}", "'text': 'oops'")).errors())
        .containsExactly(error("interactive.header.video", "is required"), error("interactive.header.text", "unknown field"));
  }

  @Test
  void listWithTwoTitledSections() {
    String message =
        "{'type': 'list', 'header': {'type': 'text', 'text': 'Frete'}, 'body': {'text': 'Escolha o frete'}, 'footer': {'text': 'Courier'},"
            + " 'action': {'button': 'Opções', 'sections': ["
            + "{'title': 'Rápido', 'rows': [{'id': 'express', 'title': 'Expresso', 'description': 'Amanhã'}]},"
            + "{'title': 'Barato', 'rows': [{'id': 'normal', 'title': 'Normal'}]}]}}";
    var result = strict("interactive", message);
    assertThat(result.errors()).isEmpty();
    assertThat(result.content()).isEqualTo(json(message));
  }

  @Test
  void listSectionTitleIsOptionalForOneSectionAndRequiredForMore() {
    String one = "{'type': 'list', 'body': {'text': 'b'}, 'action': {'button': 'Ver', 'sections': [{'rows': [" + rows(0, 2) + "]}]}}";
    assertThat(strict("interactive", one).errors()).isEmpty();
    String two =
        "{'type': 'list', 'body': {'text': 'b'}, 'action': {'button': 'Ver', 'sections': [{'title': 'A', 'rows': [" + rows(0, 1)
            + "]}, {'rows': [" + rows(1, 1) + "]}]}}";
    assertThat(strict("interactive", two).errors())
        .containsExactly(error("interactive.action.sections[1].title", "is required when there is more than 1 section"));
  }

  @Test
  void listRowsAreAtMostTenInAllSections() {
    String message =
        "{'type': 'list', 'body': {'text': 'b'}, 'action': {'button': 'Ver', 'sections': [{'title': 'A', 'rows': [" + rows(0, 6)
            + "]}, {'title': 'B', 'rows': [" + rows(6, 5) + "]}]}}";
    assertThat(strict("interactive", message).errors())
        .containsExactly(error("interactive.action.sections[1].rows[4]", "at most 10 rows in all sections"));
  }

  @Test
  void listSectionsAreOneToTen() {
    String sections =
        IntStream.range(0, 11).mapToObj(i -> "{'title': 'S" + i + "', 'rows': [" + rows(i, 1) + "]}").collect(Collectors.joining(","));
    assertThat(strict("interactive", "{'type': 'list', 'body': {'text': 'b'}, 'action': {'button': 'Ver', 'sections': [" + sections + "]}}").errors())
        .containsExactly(error("interactive.action.sections[10]", "at most 10 sections"));
    assertThat(strict("interactive", "{'type': 'list', 'body': {'text': 'b'}, 'action': {'button': 'Ver', 'sections': []}}").errors())
        .containsExactly(error("interactive.action.sections", "needs at least 1 section"));
  }

  @Test
  void listRowLimitsAndUniqueIdsAcrossSections() {
    String message =
        "{'type': 'list', 'body': {'text': 'b'}, 'action': {'button': '" + "b".repeat(21) + "', 'sections': ["
            + "{'title': '" + "s".repeat(25) + "', 'rows': [{'id': 'x', 'title': '" + "t".repeat(25) + "', 'description': '" + "d".repeat(73) + "'}]},"
            + "{'title': 'B', 'rows': [{'id': 'x', 'title': 'ok'}, {'id': '" + "i".repeat(201) + "', 'title': 'ok2'}]}]}}";
    assertThat(strict("interactive", message).errors())
        .containsExactly(
            error("interactive.action.button", "at most 20 characters"),
            error("interactive.action.sections[0].title", "at most 24 characters"),
            error("interactive.action.sections[0].rows[0].title", "at most 24 characters"),
            error("interactive.action.sections[0].rows[0].description", "at most 72 characters"),
            error("interactive.action.sections[1].rows[0].id", "must be unique"),
            error("interactive.action.sections[1].rows[1].id", "at most 200 characters"));
  }

  @Test
  void listBodyMayHave4096Characters() {
    String message = "{'type': 'list', 'body': {'text': '" + "x".repeat(4096) + "'}, 'action': {'button': 'Ver', 'sections': [{'rows': [" + rows(0, 1) + "]}]}}";
    assertThat(strict("interactive", message).errors()).isEmpty();
  }

  @Test
  void listTakesATextHeaderOnly() {
    String message =
        "{'type': 'list', 'header': {'type': 'image', 'image': {'id': '1'}}, 'body': {'text': 'b'},"
            + " 'action': {'button': 'Ver', 'sections': [{'rows': [" + rows(0, 1) + "]}]}}";
    assertThat(strict("interactive", message).errors()).containsExactly(error("interactive.header.type", "list messages take a text header only"));
  }

  @Test
  void ctaUrlFromCamelCaseWithDefaultActionName() {
    var result =
        strict(
            "interactive",
            "{'type': 'cta_url', 'body': {'text': 'Veja as datas'}, 'action': {'parameters': {'displayText': 'Ver datas', 'url': 'https://example.com/d?x=1'}}}");
    assertThat(result.errors()).isEmpty();
    assertThat(result.content())
        .isEqualTo(
            json(
                "{'type': 'cta_url', 'body': {'text': 'Veja as datas'},"
                    + " 'action': {'name': 'cta_url', 'parameters': {'display_text': 'Ver datas', 'url': 'https://example.com/d?x=1'}}}"));
  }

  @Test
  void ctaUrlRules() {
    var result =
        strict(
            "interactive",
            "{'type': 'cta_url', 'body': {'text': 'b'}, 'action': {'name': 'flow', 'parameters': {'display_text': '" + "d".repeat(21)
                + "', 'url': 'http://example.com'}}}");
    assertThat(result.errors())
        .containsExactly(
            error("interactive.action.name", "must be cta_url"),
            error("interactive.action.parameters.display_text", "at most 20 characters"),
            error("interactive.action.parameters.url", "must be an https URL"));
  }

  @Test
  void unsupportedOrMissingInteractiveType() {
    assertThat(strict("interactive", "{'type': 'flow', 'body': {'text': 'b'}}").errors())
        .containsExactly(error("interactive.type", "must be one of button, list, cta_url"));
    assertThat(strict("interactive", "{'body': {'text': 'b'}}").errors()).containsExactly(error("interactive.type", "is required"));
  }

  @Test
  void unknownFieldsDeepInsideAreReportedOrDropped() {
    String message = buttons("{'type': 'reply', 'reply': {'id': 'a', 'title': 'A', 'color': 'red'}}");
    assertThat(strict("interactive", message).errors()).containsExactly(error("interactive.action.buttons[0].reply.color", "unknown field"));
    assertThat(lenient("interactive", message).content()).isEqualTo(json(buttons(button("a", "A"))));
  }
}
