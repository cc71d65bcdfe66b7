package dev.courier.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.queue.testing.TestDatabase;
import dev.courier.server.CourierServer;
import dev.courier.server.testing.Configs;
import dev.courier.server.testing.Http;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.whatsapp.WhatsAppComponent;
import org.apache.camel.component.whatsapp.model.Action;
import org.apache.camel.component.whatsapp.model.BaseMessage;
import org.apache.camel.component.whatsapp.model.Body;
import org.apache.camel.component.whatsapp.model.Button;
import org.apache.camel.component.whatsapp.model.Component;
import org.apache.camel.component.whatsapp.model.ContactMessage;
import org.apache.camel.component.whatsapp.model.ContactMessageRequest;
import org.apache.camel.component.whatsapp.model.InteractiveMessage;
import org.apache.camel.component.whatsapp.model.InteractiveMessageRequest;
import org.apache.camel.component.whatsapp.model.Language;
import org.apache.camel.component.whatsapp.model.LocationMessage;
import org.apache.camel.component.whatsapp.model.LocationMessageRequest;
import org.apache.camel.component.whatsapp.model.MediaMessage;
import org.apache.camel.component.whatsapp.model.MediaMessageRequest;
import org.apache.camel.component.whatsapp.model.MessageResponse;
import org.apache.camel.component.whatsapp.model.Name;
import org.apache.camel.component.whatsapp.model.Parameter;
import org.apache.camel.component.whatsapp.model.Phone;
import org.apache.camel.component.whatsapp.model.Reply;
import org.apache.camel.component.whatsapp.model.TemplateMessage;
import org.apache.camel.component.whatsapp.model.TemplateMessageRequest;
import org.apache.camel.component.whatsapp.model.TextMessage;
import org.apache.camel.component.whatsapp.model.TextMessageRequest;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /graph/{apiVersion}/{phoneNumberId}/messages} through a real server on a test
 * database: driven by a published WhatsApp Cloud API client (Apache Camel's whatsapp component,
 * whose base URI is set to Courier's {@code /graph}) and by raw requests for what that client does
 * not send.
 */
class CloudApiCompatibleEndpointTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KEY = "ck_test_admin_key_for_cloud_api_endpoint";
  private static final String RECIPIENT = "5511988887777";

  @TempDir static Path dataDir;
  static CourierServer server;
  static CamelContext camel;

  @BeforeAll
  static void start() throws Exception {
    Map<String, String> env = Configs.externalEnv(dataDir, TestDatabase.createDatabase());
    env.put("COURIER_API_KEY", KEY);
    server = CourierServer.start(Configs.load(env));
    WhatsAppComponent whatsapp = new WhatsAppComponent();
    whatsapp.setBaseUri(server.url() + "/graph");
    whatsapp.setApiVersion("v23.0");
    whatsapp.setAuthorizationToken(KEY);
    camel = new DefaultCamelContext();
    camel.addComponent("whatsapp", whatsapp);
    camel.start();
  }

  @AfterAll
  static void stop() {
    if (camel != null) {
      camel.stop();
    }
    if (server != null) {
      server.close();
    }
  }

  /** A simulator instance that the Cloud API endpoint addresses by a Meta-style phone number id. */
  private static String simulator(String name, String phoneNumberId) throws Exception {
    HttpResponse<String> r = Http.send("POST", server.url() + "/v1/instances",
        "{\"name\": \"" + name + "\", \"provider\": \"simulator\", \"settings\": {\"phoneNumberId\": \"" + phoneNumberId + "\"}}", KEY);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return JSON.readTree(r.body()).get("id").asText();
  }

  private static MessageResponse send(ProducerTemplate client, String phoneNumberId, BaseMessage message) {
    return client.requestBody("whatsapp:" + phoneNumberId, message, MessageResponse.class);
  }

  private static HttpResponse<String> graph(String path, String json, String key, Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(20))
        .POST(HttpRequest.BodyPublishers.ofString(json)).header("Content-Type", "application/json");
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    headers.forEach(b::header);
    try (HttpClient c = HttpClient.newHttpClient()) {
      return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static HttpResponse<String> graph(String path, String json) {
    return graph(path, json, KEY, Map.of());
  }

  private static JsonNode body(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  private static List<String> outbox(String instanceId) throws Exception {
    JsonNode page = body(Http.get(server.url() + "/v1/instances/" + instanceId + "/outbox?limit=500", KEY));
    return page.get("data").findValuesAsText("messageId");
  }

  private static JsonNode message(String id) throws Exception {
    return body(Http.get(server.url() + "/v1/messages/" + id, KEY));
  }

  @Test
  void aPublishedCloudApiClientSendsTextImageTemplateInteractiveLocationAndContactsThatLeaveInOrder() throws Exception {
    String phoneNumberId = "106540352242922";
    String instance = simulator("graph-camel", phoneNumberId);
    ProducerTemplate client = camel.createProducerTemplate();

    TextMessageRequest text = new TextMessageRequest();
    text.setTo(RECIPIENT);
    TextMessage t = new TextMessage();
    t.setBody("Olá from a Cloud API client");
    text.setText(t);

    MediaMessage picture = new MediaMessage();
    picture.setLink("https://example.com/receipt.png");
    picture.setCaption("your receipt");
    MediaMessageRequest image = new MediaMessageRequest("image", picture);
    image.setTo(RECIPIENT);

    TemplateMessageRequest template = new TemplateMessageRequest();
    template.setTo(RECIPIENT);
    TemplateMessage tm = new TemplateMessage();
    tm.setName("order_confirmation");
    Language language = new Language();
    language.setCode("pt_BR");
    tm.setLanguage(language);
    Component bodyComponent = new Component();
    bodyComponent.setType("body");
    Parameter name = new Parameter();
    name.setType("text");
    name.setText("Ana");
    bodyComponent.setParameters(List.of(name));
    tm.setComponents(List.of(bodyComponent));
    template.setTemplate(tm);

    InteractiveMessageRequest interactive = new InteractiveMessageRequest();
    interactive.setTo(RECIPIENT);
    InteractiveMessage im = new InteractiveMessage();
    im.setType("button");
    Body question = new Body();
    question.setText("Confirm the appointment?");
    im.setBody(question);
    Action action = new Action();
    List<Button> buttons = new ArrayList<>();
    for (String[] b : new String[][] {{"yes", "Yes"}, {"no", "No"}}) {
      Reply reply = new Reply();
      reply.setId(b[0]);
      reply.setTitle(b[1]);
      Button button = new Button();
      button.setReply(reply);
      buttons.add(button);
    }
    action.setButtons(buttons);
    im.setAction(action);
    interactive.setInteractive(im);

    LocationMessageRequest location = new LocationMessageRequest();
    location.setTo(RECIPIENT);
    LocationMessage lm = new LocationMessage();
    lm.setLatitude("-23.5505");
    lm.setLongitude("-46.6333");
    lm.setName("Clinic");
    location.setLocation(lm);

    ContactMessageRequest contacts = new ContactMessageRequest();
    contacts.setTo(RECIPIENT);
    ContactMessage card = new ContactMessage();
    Name cardName = new Name();
    cardName.setFormattedName("Ana Lima");
    cardName.setFirstName("Ana");
    card.setName(cardName);
    Phone phone = new Phone();
    phone.setPhone("+5511977776666");
    phone.setType("CELL");
    card.setPhones(List.of(phone));
    card.setBirthday(LocalDate.of(1990, 12, 31));
    contacts.setContacts(List.of(card));

    List<BaseMessage> sent = List.of(text, image, template, interactive, location, contacts);
    List<String> ids = new ArrayList<>();
    for (BaseMessage m : sent) {
      MessageResponse answer = send(client, phoneNumberId, m);
      assertThat(answer.getMessagingProduct()).isEqualTo("whatsapp");
      assertThat(answer.getContacts()).singleElement().satisfies(c -> {
        assertThat(c.getInput()).isEqualTo(RECIPIENT);
        assertThat(c.getWaId()).isEqualTo(RECIPIENT);
      });
      assertThat(answer.getMessages()).singleElement().satisfies(msg -> {
        assertThat(msg.getId()).startsWith("msg_");
        assertThat(msg.getMessageStatus()).isEqualTo("accepted");
      });
      ids.add(answer.getMessages().get(0).getId());
    }
    assertThat(ids).doesNotHaveDuplicates();

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(outbox(instance)).hasSize(ids.size()));
    assertThat(outbox(instance)).as("the simulator got them in the order the client sent them").containsExactlyElementsOf(ids);
    JsonNode entries = body(Http.get(server.url() + "/v1/instances/" + instance + "/outbox", KEY)).get("data");
    assertThat(entries.findValuesAsText("type"))
        .containsExactly("text", "image", "template", "interactive", "location", "contacts");
    assertThat(entries.findValuesAsText("to")).containsOnly("+" + RECIPIENT);

    JsonNode tpl = message(ids.get(2));
    assertThat(tpl.get("template").get("name").asText()).isEqualTo("order_confirmation");
    assertThat(tpl.get("template").get("language").get("code").asText()).isEqualTo("pt_BR");
    JsonNode card0 = message(ids.get(5)).get("contacts").get(0);
    assertThat(card0.get("name").get("formatted_name").asText()).isEqualTo("Ana Lima");
    assertThat(card0.get("birthday").asText()).isEqualTo("1990-12-31");
    assertThat(message(ids.get(4)).get("location").get("latitude").asDouble()).isEqualTo(-23.5505);
  }

  @Test
  void theClientLibrarySeesTheCloudApiErrorForAnUnknownPhoneNumberId() {
    TextMessageRequest text = new TextMessageRequest();
    text.setTo(RECIPIENT);
    TextMessage t = new TextMessage();
    t.setBody("nobody home");
    text.setText(t);
    ProducerTemplate client = camel.createProducerTemplate();
    assertThatThrownBy(() -> send(client, "999000999", text))
        .isInstanceOf(CamelExecutionException.class)
        .cause().hasMessageContaining("responded: 400")
        .hasMessageContaining("\"code\":100")
        .hasMessageContaining("Object with ID '999000999' does not exist");
  }

  @Test
  void fieldsCourierDoesNotUseAreIgnoredAndContextAndCallbackDataAreKept() throws Exception {
    String instance = simulator("graph-lenient", "106540352242923");
    HttpResponse<String> r = graph("/graph/v21.0/106540352242923/messages", """
        {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "+55 11 98888-7777",
         "type": "image",
         "image": {"link": "https://example.com/a.png", "caption": "hi", "some_new_meta_field": true},
         "text": {"body": "not this one"},
         "context": {"message_id": "wamid.HBgLNTUxMTk4ODg4Nzc3NxUCABIYFjNFQjBDNzFEMjQ5"},
         "biz_opaque_callback_data": "crm-ticket-42", "future_top_level_field": {"a": 1}}""");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    JsonNode answer = body(r);
    String id = answer.at("/messages/0/id").asText();
    assertThat(answer).isEqualTo(JSON.readTree("""
        {"messaging_product": "whatsapp",
         "contacts": [{"input": "+55 11 98888-7777", "wa_id": "5511988887777"}],
         "messages": [{"id": "%s", "message_status": "accepted"}]}""".formatted(id)));
    JsonNode m = message(id);
    assertThat(m.get("instanceId").asText()).isEqualTo(instance);
    assertThat(m.get("to").asText()).isEqualTo("+5511988887777");
    assertThat(m.get("replyTo").asText()).isEqualTo("wamid.HBgLNTUxMTk4ODg4Nzc3NxUCABIYFjNFQjBDNzFEMjQ5");
    assertThat(m.get("metadata").get("bizOpaqueCallbackData").asText()).isEqualTo("crm-ticket-42");
    assertThat(m.get("image").has("some_new_meta_field")).isFalse();
    assertThat(m.get("image").get("caption").asText()).isEqualTo("hi");
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(outbox(instance)).containsExactly(id));
  }

  @Test
  void anInstanceIsAlsoAddressedByItsCourierIdAndTypeDefaultsToText() throws Exception {
    HttpResponse<String> r = graph("/graph/v23.0/ins_demo/messages",
        "{\"messaging_product\": \"whatsapp\", \"to\": \"5511966665555\", \"text\": {\"body\": \"demo\"}}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    String id = body(r).at("/messages/0/id").asText();
    assertThat(message(id).get("type").asText()).isEqualTo("text");
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(outbox("ins_demo")).contains(id));
  }

  @Test
  void anIdempotencyKeyAnswersTheFirstMessageAndRefusesAnotherBody() throws Exception {
    simulator("graph-idem", "106540352242924");
    String path = "/graph/v23.0/106540352242924/messages";
    String request = "{\"messaging_product\": \"whatsapp\", \"to\": \"5511955554444\", \"type\": \"text\", \"text\": {\"body\": \"once\"}}";
    HttpResponse<String> first = graph(path, request, KEY, Map.of("Idempotency-Key", "order-17-confirmation"));
    HttpResponse<String> again = graph(path, request, KEY, Map.of("Idempotency-Key", "order-17-confirmation"));
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(body(again).at("/messages/0/id").asText()).isEqualTo(body(first).at("/messages/0/id").asText());
    assertThat(again.headers().firstValue("Idempotent-Replayed")).contains("true");
    HttpResponse<String> other = graph(path, request.replace("once", "twice"), KEY, Map.of("Idempotency-Key", "order-17-confirmation"));
    assertThat(other.statusCode()).isEqualTo(422);
    assertThat(body(other).at("/error/code").asInt()).isEqualTo(100);
    assertThat(body(other).at("/error/error_data/details").asText()).contains("Idempotency-Key order-17-confirmation");
  }

  @Test
  void errorsComeInTheCloudApiEnvelopeWithMetasCodesAndNeverAsProblems() throws Exception {
    simulator("graph-errors", "106540352242925");
    String path = "/graph/v23.0/106540352242925/messages";
    String valid = "{\"messaging_product\": \"whatsapp\", \"to\": \"5511944443333\", \"text\": {\"body\": \"x\"}}";

    assertCloudError(graph(path, valid, null, Map.of()), 401, 190, "OAuthException", "An active access token");
    assertCloudError(graph(path, valid, "ck_not_a_key", Map.of()), 401, 190, "OAuthException", "Invalid OAuth access token");

    JsonNode unknown = assertCloudError(graph("/graph/v23.0/123456789/messages", valid), 400, 100, "GraphMethodException",
        "Unsupported post request. Object with ID '123456789' does not exist");
    assertThat(unknown.at("/error/error_subcode").asInt()).isEqualTo(33);

    JsonNode invalid = assertCloudError(graph(path,
        "{\"messaging_product\": \"whatsapp\", \"to\": \"not a phone\", \"type\": \"image\", \"image\": {\"caption\": \"no media\"},"
            + " \"context\": {\"message_id\": 17}}"), 400, 100, "OAuthException", "(#100) Invalid parameter");
    assertThat(invalid.at("/error/error_data/details").asText()).contains("to: ", "image", "context.message_id: ");

    assertThat(assertCloudError(graph(path, "{\"to\": \"5511944443333\", \"text\": {\"body\": \"x\"}}"), 400, 100,
        "OAuthException", "Invalid parameter").at("/error/error_data/details").asText()).contains("messaging_product: is required");
    assertThat(assertCloudError(graph(path, "{\"messaging_product\": "), 400, 100, "OAuthException", "Invalid parameter")
        .at("/error/error_data/details").asText()).contains("malformed JSON");
    assertThat(assertCloudError(graph(path, valid.replace("\"text\"", "\"type\": \"poll\", \"poll\": {}, \"text\"")), 400, 100,
        "OAuthException", "Invalid parameter").at("/error/error_data/details").asText()).contains("type: must be one of");
    assertCloudError(graph("/graph/latest/106540352242925/messages", valid), 400, 2500, "OAuthException", "Unknown path components");
    assertCloudError(Http.send("GET", server.url() + path, null, KEY), 400, 100, "GraphMethodException", "Unsupported get request");
    assertCloudError(graph("/graph/v23.0/106540352242925/media", valid), 400, 100, "GraphMethodException", "Unsupported post request");
  }

  private static JsonNode assertCloudError(HttpResponse<String> r, int status, int code, String type, String message)
      throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    JsonNode e = body(r);
    assertThat(e.fieldNames()).toIterable().containsExactly("error");
    assertThat(e.at("/error/code").asInt()).as(r.body()).isEqualTo(code);
    assertThat(e.at("/error/type").asText()).isEqualTo(type);
    assertThat(e.at("/error/message").asText()).contains(message);
    assertThat(e.at("/error/error_data/messaging_product").asText()).isEqualTo("whatsapp");
    assertThat(e.at("/error/error_data/details").asText()).isNotBlank();
    assertThat(e.at("/error/fbtrace_id").asText()).startsWith("A").hasSizeGreaterThan(10);
    return e;
  }
}
