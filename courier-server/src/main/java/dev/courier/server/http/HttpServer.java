package dev.courier.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.server.auth.ApiAccess;
import dev.courier.server.auth.ApiKeyStore;
import dev.courier.server.auth.Organizations;
import dev.courier.whatsapp.NotFoundException;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.message.ConflictException;
import dev.courier.whatsapp.validation.InvalidRequestException;
import java.sql.SQLException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.router.Endpoint;
import io.javalin.security.RouteRole;
import io.javalin.http.HttpResponseException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server: Javalin 6 (Jetty) on virtual threads. {@link #routes} is the route table;
 * every error, including an unknown route, answers an RFC 9457 problem.
 */
public final class HttpServer implements AutoCloseable {
  /** One entry of the route table. */
  public record Route(HandlerType method, String path, String description, Handler handler) {}

  private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KEY_ATTRIBUTE = Requests.KEY_ATTRIBUTE;
  /** Route templates under these prefixes answer without an API key; every other route needs one. */
  static final List<String> PUBLIC_PREFIXES = List.of("/health/", "/webhooks/", "/docs/");
  /** Static files of webjars (Swagger UI for the API page): public, like the page that loads them. */
  static final String WEBJARS = "/webjars/";

  private final Javalin app;
  private final List<Route> routes;

  private HttpServer(Javalin app, List<Route> routes) {
    this.app = app;
    this.routes = routes;
  }

  /** Starts listening on {@code host:port} (port 0: any free port). */
  public static HttpServer start(
      String host, int port, Duration stopTimeout, ReadinessProbe readiness, ApiAccess access, WhatsApp wa) {
    Javalin app =
        Javalin.create(
            config -> {
              config.useVirtualThreads = true;
              config.showJavalinBanner = false;
              config.startupWatcherEnabled = false;
              config.jetty.modifyServer(server -> {
                server.setStopTimeout(stopTimeout.toMillis());
                // What Jetty refuses before routing (not valid HTTP) answers a problem too, not HTML.
                server.setErrorHandler(new JettyErrors());
              });
              config.jetty.modifyServletContextHandler(handler -> handler.setErrorHandler(new JettyErrors()));
              // Bodies are read by JsonBody, with each route's own limit; this is the largest of them.
              config.http.maxRequestSize = JsonBody.BATCH_MAX_BYTES;
              // Swagger UI for the API page (/docs/api): public files of the swagger-ui webjar.
              config.staticFiles.enableWebjars();
            });
    // Everything under /v1 needs a key, even a path that is no route (so /v1 reveals nothing to
    // strangers); so does every other route but the public ones. Then the key's rate limit.
    app.before("/v1/*", ctx -> admit(ctx, access));
    app.before("/graph/*", ctx -> admit(ctx, access));
    app.beforeMatched(ctx -> {
      if (!isPublic(ctx.endpointHandlerPath()) && !ctx.path().startsWith(WEBJARS)) {
        admit(ctx, access);
      }
    });
    List<Route> table = routes(readiness, wa, access);
    for (Route r : table) {
      app.addEndpoint(new Endpoint(r.method(), r.path(), new RouteRole[0], r.handler()));
    }

    app.exception(CloudApiException.class, (e, ctx) -> cloudError(ctx, e.error()));
    app.exception(ProblemException.class, (e, ctx) -> problem(ctx, e.problem()));
    app.exception(InvalidRequestException.class, (e, ctx) -> problem(ctx, Problem.validation(e.errors())));
    app.exception(NotFoundException.class, (e, ctx) -> problem(ctx, Problem.notFound(e.getMessage())));
    app.exception(Organizations.AccessDeniedException.class, (e, ctx) -> problem(ctx, Problem.forbidden(e.getMessage())));
    app.exception(ConflictException.class, (e, ctx) -> problem(ctx,
        e.kind() == ConflictException.Kind.IDEMPOTENCY_MISMATCH
            ? Problem.idempotencyMismatch(e.getMessage())
            : Problem.conflict(e.getMessage(), e.currentStatus())));
    app.exception(SQLException.class, (e, ctx) -> {
      if (e.getSQLState() != null && e.getSQLState().startsWith("22")) {
        // A data exception: a value of the request PostgreSQL cannot take (a NUL in text, a number out of
        // range). The request is at fault, not the database: 400, nothing stored.
        LOG.warn("request value refused by the database method={} path={} sqlState={}", ctx.method(), ctx.path(), e.getSQLState());
        problem(ctx, Problem.badRequest("a value of the request cannot be stored or compared; nothing was stored"));
        return;
      }
      // Nothing was committed: say so, and when to try again; never a 2xx for what is not stored.
      LOG.warn("database unavailable method={} path={} sqlState={}", ctx.method(), ctx.path(), e.getSQLState(), e);
      ctx.header("Retry-After", "5");
      problem(ctx, Problem.unavailable("the database is unavailable; nothing was stored, try again"));
    });
    app.exception(
        HttpResponseException.class,
        (e, ctx) -> problem(ctx, fromStatus(e.getStatus(), e.getMessage(), ctx)));
    app.exception(
        Exception.class,
        (e, ctx) -> {
          LOG.error("request failed method={} path={}", ctx.method(), ctx.path(), e);
          problem(ctx, Problem.internal());
        });
    app.error(
        404,
        ctx -> {
          String type = ctx.res().getContentType();
          // Already answered: a problem, or under /graph a Cloud API error (JSON).
          boolean answered = GraphRoutes.handles(ctx)
              ? type != null && type.startsWith("application/json")
              : Problem.CONTENT_TYPE.equals(type);
          if (!answered) {
            problem(ctx, Problem.notFound("no route " + ctx.method() + " " + ctx.path()));
          }
        });
    app.start(host, port);
    return new HttpServer(app, table);
  }

  /**
   * The route table: every route this server answers. Every route needs an API key except those
   * under {@link #PUBLIC_PREFIXES}; routes under /graph answer in the Cloud API's error envelope.
   * The OpenAPI document ({@value DocsRoutes#RESOURCE}) documents every one of them.
   */
  static List<Route> routes(ReadinessProbe readiness, WhatsApp wa, ApiAccess access) {
    HealthRoutes health = new HealthRoutes(readiness);
    OrganizationRoutes organizations = new OrganizationRoutes(access == null ? null : access.organizations());
    InstanceRoutes instances = new InstanceRoutes(wa);
    MessageRoutes messages = new MessageRoutes(wa);
    WebhookRoutes webhooks = new WebhookRoutes(wa);
    GraphRoutes graph = new GraphRoutes(wa);
    QueueRoutes queues = new QueueRoutes(wa);
    CampaignRoutes campaigns = new CampaignRoutes(wa);
    ScheduleRoutes schedules = new ScheduleRoutes(wa);
    DocsRoutes docs = new DocsRoutes();
    return List.of(
        new Route(HandlerType.GET, "/health/live", "the process is up (never touches the database)", health::live),
        new Route(HandlerType.GET, "/health/ready", "database reachable, durable and migrated; 503 otherwise", health::ready),
        new Route(HandlerType.GET, "/docs/api", "the API page: Swagger UI showing the OpenAPI document (public)", docs::apiPage),
        new Route(HandlerType.GET, "/docs/openapi.json", "the OpenAPI 3.1 document, public for the API page", docs::openapi),
        new Route(HandlerType.GET, "/v1/openapi.json", "the OpenAPI 3.1 document (the same, behind the key)", docs::openapi),
        new Route(HandlerType.GET, "/v1/whoami", "the calling API key's organization and id", HttpServer::whoami),
        new Route(HandlerType.POST, "/v1/organizations", "create an organization (admin key)", organizations::create),
        new Route(HandlerType.GET, "/v1/organizations", "list organizations (an admin key sees all, others their own)", organizations::list),
        new Route(HandlerType.GET, "/v1/organizations/{id}", "one organization", organizations::get),
        new Route(HandlerType.POST, "/v1/organizations/{id}/keys", "create an API key (its secret is shown only here)", organizations::createKey),
        new Route(HandlerType.GET, "/v1/organizations/{id}/keys", "an organization's API keys (never their secrets)", organizations::listKeys),
        new Route(HandlerType.DELETE, "/v1/keys/{id}", "revoke an API key (refused at once)", organizations::revokeKey),
        new Route(HandlerType.POST, "/v1/instances", "create an instance", instances::create),
        new Route(HandlerType.GET, "/v1/instances", "list instances", instances::list),
        new Route(HandlerType.GET, "/v1/instances/{id}", "one instance (secrets left out)", instances::get),
        new Route(HandlerType.PATCH, "/v1/instances/{id}", "change an instance (members given change)", instances::update),
        new Route(HandlerType.DELETE, "/v1/instances/{id}", "delete an instance (409 with unfinished messages unless ?force=true)", instances::delete),
        new Route(HandlerType.POST, "/v1/instances/{id}/pause", "pause an instance's sending", instances::pause),
        new Route(HandlerType.POST, "/v1/instances/{id}/resume", "resume an instance's sending", instances::resume),
        new Route(HandlerType.GET, "/v1/instances/{id}/queue", "queued messages in the order they will go", instances::queue),
        new Route(HandlerType.DELETE, "/v1/instances/{id}/queue", "cancel queued messages (?chat= for one chat)", instances::cancelQueue),
        new Route(HandlerType.GET, "/v1/instances/{id}/outbox", "what the simulator accepted, in order", instances::outbox),
        new Route(HandlerType.POST, "/v1/messages", "send a message (202 once committed)", messages::send),
        new Route(HandlerType.POST, "/v1/messages/batch", "send up to 10,000 messages in one transaction", messages::batch),
        new Route(HandlerType.GET, "/v1/messages", "list messages (?instance=&status=&to=&cursor=)", messages::list),
        new Route(HandlerType.GET, "/v1/messages/{id}", "one message with history and attempts", messages::get),
        new Route(HandlerType.DELETE, "/v1/messages/{id}", "cancel a message not yet sending", messages::cancel),
        new Route(HandlerType.POST, "/v1/campaigns", "create a campaign (a draft) with up to 100,000 inline recipients", campaigns::create),
        new Route(HandlerType.GET, "/v1/campaigns", "list campaigns, newest first (?cursor=&limit=)", campaigns::list),
        new Route(HandlerType.GET, "/v1/campaigns/{id}", "one campaign with counts, progress, rate and estimate", campaigns::get),
        new Route(HandlerType.POST, "/v1/campaigns/{id}/recipients", "add recipients (JSON or text/csv) before the campaign runs", campaigns::addRecipients),
        new Route(HandlerType.GET, "/v1/campaigns/{id}/recipients", "recipients with status and times (?status=&cursor=; Accept: text/csv)", campaigns::recipients),
        new Route(HandlerType.POST, "/v1/campaigns/{id}/start", "start a draft (scheduled until its startAt)", campaigns::start),
        new Route(HandlerType.POST, "/v1/campaigns/{id}/pause", "hold every message not yet sending", campaigns::pause),
        new Route(HandlerType.POST, "/v1/campaigns/{id}/resume", "continue a paused campaign in its order", campaigns::resume),
        new Route(HandlerType.POST, "/v1/campaigns/{id}/cancel", "stop the expansion and cancel the queued messages", campaigns::cancel),
        new Route(HandlerType.POST, "/v1/schedules", "schedule a message once (at) or on a cron in a time zone", schedules::create),
        new Route(HandlerType.GET, "/v1/schedules", "list schedules, newest first (?cursor=&limit=)", schedules::list),
        new Route(HandlerType.GET, "/v1/schedules/{id}", "one schedule with its next and latest occurrences", schedules::get),
        new Route(HandlerType.DELETE, "/v1/schedules/{id}", "delete a schedule (no further occurrence)", schedules::delete),
        new Route(HandlerType.POST, "/v1/schedules/{id}/pause", "pause a schedule", schedules::pause),
        new Route(HandlerType.POST, "/v1/schedules/{id}/resume", "resume a paused schedule", schedules::resume),
        new Route(HandlerType.GET, "/v1/queues", "engine queues with counts by state (admin key only)", QueueRoutes.adminOnly(queues::list)),
        new Route(HandlerType.POST, "/v1/queues/{name}/pause", "pause a queue on every node (admin)", QueueRoutes.adminOnly(queues::pause)),
        new Route(HandlerType.POST, "/v1/queues/{name}/resume", "resume a paused queue (admin)", QueueRoutes.adminOnly(queues::resume)),
        new Route(HandlerType.POST, "/v1/queues/{name}/retry-discarded", "run a queue's discarded jobs again (admin)", QueueRoutes.adminOnly(queues::retryDiscarded)),
        new Route(HandlerType.POST, "/v1/queues/{name}/clean", "delete a queue's old finished jobs (admin)", QueueRoutes.adminOnly(queues::clean)),
        new Route(HandlerType.GET, "/v1/jobs", "list jobs (?queue=&state=&kind=&cursor=; admin)", QueueRoutes.adminOnly(queues::jobs)),
        new Route(HandlerType.GET, "/v1/jobs/{id}", "one job with its error history (admin)", QueueRoutes.adminOnly(queues::job)),
        new Route(HandlerType.POST, "/v1/jobs/{id}/retry", "run a job again now (admin)", QueueRoutes.adminOnly(queues::retry)),
        new Route(HandlerType.POST, "/v1/jobs/{id}/cancel", "cancel a job (admin)", QueueRoutes.adminOnly(queues::cancel)),
        new Route(HandlerType.GET, "/v1/order-keys/blocked", "order keys whose head job waits for a retry (admin)", QueueRoutes.adminOnly(queues::blockedOrderKeys)),
        new Route(HandlerType.GET, "/webhooks/whatsapp/{instanceId}", "Meta's verification handshake", webhooks::verify),
        new Route(HandlerType.POST, "/webhooks/whatsapp/{instanceId}", "provider callbacks (signed)", webhooks::receive),
        new Route(HandlerType.POST, "/graph/{apiVersion}/{phoneNumberId}/messages",
            "Cloud API compatible send (Meta's request and answer shapes)", graph::send));
  }

  private static Problem fromStatus(int status, String message, Context ctx) {
    return switch (status) {
      case 404 -> Problem.notFound("no route " + ctx.method() + " " + ctx.path());
      case 405 -> Problem.methodNotAllowed(ctx.method() + " is not allowed on " + ctx.path());
      default -> Problem.ofStatus(status, message, null);
    };
  }

  static boolean isPublic(String routePath) {
    return routePath != null && PUBLIC_PREFIXES.stream().anyMatch(routePath::startsWith);
  }

  /** Authenticates the bearer key (401), then takes a token from its rate limit (429). Once per request. */
  private static void admit(Context ctx, ApiAccess access) throws Exception {
    if (ctx.attribute(KEY_ATTRIBUTE) != null) {
      return;
    }
    String header = ctx.header("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      ctx.header("WWW-Authenticate", "Bearer realm=\"courier\"");
      throw new ProblemException(Problem.unauthorized("send the API key as 'Authorization: Bearer <key>'"));
    }
    var key = access.authenticator().authenticate(header.substring(7).trim());
    if (key.isEmpty()) {
      ctx.header("WWW-Authenticate", "Bearer realm=\"courier\", error=\"invalid_token\"");
      throw new ProblemException(Problem.unauthorized("unknown, malformed or revoked API key"));
    }
    long waitNanos = access.rateLimiter().acquire(key.get().id());
    if (waitNanos > 0) {
      long seconds = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
      ctx.header("Retry-After", Long.toString(seconds));
      throw new ProblemException(Problem.tooManyRequests(
          "API key " + key.get().prefix() + " is over its request rate on this node; retry after " + seconds + " s",
          seconds));
    }
    ctx.attribute(KEY_ATTRIBUTE, key.get());
  }

  private static void whoami(Context ctx) {
    ApiKeyStore.ApiKey key = ctx.attribute(KEY_ATTRIBUTE);
    json(
        ctx,
        200,
        Map.of(
            "organizationId", key.organizationId(),
            "keyId", key.id(),
            "keyName", key.name(),
            "admin", key.admin()));
  }

  static void json(Context ctx, int status, Object body) {
    try {
      ctx.status(status).contentType("application/json").result(JSON.writeValueAsString(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Answers with a problem; under /graph, with the same error in the Cloud API's envelope instead. */
  static void problem(Context ctx, Problem problem) {
    if (GraphRoutes.handles(ctx)) {
      cloudError(ctx, CloudApiError.from(problem, ctx.method().name(), ctx.header("Authorization") != null));
      return;
    }
    try {
      ctx.status(problem.status())
          .contentType(Problem.CONTENT_TYPE)
          .result(JSON.writeValueAsString(problem.body(ctx.path())));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Answers with a Cloud API error envelope (the {@code /graph} endpoint). */
  static void cloudError(Context ctx, CloudApiError error) {
    String trace = CloudApiError.newTraceId();
    LOG.info("cloud api error method={} path={} status={} code={} fbtrace_id={} details={}",
        ctx.method(), ctx.path(), error.status(), error.code(), trace, error.details());
    json(ctx, error.status(), error.body(trace));
  }

  /** The route table this server answers ({@link #routes(ReadinessProbe, WhatsApp, ApiAccess)}). */
  public List<Route> routeTable() {
    return routes;
  }

  /** The port it listens on. */
  public int port() {
    return app.port();
  }

  /** Stops accepting, lets in-flight requests finish (up to the stop timeout), and stops. */
  @Override
  public void close() {
    app.stop();
  }
}
