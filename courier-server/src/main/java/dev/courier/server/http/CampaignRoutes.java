package dev.courier.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.campaign.Campaign;
import dev.courier.whatsapp.campaign.CampaignStore;
import dev.courier.whatsapp.campaign.Campaigns;
import dev.courier.whatsapp.validation.FieldError;
import io.javalin.http.Context;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code /v1/campaigns}: create, add recipients (JSON or CSV), start, pause, resume, cancel, read. */
final class CampaignRoutes {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> RECIPIENT_STATUSES = Set.of(
      "pending", "invalid", "queued", "sending", "in_doubt", "sent", "delivered", "read", "failed", "cancelled");
  private final WhatsApp wa;

  CampaignRoutes(WhatsApp wa) {
    this.wa = wa;
  }

  /**
   * 201 with the campaign (a draft) and the report of its inline recipients; a repeated
   * Idempotency-Key answers the same campaign (as it is now) and the first request's report.
   */
  void create(Context ctx) throws Exception {
    Campaigns.Created c = wa.campaigns().create(Requests.organization(ctx), JsonBody.read(ctx, JsonBody.BATCH_MAX_BYTES),
        MessageRoutes.idempotencyKey(ctx));
    if (c.replayed()) {
      ctx.header("Idempotent-Replayed", "true");
    }
    ObjectNode view = wa.campaigns().view(c.campaign());
    view.set("import", c.recipients());
    Requests.json(ctx, 201, view);
  }

  /** JSON {@code {"recipients": [...]}} or {@code text/csv} (streamed); 200 with the import report. */
  void addRecipients(Context ctx) throws Exception {
    String organization = Requests.organization(ctx);
    String id = ctx.pathParam("id");
    String type = ctx.contentType() == null ? "" : ctx.contentType().toLowerCase(Locale.ROOT);
    ObjectNode report;
    if (type.startsWith("text/csv")) {
      try (Reader in = new InputStreamReader(ctx.req().getInputStream(), StandardCharsets.UTF_8)) {
        report = wa.campaigns().addRecipientsCsv(organization, id, in);
      }
    } else if (type.startsWith("application/json")) {
      report = wa.campaigns().addRecipients(organization, id, JsonBody.read(ctx, JsonBody.BATCH_MAX_BYTES));
    } else {
      throw new ProblemException(Problem.unsupportedMediaType("send the recipients as application/json or text/csv"));
    }
    Requests.json(ctx, 200, report);
  }

  void start(Context ctx) throws Exception {
    Campaign c = wa.campaigns().start(Requests.organization(ctx), ctx.pathParam("id"));
    Requests.json(ctx, 200, wa.campaigns().view(c));
  }

  void pause(Context ctx) throws Exception {
    Campaign c = wa.campaigns().pause(Requests.organization(ctx), ctx.pathParam("id"));
    Requests.json(ctx, 200, wa.campaigns().view(c));
  }

  void resume(Context ctx) throws Exception {
    Campaign c = wa.campaigns().resume(Requests.organization(ctx), ctx.pathParam("id"));
    Requests.json(ctx, 200, wa.campaigns().view(c));
  }

  void cancel(Context ctx) throws Exception {
    Campaign c = wa.campaigns().cancel(Requests.organization(ctx), ctx.pathParam("id"));
    Requests.json(ctx, 200, wa.campaigns().view(c));
  }

  void get(Context ctx) throws Exception {
    Campaign c = wa.campaigns().get(Requests.organization(ctx), ctx.pathParam("id"));
    Requests.json(ctx, 200, wa.campaigns().view(c));
  }

  /** Newest first; {@code ?cursor=} is the last id of the previous page. */
  void list(Context ctx) throws Exception {
    int limit = Requests.limit(ctx);
    String before = ctx.queryParam("cursor");
    List<Campaign> page = wa.campaigns().list(Requests.organization(ctx), before, limit + 1);
    List<ObjectNode> data = new ArrayList<>();
    for (Campaign c : page.subList(0, Math.min(limit, page.size()))) {
      data.add(wa.campaigns().view(c));
    }
    String next = page.size() > limit ? page.get(limit - 1).id() : null;
    Requests.json(ctx, 200, Requests.page(data, next));
  }

  /** Recipients in the order they were added, {@code ?status=&cursor=&limit=}; CSV with {@code Accept: text/csv}. */
  void recipients(Context ctx) throws Exception {
    int limit = Requests.limit(ctx);
    long after = Requests.position(ctx, 0);
    String status = ctx.queryParam("status");
    if (status != null && !RECIPIENT_STATUSES.contains(status)) {
      throw new ProblemException(Problem.validation(List.of(new FieldError("status",
          "must be one of " + String.join(", ", RECIPIENT_STATUSES.stream().sorted().toList())))));
    }
    List<CampaignStore.RecipientRow> page =
        wa.campaigns().recipients(Requests.organization(ctx), ctx.pathParam("id"), status, after, limit + 1);
    List<CampaignStore.RecipientRow> rows = page.subList(0, Math.min(limit, page.size()));
    String next = page.size() > limit ? Requests.cursor(page.get(limit - 1).seq()) : null;
    String accept = ctx.header("Accept");
    if (accept != null && accept.toLowerCase(Locale.ROOT).contains("text/csv")) {
      StringBuilder sb = new StringBuilder("to,status,messageId,error,createdAt,sentAt,deliveredAt,readAt,failedAt,variables\r\n");
      for (CampaignStore.RecipientRow r : rows) {
        sb.append(csv(r.recipient())).append(',').append(csv(r.status())).append(',').append(csv(r.messageId()))
            .append(',').append(csv(r.error())).append(',').append(csv(r.createdAt())).append(',')
            .append(csv(r.sentAt())).append(',').append(csv(r.deliveredAt())).append(',').append(csv(r.readAt()))
            .append(',').append(csv(r.failedAt())).append(',').append(csv(r.variables().toString())).append("\r\n");
      }
      if (next != null) {
        ctx.header("Link", "<" + ctx.path() + "?cursor=" + next + "&limit=" + limit
            + (status == null ? "" : "&status=" + status) + ">; rel=\"next\"");
      }
      ctx.status(200).contentType("text/csv; charset=utf-8").result(sb.toString());
      return;
    }
    List<ObjectNode> data = new ArrayList<>();
    for (CampaignStore.RecipientRow r : rows) {
      ObjectNode o = JSON.createObjectNode();
      o.put("to", r.recipient());
      o.put("status", r.status());
      o.put("messageId", r.messageId());
      o.put("error", r.error());
      o.set("variables", r.variables());
      o.put("createdAt", str(r.createdAt()));
      o.put("sentAt", str(r.sentAt()));
      o.put("deliveredAt", str(r.deliveredAt()));
      o.put("readAt", str(r.readAt()));
      o.put("failedAt", str(r.failedAt()));
      data.add(o);
    }
    Requests.json(ctx, 200, Requests.page(data, next));
  }

  private static String str(Instant i) {
    return i == null ? null : i.toString();
  }

  private static String csv(Object value) {
    if (value == null) {
      return "";
    }
    String s = value.toString();
    if (s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
      return "\"" + s.replace("\"", "\"\"") + "\"";
    }
    return s;
  }
}
