package dev.courier.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.whatsapp.NotFoundException;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.message.CloudApiRequestMapper;
import dev.courier.whatsapp.message.Messages;
import dev.courier.whatsapp.validation.InvalidRequestException;
import io.javalin.http.Context;
import java.sql.SQLException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The Cloud API compatible endpoint: {@code POST /graph/{apiVersion}/{phoneNumberId}/messages}
 * takes the WhatsApp Cloud API's send request and answers its response shape, so a Cloud API SDK
 * whose base URL points at Courier's {@code /graph} sends through Courier's queue. The bearer token
 * is a Courier API key (checked as for {@code /v1}); the phone number id is that of one of the key's
 * organization's instances ({@code settings.phoneNumberId} of a {@code cloud_api} instance, or of a
 * {@code simulator} that sets one), or a Courier instance id ({@code ins_…}). Errors, all of them,
 * come in Meta's envelope ({@link CloudApiError}).
 */
final class GraphRoutes {
  /** Where the endpoint lives; every error under it is answered in the Cloud API's envelope. */
  static final String PREFIX = "/graph/";
  private static final Pattern VERSION = Pattern.compile("v\\d{1,3}\\.\\d{1,2}");
  private static final Pattern PHONE_NUMBER_ID = Pattern.compile("[0-9]{1,32}");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final WhatsApp wa;

  GraphRoutes(WhatsApp wa) {
    this.wa = wa;
  }

  /** Whether a request is the Cloud API compatible endpoint's. */
  static boolean handles(Context ctx) {
    return ctx.path().startsWith(PREFIX) || ctx.path().equals("/graph");
  }

  /** 200 with Meta's answer once the message and its send job are committed. */
  void send(Context ctx) throws Exception {
    String version = ctx.pathParam("apiVersion");
    String phoneNumberId = ctx.pathParam("phoneNumberId");
    if (!VERSION.matcher(version).matches()) {
      throw new CloudApiException(CloudApiError.unknownPath("/" + version + "/" + phoneNumberId + "/messages"));
    }
    String organization = Requests.organization(ctx);
    Instance instance = instance(organization, phoneNumberId)
        .orElseThrow(() -> new CloudApiException(CloudApiError.unknownObject(ctx.method().name(), phoneNumberId)));
    String key = MessageRoutes.idempotencyKey(ctx);
    JsonNode body = JsonBody.parse(ctx);
    CloudApiRequestMapper.Mapping mapping = CloudApiRequestMapper.map(body, instance.id());
    if (!mapping.errors().isEmpty()) {
      // Refused: report the request's other errors with the mapping's.
      try {
        wa.messages().draft(organization, mapping.request(), true);
      } catch (InvalidRequestException e) {
        throw mapping.merged(e);
      }
      throw mapping.merged(null);
    }
    Messages.Accepted accepted;
    try {
      accepted = wa.messages().send(organization, mapping.request(), true, key);
    } catch (InvalidRequestException e) {
      throw mapping.merged(e);
    }
    if (accepted.replayed()) {
      ctx.header("Idempotent-Replayed", "true");
    }
    ObjectNode answer = JSON.createObjectNode();
    answer.put("messaging_product", "whatsapp");
    answer.putArray("contacts").addObject()
        .put("input", body.get("to").asText())
        .put("wa_id", CloudApiRequestMapper.waId(accepted.message().recipient()));
    answer.putArray("messages").addObject()
        .put("id", accepted.message().id())
        .put("message_status", "accepted");
    Requests.json(ctx, 200, answer);
  }

  /** The caller's instance with this Meta phone number id, or this Courier instance id. */
  private Optional<Instance> instance(String organization, String id) throws SQLException {
    if (PHONE_NUMBER_ID.matcher(id).matches()) {
      return wa.instances().byPhoneNumberId(organization, id);
    }
    if (id.startsWith("ins_")) {
      try {
        return Optional.of(wa.instances().get(organization, id));
      } catch (NotFoundException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }
}
