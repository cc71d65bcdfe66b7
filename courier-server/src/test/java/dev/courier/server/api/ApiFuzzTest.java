package dev.courier.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.server.http.HttpServer;
import dev.courier.whatsapp.inbound.WebhookSignature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Thousands of malformed requests to every route of the route table, over raw sockets (so that
 * nothing is cleaned up by a client library): malformed JSON, wrong types, deep nesting, huge
 * numbers, invalid UTF-8, NUL, long strings, wrong and missing content types, bodies just over the
 * limits, bad path ids, junk query strings, bad Authorization and Idempotency-Key headers. Every
 * answer must be a 4xx (never a 5xx: the database is up), carry no stack trace or Java class name,
 * and be a problem (a Cloud API error under /graph); and nothing may be stored but the valid
 * control requests sent on purpose. The cases are generated from a fixed seed.
 */
class ApiFuzzTest {
  private static final long SEED = 20261123L;
  private static final int MAX = 1024 * 1024;
  private static final int BATCH_MAX = 16 * 1024 * 1024;
  private static final String SECRET = "fuzz-app-secret";
  /** What an answer must never show: stack frames, Java packages, exception class names. */
  private static final Pattern LEAK = Pattern.compile(
      "\\bat [a-z][\\w$]*(\\.[\\w$]+)+\\(|\\.java:\\d+|\\b(java|javax|jakarta|sun|jdk)\\.[a-z]+\\.|\\bdev\\.courier\\."
          + "|\\bcom\\.fasterxml\\.|\\borg\\.(eclipse|postgresql|flywaydb|slf4j)\\.|\\bio\\.javalin\\.|\\bcom\\.zaxxer\\."
          + "|[A-Za-z]+(Exception|Error)\\b(?<!OAuthException|GraphMethodException)");
  private static final String[] COUNTED = {
      "courier_message", "courier_message_status", "courier_message_attempt", "courier_message_batch",
      "courier_instance", "courier_organization", "courier_api_key", "courier_job", "courier_inbound_message",
      "courier_event", "courier_contact", "courier_pending_status", "courier_simulator_outbox",
      "courier_campaign", "courier_campaign_recipient", "courier_schedule", "courier_schedule_occurrence"};

  static ApiTestSupport api;
  static String instance;
  static String organization;

  /** One raw request. */
  record Case(String label, String method, String target, List<String[]> headers, byte[] body, boolean chunked) {}

  /** One raw answer. */
  record Answer(int status, Map<String, String> headers, String body) {}

  @BeforeAll
  static void start() throws Exception {
    // No request-rate limit: thousands of requests a second from one key are the point here.
    api = ApiTestSupport.start(Map.of("COURIER_API_RATE_LIMIT", "0"));
    instance = api.instance(ApiTestSupport.KEY, "{\"name\": \"fuzz\", \"provider\": \"simulator\","
        + " \"settings\": {\"appSecret\": \"" + SECRET + "\", \"phoneNumberId\": \"5550001\"}}");
    organization = ApiTestSupport.body(api.call("POST", "/v1/organizations", "{\"name\": \"Fuzz Org\"}")).get("id").asText();
  }

  @AfterAll
  static void stop() throws Exception {
    if (api != null) {
      api.close();
    }
  }

  // ------------------------------------------------------------------ the test

  @Test
  void malformedRequestsToEveryRouteAreRefusedCleanlyAndStoreNothing() throws Exception {
    Random random = new Random(SEED);
    List<Case> cases = new ArrayList<>();
    for (HttpServer.Route r : api.server.http().routeTable()) {
      cases.addAll(casesFor(r.method().name(), r.path(), random));
    }
    Collections.shuffle(cases, random);
    assertThat(cases.size()).isGreaterThanOrEqualTo(3000);

    Map<String, Long> before = counts();
    control(); // one valid request, to learn what a control stores
    Map<String, Long> afterOne = counts();

    long started = System.nanoTime();
    List<String> failures = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger controls = new AtomicInteger(1);
    AtomicInteger answered = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> futures = new ArrayList<>();
      int chunk = (cases.size() + 3) / 4;
      for (int t = 0; t < 4; t++) {
        List<Case> mine = cases.subList(Math.min(cases.size(), t * chunk), Math.min(cases.size(), (t + 1) * chunk));
        futures.add(pool.submit(() -> {
          int n = 0;
          for (Case c : mine) {
            check(c, failures);
            answered.incrementAndGet();
            if (++n % 400 == 0) {
              control();
              controls.incrementAndGet();
            }
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    System.out.printf("fuzz: %d requests to %d routes (+%d valid controls) in %d ms, seed %d%n",
        answered.get(), api.server.http().routeTable().size(), controls.get(), took.toMillis(), SEED);

    assertThat(failures).as(failures.size() + " bad answers (first ones)")
        .satisfies(f -> assertThat(f.subList(0, Math.min(25, f.size()))).isEmpty());

    Map<String, Long> after = counts();
    Map<String, Long> expected = new LinkedHashMap<>();
    for (String table : COUNTED) {
      long perControl = afterOne.get(table) - before.get(table);
      expected.put(table, before.get(table) + perControl * controls.get());
    }
    assertThat(after).as("stored rows (only the controls' rows added)").isEqualTo(expected);
    assertThat(afterOne.get("courier_message") - before.get("courier_message")).isEqualTo(1);
  }

  /** What the fuzzing found (each answered 500, 503, HTML or a Java name, or was accepted), one by one. */
  @Test
  void eachFindingOfTheFuzzingStaysFixed() throws Exception {
    // A negative position in a cursor reached PostgreSQL's OFFSET: 503 "database unavailable".
    var r = api.call("GET", "/v1/instances/" + instance + "/queue?cursor=" + b64("p:-5"), null);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(ApiTestSupport.body(r).at("/errors/0/field").asText()).isEqualTo("cursor");
    // A NUL in a cursor, a filter or a body string: PostgreSQL refused it and the answer was 503 or 500.
    assertThat(api.call("GET", "/v1/instances?cursor=" + b64("i:\u0000"), null).statusCode()).isEqualTo(400);
    r = api.call("GET", "/v1/jobs?queue=%00", null);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(ApiTestSupport.body(r).at("/errors/0/field").asText()).isEqualTo("queue");
    assertThat(api.call("GET", "/v1/messages?instance=%00", null).statusCode()).isEqualTo(400);
    r = api.call("POST", "/v1/messages", "{\"instanceId\": \"" + instance + "\", \"to\": \"+5511999990000\","
        + " \"type\": \"text\", \"text\": {\"body\": \"a\\u0000b\"}}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(ApiTestSupport.body(r).at("/errors/0/field").asText()).isEqualTo("text.body");
    // Jackson's messages named Java classes and features.
    r = api.call("POST", "/v1/organizations", "{\"name\": \"a\"}{\"name\": \"b\"}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).doesNotContain("com.fasterxml").doesNotContain("DeserializationFeature").contains("more than one JSON value");
    r = api.call("POST", "/v1/organizations", "[".repeat(1001) + "]".repeat(1001));
    assertThat(r.body()).doesNotContain("StreamReadConstraints").contains("nesting depth");
    // A path or header that is not valid HTTP got Jetty's HTML page.
    Answer a = send(new Case("nul in path", "GET", "/v1/messages/%00", auth(), null, false));
    assertThat(a.status()).isEqualTo(400);
    assertThat(a.headers().get("content-type")).startsWith("application/problem+json");
    a = send(new Case("control character in a header", "GET", "/v1/messages", List.<String[]>of(new String[] {"Authorization", "Bearer \u0001"}), null, false));
    assertThat(a.status()).isEqualTo(400);
    assertThat(a.headers().get("content-type")).startsWith("application/problem+json");
    // A content type that only starts like application/json was read as JSON (and the request stored).
    List<String[]> headers = new ArrayList<>(auth());
    headers.add(new String[] {"Content-Type", "application/json-patch+json"});
    a = send(new Case("json-patch", "POST", "/v1/organizations", headers, bytes("{\"name\": \"Patch Type\"}"), false));
    assertThat(a.status()).isEqualTo(415);
    // Campaigns and schedules: a time past the year 9999 or before 1970, a cron that never ticks, and a
    // campaign rate window of centuries answered 500; a content object given as a string holding a
    // placeholder was accepted, as was a schedule with a second content object (silently dropped).
    String campaign = "{\"instanceId\": \"" + instance + "\", \"name\": \"c\", \"type\": \"text\", \"text\": {\"body\": \"hi {{name}}\"}";
    String schedule = "{\"instanceId\": \"" + instance + "\", \"type\": \"text\", \"text\": {\"body\": \"hi\"}, \"to\": \"+5511999990000\"";
    for (String[] bad : new String[][] {
        {"/v1/campaigns", campaign + ", \"startAt\": \"+999999999-12-31T23:59:59Z\"}", "startAt"},
        {"/v1/campaigns", campaign + ", \"startAt\": \"-999999999-01-01T00:00:00Z\"}", "startAt"},
        {"/v1/campaigns", campaign + ", \"rate\": {\"count\": 1, \"per\": \"99999999999d\"}}", "rate.per"},
        {"/v1/campaigns", campaign.replace("{\"body\": \"hi {{name}}\"}", "\"{{name}}\"") + "}", "text"},
        {"/v1/schedules", schedule + ", \"cron\": \"0 0 31 2 *\"}", "cron"},
        {"/v1/schedules", schedule + ", \"at\": \"+999999999-12-31T23:59:59\"}", "at"},
        {"/v1/schedules", schedule + ", \"cron\": \"@daily\", \"endAt\": \"-999999999-01-01T00:00\"}", "endAt"},
        {"/v1/schedules", schedule + ", \"at\": \"2099-01-01T00:00:00Z\", \"image\": {\"link\": \"x\"}}", "image"}}) {
      r = api.call("POST", bad[0], bad[1]);
      assertThat(r.statusCode()).as(bad[1] + " " + r.body()).isEqualTo(400);
      assertThat(ApiTestSupport.body(r).at("/errors/0/field").asText()).as(r.body()).isEqualTo(bad[2]);
    }
    // An instance's typing indicator had no limit (999 days before every message).
    r = api.call("PATCH", "/v1/instances/" + instance, "{\"typing\": \"999d\"}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(ApiTestSupport.body(r).at("/errors/0/field").asText()).isEqualTo("typing");
  }

  /** A valid message, scheduled an hour ahead so that nothing else happens because of it. */
  private static void control() {
    var r = api.call("POST", "/v1/messages", "{\"instanceId\": \"" + instance + "\", \"to\": \"+5511988887777\","
        + " \"type\": \"text\", \"text\": {\"body\": \"control\"}, \"delay\": \"1h\"}");
    if (r.statusCode() != 202) {
      throw new IllegalStateException("control refused: " + r.statusCode() + " " + r.body());
    }
  }

  private static Map<String, Long> counts() throws Exception {
    Map<String, Long> m = new LinkedHashMap<>();
    for (String table : COUNTED) {
      m.put(table, ((Number) api.sql("SELECT count(*) FROM " + table)).longValue());
    }
    return m;
  }

  private static void check(Case c, List<String> failures) {
    Answer a;
    try {
      a = send(c);
    } catch (IOException e) {
      failures.add(c.label() + ": no answer: " + e);
      return;
    }
    String where = c.label() + " -> " + a.status() + " " + abbreviate(a.body());
    if (a.status() >= 500 || a.status() < 200) {
      failures.add(where);
      return;
    }
    // Answers that are data may name Java (a job's error class); the documents may mention anything.
    boolean data = a.status() < 400 && (c.target().startsWith("/docs/") || c.target().startsWith("/v1/openapi.json")
        || c.target().startsWith("/v1/jobs") || c.target().startsWith("/v1/order-keys"));
    if (a.status() < 300 && !c.method().equals("GET") && !c.target().startsWith("/webhooks/")) {
      failures.add("accepted: " + where);
      return;
    }
    if (!data && LEAK.matcher(a.body()).find()) {
      failures.add("leak: " + where);
      return;
    }
    String type = a.headers().getOrDefault("content-type", "").toLowerCase(Locale.ROOT);
    String path = c.target().startsWith("/") ? c.target() : "/";
    if (a.status() >= 400) {
      try {
        JsonNode body = ApiTestSupport.JSON.readTree(a.body());
        boolean notHttp = body.path("type").asText().equals("https://courier.dev/problems/malformed-request");
        if ((path.startsWith("/graph/") || path.equals("/graph")) && !notHttp) {
          if (!type.startsWith("application/json") || !body.path("error").path("code").isInt()) {
            failures.add("not a Cloud API error: " + type + " " + where);
          }
        } else if (!type.startsWith("application/problem+json") || body.path("status").asInt() != a.status()
            || !body.path("type").isTextual() || !body.path("title").isTextual()) {
          failures.add("not a problem: " + type + " " + where);
        }
      } catch (IOException e) {
        failures.add("not JSON: " + type + " " + where);
      }
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 300 ? s.substring(0, 300) + "…" : s;
  }

  // ------------------------------------------------------------------ the cases

  private static List<Case> casesFor(String method, String template, Random random) {
    List<Case> out = new ArrayList<>();
    String valid = validBody(template, method);
    boolean hasBody = valid != null || method.equals("POST") && template.startsWith("/webhooks/");
    // Real objects where the route only reads, or reads a body that every case here makes it refuse;
    // unknown ids where it would act (pause, cancel, delete), since junk query parameters are ignored.
    String path = method.equals("GET") || hasBody ? realPath(template) : unknownPath(template);

    // Bad path ids, for every route with one.
    if (template.contains("{")) {
      for (String id : badIds(random)) {
        String p = template.replaceAll("\\{[^}]+}", id);
        out.add(c("bad id", method, p, auth(), hasBody ? bytes(valid != null ? valid : invalidSample(template)) : null, json()));
      }
    }
    // Junk query strings.
    for (String q : junkQueries(random)) {
      out.add(c("query", method, path + q, auth(), hasBody ? bytes(valid == null ? "{" : invalidSample(template)) : null, json()));
    }
    // Bad, missing and garbage Authorization (with a valid body: must store nothing all the same).
    for (String[] h : badAuthorizations(random)) {
      List<String[]> headers = new ArrayList<>(json());
      if (h != null) {
        headers.add(h);
      }
      out.add(new Case("auth " + (h == null ? "none" : abbreviate(h[1])) + " " + method + " " + path, method, path,
          headers, hasBody && valid != null ? bytes(valid) : null, false));
    }
    // Bad Idempotency-Key headers (refused before anything is stored; a valid body only where the
    // route takes the header, since the others ignore it).
    boolean idempotent = valid != null && method.equals("POST") && !template.contains("/queues/")
        && !template.startsWith("/v1/campaigns") && !template.startsWith("/v1/schedules");
    for (String key : badIdempotencyKeys(random)) {
      List<String[]> headers = new ArrayList<>(auth());
      headers.addAll(json());
      headers.add(new String[] {"Idempotency-Key", key});
      out.add(new Case("idempotency-key " + abbreviate(key) + " " + method + " " + path, method, path, headers,
          hasBody ? bytes(idempotent ? valid : invalidSample(template)) : null, false));
    }
    // Odd but well-formed keys, with an invalid body.
    for (String key : List.of("ключ-ü", "\u00ff\u00fe\u00fd", "k\tk", "a".repeat(255))) {
      List<String[]> headers = new ArrayList<>(auth());
      headers.addAll(json());
      headers.add(new String[] {"Idempotency-Key", key});
      out.add(new Case("idempotency-key odd " + method + " " + path, method, path, headers,
          hasBody ? bytes(invalidSample(template)) : null, false));
    }
    if (!hasBody) {
      // A body where none is read, with odd content types.
      for (String b : List.of("{", "[]", "\u0000", "x".repeat(1000))) {
        out.add(c("body on " + method, method, path, auth(), bytes(b), json()));
      }
      if (template.equals("/v1/messages") || template.equals("/health/live") || template.equals("/v1/messages/{id}")) {
        out.add(c("huge body on " + method, method, path, auth(), new byte[MAX + 1], json()));
      }
      return out;
    }

    int max = template.equals("/v1/messages/batch") || template.equals("/v1/campaigns") ? BATCH_MAX : MAX;
    // Malformed JSON and wrong shapes.
    // (A PATCH's malformed bodies go to an unknown instance: the body is read first all the same,
    // and "{}" or a UTF-16 "{}" are valid PATCHes that change nothing but would count as a change.)
    String bodyPath = method.equals("PATCH") ? unknownPath(template) : path;
    for (byte[] b : malformedBodies(template, random)) {
      out.add(c("body " + preview(b), method, bodyPath, auth(), b, json()));
    }
    // Signed malformed bodies reach a webhook's parser.
    if (template.startsWith("/webhooks/")) {
      for (byte[] b : malformedBodies(template, random)) {
        if (b.length > 20_000) {
          continue; // the big ones were sent unsigned above; the parser sees the small ones
        }
        List<String[]> headers = new ArrayList<>(json());
        headers.add(new String[] {WebhookSignature.HEADER, WebhookSignature.sign(b, SECRET)});
        out.add(new Case("signed body " + preview(b), method, path, headers, b, false));
      }
    }
    // Wrong types in an otherwise valid body.
    if (valid != null) {
      for (String b : wrongTypes(template, method, valid)) {
        out.add(c("wrong type " + abbreviate(b), method, path, auth(), bytes(b), json()));
      }
    }
    // Wrong and missing content types.
    String sample = template.startsWith("/graph/") || valid == null ? invalidSample(template) : valid;
    for (String type : List.of("text/plain", "application/xml", "multipart/form-data; boundary=x",
        "application/x-www-form-urlencoded", "application/jso", "json", "*/*", "", "application/problem+json",
        "text/json", "application/json-patch+json-x", "\u00ff/\u00fe")) {
      List<String[]> headers = new ArrayList<>(auth());
      if (!type.isEmpty()) {
        headers.add(new String[] {"Content-Type", type});
      }
      out.add(new Case("content-type '" + type + "' " + method + " " + path, method, path, headers, bytes(sample), false));
    }
    out.add(new Case("no content-type " + method + " " + path, method, path, auth(), bytes(sample), false));
    // Bodies just over the limit: declared, sent, and sent chunked; and one just at it.
    byte[] over = oversized(max + 1);
    out.add(c("over the limit " + (max + 1), method, path, auth(), over, json()));
    if (max == MAX) {
      out.add(new Case("chunked over the limit " + method + " " + path, method, path, concat(auth(), json()), over, true));
      if (template.equals("/v1/organizations")) {
        out.add(c("at the limit " + max, method, path, auth(), oversized(max), json()));
      }
    }
    List<String[]> lying = concat(auth(), json());
    lying.add(new String[] {"Content-Length", Integer.toString(max + 10)});
    out.add(new Case("declared over the limit " + method + " " + path, method, path, lying, bytes("{\"a\": 1}"), false));
    return out;
  }

  private static Case c(String label, String method, String target, List<String[]> auth, byte[] body, List<String[]> more) {
    List<String[]> headers = new ArrayList<>(auth);
    if (body != null) {
      headers.addAll(more);
    }
    return new Case(label + " " + method + " " + abbreviate(target), method, target, headers, body, false);
  }

  private static List<String[]> concat(List<String[]> a, List<String[]> b) {
    List<String[]> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  private static List<String[]> auth() {
    List<String[]> h = new ArrayList<>();
    h.add(new String[] {"Authorization", "Bearer " + ApiTestSupport.KEY});
    return h;
  }

  private static List<String[]> json() {
    List<String[]> h = new ArrayList<>();
    h.add(new String[] {"Content-Type", "application/json"});
    return h;
  }

  /** The path with real ids where a real object makes the route read further (never one a fuzz case could change). */
  private static String realPath(String template) {
    return template.replace("{apiVersion}", "v23.0").replace("{phoneNumberId}", "5550001")
        .replace("/v1/instances/{id}", "/v1/instances/" + instance)
        .replace("/v1/organizations/{id}", "/v1/organizations/" + organization)
        .replace("{instanceId}", instance).replace("{name}", "outbound")
        .replace("/v1/jobs/{id}", "/v1/jobs/999999999").replace("{id}", "x_unknown");
  }

  private static String unknownPath(String template) {
    return template.replace("/v1/jobs/{id}", "/v1/jobs/999999999").replace("{name}", "no_such_queue")
        .replaceAll("\\{[^}]+}", "x_unknown");
  }

  /** A valid body for a route that reads one (sent only where it must be refused for another reason). */
  private static String validBody(String template, String method) {
    String message = "{\"instanceId\": \"" + instance + "\", \"to\": \"+5511999990000\", \"type\": \"text\","
        + " \"text\": {\"body\": \"fuzz\"}, \"delay\": \"1h\"}";
    return switch (method + " " + template) {
      case "POST /v1/messages" -> message;
      case "POST /v1/messages/batch" -> "{\"messages\": [" + message + "]}";
      case "POST /v1/instances" -> "{\"name\": \"fuzz-valid\", \"provider\": \"simulator\"}";
      case "PATCH /v1/instances/{id}" -> "{\"name\": \"fuzz-renamed\"}";
      case "POST /v1/organizations" -> "{\"name\": \"Fuzz Valid\"}";
      case "POST /v1/organizations/{id}/keys" -> "{\"name\": \"fuzz-key\"}";
      case "POST /v1/queues/{name}/clean" -> "{\"state\": \"completed\", \"olderThan\": \"7d\"}";
      case "POST /v1/campaigns" -> "{\"instanceId\": \"" + instance + "\", \"name\": \"fuzz-campaign\", \"type\": \"text\","
          + " \"text\": {\"body\": \"fuzz {{name}}\"}, \"rate\": {\"count\": 5, \"per\": \"1s\"},"
          + " \"startAt\": \"2099-01-01T00:00:00Z\"}";
      case "POST /v1/schedules" -> "{\"instanceId\": \"" + instance + "\", \"type\": \"text\", \"text\": {\"body\": \"fuzz\"},"
          + " \"to\": \"+5511999990000\", \"at\": \"2099-01-01T00:00:00Z\", \"timeZone\": \"UTC\"}";
      case "POST /graph/{apiVersion}/{phoneNumberId}/messages" ->
          "{\"messaging_product\": \"whatsapp\", \"to\": \"5511999990001\", \"type\": \"text\", \"text\": {\"body\": \"fuzz\"}}";
      default -> null;
    };
  }

  /** A well-formed body every route refuses (wrong types only). */
  private static String invalidSample(String template) {
    if (template.startsWith("/graph/")) {
      return "{\"messaging_product\": \"whatsapp\", \"to\": [], \"type\": \"text\", \"text\": 7}";
    }
    return "{\"name\": 17, \"to\": [], \"messages\": 3, \"state\": 5, \"instanceId\": {}, \"type\": 1, \"provider\": 2, \"zz\": 1}";
  }

  /** Each member of the valid body replaced by values of a type it never takes, one at a time. */
  private static List<String> wrongTypes(String template, String method, String valid) {
    List<String> out = new ArrayList<>();
    ObjectNode base;
    try {
      base = (ObjectNode) ApiTestSupport.JSON.readTree(valid);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    Map<String, List<String>> wrong = new LinkedHashMap<>();
    wrong.put("instanceId", List.of("123", "true", "[]", "{}", "null", "\"\""));
    wrong.put("to", List.of("123", "[]", "{}", "true", "null", "\"\"", "\"" + "9".repeat(5000) + "\"", "\"+55 \\u0000 11\"",
        "1e400", "\"\\ud800\""));
    wrong.put("type", List.of("1", "[]", "\"nope\"", "\"TEXT\"")); // (null is "absent" for the Cloud API endpoint: text)
    wrong.put("text", List.of("\"str\"", "1", "[]", "true", "{\"body\": 5}", "{\"body\": \"\"}", "{\"body\": \"" + "x".repeat(5000) + "\"}",
        "{\"bodyx\": \"x\"}", "{\"body\": \"a\\u0000b\"}"));
    wrong.put("delay", List.of("5", "\"soon\"", "\"-1s\"", "\"99999999999999999999d\"", "[]", "\"1e3s\""));
    wrong.put("messages", List.of("\"x\"", "{}", "[]", "[1]", "[null]", "[[]]", "1e400", "[\"x\", 2, true]"));
    wrong.put("name", List.of("1", "[]", "{}", "true", "\"\"", "\"" + "n".repeat(201) + "\"", "\"a\\u0000b\"", "\"\\u0007bell\""));
    wrong.put("state", List.of("1", "\"nope\"", "[]", "\"running\"", "null"));
    wrong.put("olderThan", List.of("5", "\"x\"", "\"-7d\"", "[]", "\"99999999999999d\"", "null"));
    wrong.put("messaging_product", List.of("1", "\"sms\"", "[]", "null"));
    List<String> extras = List.of(
        "\"priority\": \"nope\"", "\"priority\": 10", "\"priority\": -1", "\"priority\": 1.5", "\"priority\": 1e400",
        "\"priority\": 99999999999999999999999", "\"priority\": []", "\"sendAt\": 5", "\"sendAt\": \"yesterday\"",
        "\"sendAt\": \"2026-13-45T99:99:99Z\"", "\"typing\": 5", "\"typing\": \"999d\"", "\"metadata\": \"x\"",
        "\"metadata\": [1]", "\"metadata\": {\"k\": \"\\u0000\"}", "\"metadata\": {\"\\u0000\": 1}", "\"metadata\": {\"a\": \"" + "m".repeat(20_000) + "\"}", "\"orderKey\": \"\"",
        "\"orderKey\": 5", "\"replyTo\": {}", "\"image\": {\"link\": \"x\"}", "\"zzz\": 1", "\"plan\": \"-bad\"",
        "\"plan\": 7", "\"admin\": \"yes\"", "\"atomic\": \"yes\"", "\"settings\": \"x\"", "\"settings\": {\"nope\": 1}",
        "\"limits\": {\"rate\": 5}", "\"limits\": {\"rate\": {\"count\": -1, \"per\": \"1s\"}}",
        "\"limits\": {\"gap\": {\"min\": \"9s\", \"max\": \"1s\"}}", "\"limits\": {\"daily\": {\"count\": 1e400}}",
        "\"limits\": {\"window\": {\"from\": \"25:00\", \"to\": \"x\"}}", "\"timeZone\": \"Mars/Olympus\"", "\"ordering\": \"x\"",
        "\"inDoubt\": {\"policy\": \"x\"}", "\"provider\": \"cloud_api\"", "\"defaultRegion\": 5",
        "\"location\": {\"latitude\": 1e400, \"longitude\": \"x\"}", "\"context\": {\"message_id\": []}",
        "\"biz_opaque_callback_data\": \"" + "b".repeat(600) + "\"", "\"recipient_type\": \"group\"");
    base.fieldNames().forEachRemaining(field -> {
      for (String value : wrong.getOrDefault(field, List.of("1", "[]", "{}", "true", "\"\\u0000\""))) {
        ObjectNode copy = base.deepCopy();
        String body;
        try {
          copy.set(field, ApiTestSupport.JSON.readTree(value));
          body = copy.toString();
        } catch (IOException e) {
          // A value Jackson will not read back (1e400 stays as the raw text): splice it in.
          body = base.deepCopy().put(field, "@@").toString().replace("\"@@\"", value);
        }
        out.add(body);
      }
    });
    // Members added (every one invalid for the routes that take them; unknown members for the others).
    boolean lenient = template.startsWith("/graph/");
    for (String extra : extras) {
      if (lenient && !extra.startsWith("\"context\"") && !extra.startsWith("\"biz_opaque") && !extra.startsWith("\"recipient_type\"")) {
        continue; // the Cloud API endpoint ignores members it does not use, as Meta does
      }
      if (method.equals("PATCH") && (extra.startsWith("\"settings\": {\"nope\"") || extra.equals("\"provider\": \"cloud_api\""))) {
        out.add(valid.substring(0, valid.length() - 1) + ", " + extra + "}");
        continue;
      }
      // Priority etc. added to a body whose route does not take them are unknown members: refused too.
      String body = valid.substring(0, valid.length() - 1) + ", " + extra + "}";
      if (extra.startsWith("\"zzz\"") || !acceptsAsValid(template, extra)) {
        out.add(body);
      }
    }
    // The same member twice.
    String firstField = base.fieldNames().next();
    out.add(valid.substring(0, valid.length() - 1) + ", \"" + firstField + "\": " + base.get(firstField) + "}");
    return out;
  }

  /** Whether an added member could make this route's valid body still valid (such cases are left out). */
  private static boolean acceptsAsValid(String template, String extra) {
    // Every extra above is an invalid value or an unknown member for every route; none is left out.
    return false;
  }

  private static List<byte[]> malformedBodies(String template, Random random) {
    List<byte[]> out = new ArrayList<>();
    for (String s : List.of("", " ", "{", "}", "{\"a\":", "[", "]", "nul", "tru", "{\"a\" 1}", "{'a': 1}", "{\"a\": 1,}",
        "[1,]", "{\"a\": 1}{\"b\": 2}", "{\"a\": 1} x", "\"str\"", "123", "-0", "null", "true", "[]", "[{}]", "{}",
        "{\"a\": 1, \"a\": 2}", "{\"to\": \"a\", \"to\": \"b\"}", "{\"a\": NaN}", "{\"a\": Infinity}", "-", "0x10",
        "{\"a\": 01}", "\uFEFF{}", "{\u0000}", "{\"a\": \"\u0000\"}", "{\"a\": \"\\x\"}", "{\"a\": \"\\ud800\"}",
        "{\"a\": \"\\u00\"}", "{\"a\": \"\n\"}", "/* c */ {}", "{\"a\": 1e999999}", "1" + "0".repeat(2000),
        "{\"to\": " + "9".repeat(1500) + "}", "{\"to\": -" + "9".repeat(400) + ".5e-99999}", "{\"\": 1}",
        "{\"a\": \"" + "x".repeat(900_000) + "\"}", "{\"" + "k".repeat(70_000) + "\": 1}")) {
      out.add(bytes(s));
    }
    // Invalid UTF-8: a lone continuation byte, a truncated sequence, an overlong encoding, 0xFF.
    out.add(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0x80, '"', '}'});
    out.add(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, '(', '"', '}'});
    out.add(new byte[] {'{', '"', (byte) 0xC0, (byte) 0xAF, '"', ':', '1', '}'});
    out.add(new byte[] {(byte) 0xFF, (byte) 0xFE, '{', 0, '}', 0});
    out.add(new byte[] {'{', '"', 't', 'o', '"', ':', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}'});
    // Deep nesting: arrays, objects, and inside a member.
    for (int depth : new int[] {999, 1001, 5000}) {
      out.add(bytes("[".repeat(depth) + "]".repeat(depth)));
      out.add(bytes("{\"a\":".repeat(depth) + "1" + "}".repeat(depth)));
      out.add(bytes("{\"to\": " + "[".repeat(depth) + "]".repeat(depth) + "}"));
    }
    out.add(bytes("[".repeat(20_000))); // unclosed
    // Random bytes, and random printable noise.
    for (int i = 0; i < 8; i++) {
      byte[] b = new byte[1 + random.nextInt(300)];
      random.nextBytes(b);
      out.add(b);
      StringBuilder sb = new StringBuilder("{");
      for (int j = random.nextInt(60); j > 0; j--) {
        String alphabet = "{}[]\":,0123456789.eE+-truefalsnul\\ \u00e9\u20ac\ud83d\ude00";
        sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      out.add(bytes(sb.toString()));
    }
    // Truncations of the route's valid body.
    String valid = validBody(template, template.startsWith("/v1/instances/{id}") ? "PATCH" : "POST");
    if (valid != null) {
      for (int cut = 1; cut < valid.length(); cut += Math.max(1, valid.length() / 12)) {
        out.add(bytes(valid.substring(0, cut)));
      }
      out.add(bytes("[" + valid + "]"));
      out.add(bytes("[" + valid + ", " + valid + "]"));
      out.add(bytes("\"" + valid.replace("\"", "\\\"") + "\""));
    }
    return out;
  }

  private static List<String> badIds(Random random) {
    List<String> ids = new ArrayList<>(List.of("x", "-1", "0", "99999999999999999999999", "%00", "%FF%FE", "a%20b",
        "%C3%B1", "..", "%2e%2e", ";x", "x'--", "%7Bid%7D", "ins_", "msg_", "key_", "org_", "%E2%82", "%",
        "a".repeat(3000), "9".repeat(30), "%0A", "%2F"));
    for (int i = 0; i < 3; i++) {
      byte[] b = new byte[12];
      random.nextBytes(b);
      ids.add(Base64.getUrlEncoder().withoutPadding().encodeToString(b));
    }
    return ids;
  }

  private static List<String> junkQueries(Random random) {
    List<String> qs = new ArrayList<>(List.of("?limit=-1", "?limit=abc", "?limit=0", "?limit=501", "?limit=99999999999999999999",
        "?limit=", "?limit=1e2", "?limit=%20", "?limit=1&limit=abc", "?cursor=", "?cursor=!!!", "?cursor=%FF%FE",
        "?cursor=" + b64("p:abc"), "?cursor=" + b64("p:-5"), "?cursor=" + b64("p:99999999999999999999"),
        "?cursor=" + b64("c:notatime|x"), "?cursor=" + b64("c:2026-11-23T12:00:00Z|"), "?cursor=" + b64("k:"),
        "?cursor=" + b64("i:"), "?cursor=" + b64("i:\u0000"), "?cursor=" + "A".repeat(5000), "?cursor=%00",
        "?status=bogus", "?status=", "?state=bogus", "?state=", "?queue=", "?queue=" + "q".repeat(200), "?kind=",
        "?kind=%20", "?instance=nope", "?instance=", "?to=abc", "?to=", "?to=%2B", "?to=%00", "?force=maybe",
        "?force=", "?force=TRUE", "?chat=%00", "?chat=" + "c".repeat(3000), "?%zz", "?a=%", "?a=%E2%82", "?=",
        "?&&&", "?hub.mode=subscribe&hub.verify_token=x&hub.challenge=%00", "?hub.mode=&hub.challenge=",
        "?secret=", "?secret=%FF", "?" + "x=1&".repeat(500), "?instance=%00", "?queue=%00", "?kind=a%00b",
        "?status=%00", "?state=%00", "?chat=%2B55%00", "?hub.verify_token=%00&hub.mode=subscribe&hub.challenge=1"));
    for (int i = 0; i < 3; i++) {
      StringBuilder sb = new StringBuilder("?");
      for (int j = 1 + random.nextInt(40); j > 0; j--) {
        sb.append("abc=&%+09zZ.~_-".charAt(random.nextInt(15)));
      }
      qs.add(sb.toString());
    }
    return qs;
  }

  private static List<String[]> badAuthorizations(Random random) {
    List<String[]> out = new ArrayList<>();
    out.add(null);
    for (String v : List.of("", "Bearer", "Bearer ", "Basic Zm9vOmJhcg==", "Bearer ck_", "Token " + ApiTestSupport.KEY,
        "Bearer " + ApiTestSupport.KEY + "x", "Bearer " + ApiTestSupport.KEY.substring(1), "Bearer " + "A".repeat(4000),
        "Bearer \u00ff\u00fe\u00e9", "Bearer %00", "Bearer ck_" + "\u0001", "Bearer\t" + ApiTestSupport.KEY + "z",
        "Bearer ck_" + b64(new byte[32]), "Bearer " + ApiTestSupport.KEY.toUpperCase(Locale.ROOT))) {
      out.add(new String[] {"Authorization", v});
    }
    byte[] b = new byte[32];
    random.nextBytes(b);
    out.add(new String[] {"Authorization", "Bearer ck_" + b64(b)});
    return out;
  }

  private static List<String> badIdempotencyKeys(Random random) {
    return List.of("", " ", "   ", "a".repeat(256), "k".repeat(5000));
  }

  private static byte[] oversized(int size) {
    byte[] b = new byte[size];
    java.util.Arrays.fill(b, (byte) 'a');
    byte[] head = bytes("{\"name\": \"");
    System.arraycopy(head, 0, b, 0, head.length);
    b[size - 2] = '"';
    b[size - 1] = '}';
    return b;
  }

  private static String b64(String s) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String b64(byte[] b) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String preview(byte[] b) {
    String s = new String(b, 0, Math.min(b.length, 40), StandardCharsets.ISO_8859_1);
    return "'" + s.replaceAll("[^\\x20-\\x7e]", "?") + "'" + (b.length > 40 ? "… (" + b.length + " bytes)" : "");
  }

  // ------------------------------------------------------------------ raw HTTP/1.1

  private static Answer send(Case c) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", api.server.port())) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      StringBuilder head = new StringBuilder(c.method()).append(' ').append(c.target()).append(" HTTP/1.1\r\n");
      head.append("Host: 127.0.0.1\r\nConnection: close\r\n");
      boolean lengthGiven = false;
      for (String[] h : c.headers()) {
        head.append(h[0]).append(": ").append(h[1]).append("\r\n");
        lengthGiven |= h[0].equalsIgnoreCase("Content-Length");
      }
      if (c.body() != null && c.chunked()) {
        head.append("Transfer-Encoding: chunked\r\n");
      } else if (c.body() != null && !lengthGiven) {
        head.append("Content-Length: ").append(c.body().length).append("\r\n");
      }
      head.append("\r\n");
      // Header text is sent byte for byte (ISO-8859-1), so that non-ASCII bytes reach the server as such.
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      try {
        if (c.body() != null && c.chunked()) {
          for (int at = 0; at < c.body().length; at += 65536) {
            int n = Math.min(65536, c.body().length - at);
            out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(c.body(), at, n);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
          }
          out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        } else if (c.body() != null) {
          out.write(c.body());
        }
        out.flush();
      } catch (IOException e) {
        // The server may answer (413) and close before the whole body is written: read its answer.
      }
      return parse(readAll(socket.getInputStream()));
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    byte[] b = new byte[65536];
    try {
      for (int n; (n = in.read(b)) >= 0; ) {
        buffer.write(b, 0, n);
      }
    } catch (java.net.SocketException e) {
      if (buffer.size() == 0) {
        throw e;
      }
    }
    return buffer.toByteArray();
  }

  private static Answer parse(byte[] raw) throws IOException {
    String text = new String(raw, StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      throw new IOException("no complete answer: " + abbreviate(text));
    }
    String[] lines = text.substring(0, end).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
    }
    byte[] body = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      ByteArrayOutputStream decoded = new ByteArrayOutputStream();
      int at = 0;
      while (at < body.length) {
        int lineEnd = indexOf(body, at);
        int size = Integer.parseInt(new String(body, at, lineEnd - at, StandardCharsets.US_ASCII).split(";")[0].trim(), 16);
        if (size == 0) {
          break;
        }
        decoded.write(body, lineEnd + 2, size);
        at = lineEnd + 2 + size + 2;
      }
      body = decoded.toByteArray();
    }
    return new Answer(status, headers, new String(body, StandardCharsets.UTF_8));
  }

  private static int indexOf(byte[] b, int from) {
    for (int i = from; i + 1 < b.length; i++) {
      if (b[i] == '\r' && b[i + 1] == '\n') {
        return i;
      }
    }
    return b.length;
  }
}
