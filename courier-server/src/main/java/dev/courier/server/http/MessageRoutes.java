package dev.courier.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.instance.ProviderKind;
import dev.courier.whatsapp.message.Message;
import dev.courier.whatsapp.message.MessageBatch;
import dev.courier.whatsapp.message.MessageStatus;
import dev.courier.whatsapp.message.Messages;
import dev.courier.whatsapp.message.Recipients;
import dev.courier.whatsapp.validation.FieldError;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;

/** {@code /v1/messages}: send, send a batch, read, list, cancel. */
final class MessageRoutes {
  static final int MAX_IDEMPOTENCY_KEY = 255;
  private final WhatsApp wa;

  MessageRoutes(WhatsApp wa) {
    this.wa = wa;
  }

  /** 202 once the message and its send job are committed; a replayed key answers as the first time. */
  void send(Context ctx) throws Exception {
    String key = idempotencyKey(ctx);
    Messages.Accepted a = wa.messages().send(Requests.organization(ctx), JsonBody.read(ctx), key);
    ObjectNode view = wa.messages().view(a);
    if (a.replayed()) {
      ctx.header("Idempotent-Replayed", "true");
    }
    Requests.json(ctx, 202, view);
  }

  /**
   * A batch of up to {@value MessageBatch#MAX_ITEMS} message requests in one transaction (body up to
   * {@value JsonBody#BATCH_MAX_BYTES} bytes): 202 with one result per item, in order, once committed.
   */
  void batch(Context ctx) throws Exception {
    String key = idempotencyKey(ctx);
    MessageBatch.Outcome o = wa.messages().batch(Requests.organization(ctx), JsonBody.read(ctx, JsonBody.BATCH_MAX_BYTES), key);
    if (o.replayed()) {
      ctx.header("Idempotent-Replayed", "true");
    }
    Requests.json(ctx, 202, o.body());
  }

  static String idempotencyKey(Context ctx) {
    String key = ctx.header("Idempotency-Key");
    if (key != null && (key.isBlank() || key.length() > MAX_IDEMPOTENCY_KEY)) {
      throw new ProblemException(Problem.validation(List.of(
          new FieldError("Idempotency-Key", "must be 1-" + MAX_IDEMPOTENCY_KEY + " characters"))));
    }
    return key;
  }

  void get(Context ctx) throws Exception {
    Message m = wa.messages().get(Requests.organization(ctx), ctx.pathParam("id"));
    Requests.json(ctx, 200, wa.messages().view(m));
  }

  void list(Context ctx) throws Exception {
    int limit = Requests.limit(ctx);
    long before = Requests.position(ctx, Long.MAX_VALUE);
    String status = ctx.queryParam("status");
    if (status != null && MessageStatus.of(status).isEmpty()) {
      throw new ProblemException(Problem.validation(List.of(new FieldError("status",
          "must be one of queued, sending, in_doubt, sent, delivered, read, failed, cancelled"))));
    }
    String organization = Requests.organization(ctx);
    String instanceId = ctx.queryParam("instance");
    Instance instance = null;
    if (instanceId != null) {
      // Deleted instances too: their messages stay readable.
      instance = wa.instances().findIncludingDeleted(organization, instanceId).orElseThrow(() -> new ProblemException(
          Problem.validation(List.of(new FieldError("instance", "no instance " + instanceId + " in this organization")))));
    }
    String to = ctx.queryParam("to");
    if (to != null) {
      // Normalised as a send normalises it (the instance's default region; group ids for gateways).
      to = Recipients.normalize(to, instance == null ? null : instance.defaultRegion(),
          instance == null || instance.provider() == ProviderKind.GATEWAY, "to");
    }
    List<Message> page = wa.messages().list(organization, instanceId, status, to, before, limit + 1);
    List<ObjectNode> data = new ArrayList<>();
    for (Message m : page.subList(0, Math.min(limit, page.size()))) {
      data.add(wa.messages().view(m));
    }
    String next = page.size() > limit ? Requests.cursor(page.get(limit - 1).seq()) : null;
    Requests.json(ctx, 200, Requests.page(data, next));
  }

  void cancel(Context ctx) throws Exception {
    Message m = wa.messages().cancel(Requests.organization(ctx), ctx.pathParam("id"));
    Requests.json(ctx, 200, wa.messages().view(m));
  }
}
