package dev.courier.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.schedule.Schedule;
import dev.courier.whatsapp.schedule.Schedules;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;

/** {@code /v1/schedules}: create, list, read, delete, pause, resume. */
final class ScheduleRoutes {
  private final WhatsApp wa;

  ScheduleRoutes(WhatsApp wa) {
    this.wa = wa;
  }

  /** 201 with the schedule; a repeated Idempotency-Key answers the same schedule again. */
  void create(Context ctx) throws Exception {
    Schedules.Created c = wa.schedules().create(Requests.organization(ctx), JsonBody.read(ctx),
        MessageRoutes.idempotencyKey(ctx));
    if (c.replayed()) {
      ctx.header("Idempotent-Replayed", "true");
    }
    Requests.json(ctx, 201, wa.schedules().view(c.schedule()));
  }

  /** Newest first; {@code ?cursor=} is the last id of the previous page. */
  void list(Context ctx) throws Exception {
    int limit = Requests.limit(ctx);
    List<Schedule> page = wa.schedules().list(Requests.organization(ctx), ctx.queryParam("cursor"), limit + 1);
    List<ObjectNode> data = new ArrayList<>();
    for (Schedule s : page.subList(0, Math.min(limit, page.size()))) {
      data.add(wa.schedules().view(s));
    }
    Requests.json(ctx, 200, Requests.page(data, page.size() > limit ? page.get(limit - 1).id() : null));
  }

  void get(Context ctx) throws Exception {
    Requests.json(ctx, 200, wa.schedules().view(wa.schedules().get(Requests.organization(ctx), ctx.pathParam("id"))));
  }

  void delete(Context ctx) throws Exception {
    wa.schedules().delete(Requests.organization(ctx), ctx.pathParam("id"));
    ctx.status(204);
  }

  void pause(Context ctx) throws Exception {
    Requests.json(ctx, 200, wa.schedules().view(wa.schedules().pause(Requests.organization(ctx), ctx.pathParam("id"))));
  }

  void resume(Context ctx) throws Exception {
    Requests.json(ctx, 200, wa.schedules().view(wa.schedules().resume(Requests.organization(ctx), ctx.pathParam("id"))));
  }
}
