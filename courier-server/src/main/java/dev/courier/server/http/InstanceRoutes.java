package dev.courier.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.instance.InstanceInUseException;
import dev.courier.whatsapp.instance.Instances;
import dev.courier.whatsapp.message.Message;
import dev.courier.whatsapp.simulator.SimulatorStore;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code /v1/instances}: create, list, read, change, delete, pause and resume, queue, outbox. */
final class InstanceRoutes {
  private final WhatsApp wa;

  InstanceRoutes(WhatsApp wa) {
    this.wa = wa;
  }

  void create(Context ctx) throws Exception {
    Instances.Created c = wa.instances().create(Requests.organization(ctx), JsonBody.read(ctx), MessageRoutes.idempotencyKey(ctx));
    if (c.replayed()) {
      ctx.header("Idempotent-Replayed", "true");
    }
    Requests.json(ctx, 201, Instances.toJson(c.instance()));
  }

  void list(Context ctx) throws Exception {
    int limit = Requests.limit(ctx);
    String after = ctx.queryParam("cursor") == null ? null : cursorId(ctx.queryParam("cursor"));
    List<Instance> page = wa.instances().list(Requests.organization(ctx), after, limit + 1);
    List<ObjectNode> data = page.stream().limit(limit).map(Instances::toJson).toList();
    String next = page.size() > limit ? idCursor(page.get(limit - 1).id()) : null;
    Requests.json(ctx, 200, Requests.page(data, next));
  }

  void get(Context ctx) throws Exception {
    Requests.json(ctx, 200, Instances.toJson(wa.instances().get(Requests.organization(ctx), ctx.pathParam("id"))));
  }

  /** PATCH: the members given change (see {@link Instances#update}); 200 with the instance. */
  void update(Context ctx) throws Exception {
    Instance i = wa.instances().update(Requests.organization(ctx), ctx.pathParam("id"), JsonBody.read(ctx));
    Requests.json(ctx, 200, Instances.toJson(i));
  }

  /**
   * DELETE: 409 while the instance has unfinished messages, unless {@code ?force=true} (its queued
   * messages are then cancelled first); 200 with what was done.
   */
  void delete(Context ctx) throws Exception {
    boolean force = Requests.bool(ctx, "force", false);
    Instances.Deleted d;
    try {
      d = wa.instances().delete(Requests.organization(ctx), ctx.pathParam("id"), force);
    } catch (InstanceInUseException e) {
      Map<String, Object> ext = new LinkedHashMap<>();
      ext.put("queuedMessages", e.queued());
      ext.put("inFlightMessages", e.inFlight());
      throw new ProblemException(Problem.conflict(e.getMessage(), ext));
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("id", d.instance().id());
    body.put("deleted", true);
    body.put("deletedAt", d.deletedAt().toString());
    body.put("cancelledMessages", d.cancelledMessages());
    Requests.json(ctx, 200, body);
  }

  void pause(Context ctx) throws Exception {
    Requests.json(ctx, 200, Instances.toJson(wa.instances().pause(Requests.organization(ctx), ctx.pathParam("id"), "paused through the API")));
  }

  void resume(Context ctx) throws Exception {
    Requests.json(ctx, 200, Instances.toJson(wa.instances().resume(Requests.organization(ctx), ctx.pathParam("id"))));
  }

  /** Queued messages in the order they will go, with positions. */
  void queue(Context ctx) throws Exception {
    int limit = Requests.limit(ctx);
    long offset = Requests.position(ctx, 0);
    List<Message> page = wa.messages().queue(Requests.organization(ctx), ctx.pathParam("id"), offset, limit + 1);
    List<Map<String, Object>> data = new ArrayList<>();
    for (int n = 0; n < Math.min(limit, page.size()); n++) {
      Message m = page.get(n);
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("position", offset + n + 1);
      e.put("id", m.id());
      e.put("to", m.recipient());
      e.put("type", m.type());
      e.put("priority", m.priority());
      e.put("scheduledAt", m.scheduledAt().toString());
      data.add(e);
    }
    Requests.json(ctx, 200, Requests.page(data, page.size() > limit ? Requests.cursor(offset + limit) : null));
  }

  void cancelQueue(Context ctx) throws Exception {
    int n = wa.messages().cancelQueued(Requests.organization(ctx), ctx.pathParam("id"), ctx.queryParam("chat"));
    Requests.json(ctx, 200, Map.of("cancelled", n));
  }

  void outbox(Context ctx) throws Exception {
    int limit = Requests.limit(ctx);
    long after = Requests.position(ctx, 0);
    List<SimulatorStore.OutboxEntry> page = wa.outbox(Requests.organization(ctx), ctx.pathParam("id"), after, limit + 1);
    List<Map<String, Object>> data = new ArrayList<>();
    for (SimulatorStore.OutboxEntry e : page.subList(0, Math.min(limit, page.size()))) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("messageId", e.messageId());
      o.put("to", e.to());
      o.put("type", e.type());
      o.put("acceptedAt", e.acceptedAt().toString());
      o.put("providerMessageId", e.providerMessageId());
      data.add(o);
    }
    String next = page.size() > limit ? Requests.cursor(page.get(limit - 1).seq()) : null;
    Requests.json(ctx, 200, Requests.page(data, next));
  }

  private static String idCursor(String id) {
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(("i:" + id).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private static String cursorId(String cursor) {
    try {
      String t = new String(java.util.Base64.getUrlDecoder().decode(cursor), java.nio.charset.StandardCharsets.UTF_8);
      if (t.startsWith("i:") && t.chars().noneMatch(Character::isISOControl)) {
        return t.substring(2);
      }
    } catch (IllegalArgumentException e) {
      // answered below
    }
    throw new ProblemException(Problem.validation(List.of(
        new dev.courier.whatsapp.validation.FieldError("cursor", "is not a cursor this API returned"))));
  }
}
