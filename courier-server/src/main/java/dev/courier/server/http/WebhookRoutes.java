package dev.courier.server.http;

import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.inbound.WebhookService;
import io.javalin.http.Context;

/**
 * {@code /webhooks/whatsapp/{instanceId}}: providers call these, so they are authenticated by the
 * provider's signature or shared secret, not by an API key.
 */
final class WebhookRoutes {
  private final WhatsApp wa;

  WebhookRoutes(WhatsApp wa) {
    this.wa = wa;
  }

  void verify(Context ctx) throws Exception {
    WebhookService.Answer a = wa.webhooks().verify(ctx.pathParam("instanceId"), ctx.queryParam("hub.mode"),
        ctx.queryParam("hub.verify_token"), ctx.queryParam("hub.challenge"));
    answer(ctx, a);
  }

  void receive(Context ctx) throws Exception {
    byte[] body = JsonBody.bytes(ctx);
    WebhookService.Answer a = wa.webhooks().receive(ctx.pathParam("instanceId"), ctx::header, ctx::queryParam, body);
    answer(ctx, a);
  }

  private static void answer(Context ctx, WebhookService.Answer a) {
    if (a.status() >= 400) {
      throw new ProblemException(Problem.ofStatus(a.status(), a.status() == 401 ? "Unauthorized"
          : a.status() == 403 ? "Forbidden" : a.status() == 404 ? "Not found" : "Bad request", a.body()));
    }
    ctx.status(a.status()).contentType("text/plain").result(a.body());
  }
}
