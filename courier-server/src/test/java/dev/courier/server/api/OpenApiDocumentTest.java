package dev.courier.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.courier.server.http.HttpServer;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document against the running server: it documents exactly the route table, every
 * documented operation is answered, the document is well-formed OpenAPI 3.1 (references resolve,
 * schemas are valid JSON Schema 2020-12), and real answers validate against their documented schemas.
 */
class OpenApiDocumentTest {
  private static final Set<String> METHODS = Set.of("get", "post", "put", "patch", "delete", "head", "options", "trace");
  private static final List<String> PUBLIC_PREFIXES = List.of("/health/", "/webhooks/", "/docs/");
  private static final Pattern TEMPLATE = Pattern.compile("\\{([^}]+)}");
  private static final String DIALECT = "https://json-schema.org/draft/2020-12/schema";

  static ApiTestSupport api;
  static JsonNode doc;

  @BeforeAll
  static void start() throws Exception {
    api = ApiTestSupport.start();
    HttpResponse<String> r = api.call("GET", "/v1/openapi.json", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
    doc = ApiTestSupport.body(r);
  }

  @AfterAll
  static void stop() throws Exception {
    if (api != null) {
      api.close();
    }
  }

  /** "GET /v1/messages/{id}" for every operation of the document. */
  private static Set<String> documented() {
    Set<String> ops = new TreeSet<>();
    doc.get("paths").properties().forEach(p -> p.getValue().properties().forEach(m -> {
      if (METHODS.contains(m.getKey())) {
        ops.add(m.getKey().toUpperCase() + " " + p.getKey());
      }
    }));
    return ops;
  }

  @Test
  void theDocumentCoversExactlyTheRouteTable() {
    Set<String> table = new TreeSet<>();
    for (HttpServer.Route r : api.server.http().routeTable()) {
      table.add(r.method().name() + " " + r.path());
    }
    assertThat(table).hasSizeGreaterThan(30);
    assertThat(documented()).as("documented operations").isEqualTo(table);
  }

  @Test
  void everyDocumentedOperationIsAnsweredByARouteAndPublicOnesNeedNoKey() {
    // The check itself: a path that is no route is told apart.
    HttpResponse<String> none = api.call("GET", "/v1/no-such-route", null);
    assertThat(none.statusCode()).isEqualTo(404);
    assertThat(none.body()).contains("no route");
    HttpResponse<String> noneGraph = api.call("GET", "/graph/v23.0/123/messages", null);
    assertThat(noneGraph.body()).contains("no route");

    for (String op : documented()) {
      String method = op.substring(0, op.indexOf(' '));
      String template = op.substring(op.indexOf(' ') + 1);
      String path = concrete(template);
      String body = method.equals("GET") || method.equals("DELETE") ? null : "{}";
      // With the admin key: answered by the route (whatever the answer), never "no route".
      HttpResponse<String> r = api.call(method, path, body);
      assertThat(r.statusCode()).as(op + " " + r.body()).isLessThan(500);
      assertThat(r.body()).as(op).doesNotContain("no route");
      // Without a key: public routes answer as themselves, every other route 401.
      HttpResponse<String> anonymous = api.call(method, path, body, null);
      JsonNode operation = doc.get("paths").get(template).get(method.toLowerCase());
      boolean documentedPublic = operation.has("security") && operation.get("security").isEmpty();
      assertThat(documentedPublic).as(op + " documented public").isEqualTo(PUBLIC_PREFIXES.stream().anyMatch(template::startsWith));
      if (documentedPublic) {
        assertThat(anonymous.statusCode()).as(op + " without a key: " + anonymous.body()).isNotEqualTo(401);
        assertThat(anonymous.body()).as(op).doesNotContain("no route");
      } else {
        assertThat(anonymous.statusCode()).as(op + " without a key").isEqualTo(401);
      }
    }
  }

  private static String concrete(String template) {
    return template.replace("{apiVersion}", "v23.0").replace("{phoneNumberId}", "1234567")
        .replace("/v1/jobs/{id}", "/v1/jobs/999999999").replace("{id}", "x_unknown").replace("{instanceId}", "ins_unknown")
        .replace("{name}", "no_such_queue");
  }

  @Test
  void theDocumentIsWellFormedOpenApi31() {
    assertThat(doc.path("openapi").asText()).matches("3\\.1\\.\\d+");
    assertThat(doc.path("info").path("title").asText()).isNotBlank();
    assertThat(doc.path("info").path("version").asText()).isNotBlank();
    assertThat(doc.path("components").path("securitySchemes").path("bearerAuth").path("scheme").asText()).isEqualTo("bearer");
    assertThat(doc.path("security").get(0).has("bearerAuth")).isTrue();

    // Every $ref resolves.
    List<String> refs = new ArrayList<>();
    collectRefs(doc, refs);
    assertThat(refs).hasSizeGreaterThan(50);
    for (String ref : refs) {
      assertThat(ref).as("local reference").startsWith("#/");
      assertThat(doc.at(ref.substring(1)).isMissingNode()).as("$ref " + ref + " resolves").isFalse();
    }

    Set<String> operationIds = new HashSet<>();
    doc.get("paths").properties().forEach(p -> {
      String template = p.getKey();
      assertThat(template).startsWith("/");
      Set<String> inTemplate = new LinkedHashSet<>();
      Matcher m = TEMPLATE.matcher(template);
      while (m.find()) {
        inTemplate.add(m.group(1));
      }
      p.getValue().properties().forEach(o -> {
        if (!METHODS.contains(o.getKey())) {
          return;
        }
        String op = o.getKey() + " " + template;
        JsonNode operation = o.getValue();
        assertThat(operation.path("responses").size()).as(op + " has responses").isPositive();
        operation.get("responses").properties().forEach(r -> {
          assertThat(r.getKey()).as(op).matches("[1-5][0-9][0-9]|default");
          JsonNode response = deref(r.getValue());
          assertThat(response.path("description").isTextual()).as(op + " " + r.getKey() + " description").isTrue();
          // Errors are problems; /health/ready's 503 is the readiness report itself.
          if (r.getKey().matches("[45]..") && response.has("content") && !template.equals("/health/ready")) {
            assertThat(response.get("content").has("application/problem+json")
                    || template.startsWith("/graph/") && response.get("content").has("application/json"))
                .as(op + " " + r.getKey() + " is a problem (or a Cloud API error under /graph)").isTrue();
          }
        });
        assertThat(operationIds.add(operation.path("operationId").asText())).as(op + " operationId unique").isTrue();
        Set<String> declared = new LinkedHashSet<>();
        for (JsonNode param : operation.path("parameters")) {
          JsonNode pn = deref(param);
          assertThat(pn.path("in").asText()).as(op).isIn("path", "query", "header", "cookie");
          assertThat(pn.has("schema")).as(op + " parameter " + pn.path("name")).isTrue();
          if (pn.path("in").asText().equals("path")) {
            assertThat(pn.path("required").asBoolean()).as(op + " path parameter required").isTrue();
            declared.add(pn.path("name").asText());
          }
        }
        assertThat(declared).as(op + " path parameters").isEqualTo(inTemplate);
        if (operation.has("requestBody")) {
          assertThat(deref(operation.get("requestBody")).path("content").size()).as(op + " body content").isPositive();
        }
        for (JsonNode requirement : operation.path("security")) {
          requirement.fieldNames().forEachRemaining(name ->
              assertThat(doc.path("components").path("securitySchemes").has(name)).as(op + " scheme " + name).isTrue());
        }
      });
    });

    // Every schema of the document is a valid JSON Schema 2020-12 (OpenAPI 3.1's dialect) and compiles.
    SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    Schema meta = registry.getSchema(SchemaLocation.of(DIALECT));
    List<JsonNode> schemas = new ArrayList<>();
    collectSchemas(doc, schemas);
    assertThat(schemas).hasSizeGreaterThan(50);
    for (JsonNode s : schemas) {
      List<Error> errors = meta.validate(s.toString(), InputFormat.JSON);
      assertThat(errors).as("schema " + s).isEmpty();
      validator(s);
    }
  }

  private static void collectRefs(JsonNode n, List<String> out) {
    if (n.isObject()) {
      n.properties().forEach(e -> {
        if (e.getKey().equals("$ref")) {
          out.add(e.getValue().asText());
        } else {
          collectRefs(e.getValue(), out);
        }
      });
    } else if (n.isArray()) {
      n.forEach(c -> collectRefs(c, out));
    }
  }

  /** Every "schema" member (parameters, media types, headers) and every component schema. */
  private static void collectSchemas(JsonNode n, List<JsonNode> out) {
    if (n.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getKey().equals("schema") && e.getValue().isObject()) {
          out.add(e.getValue());
        } else if (e.getKey().equals("schemas") && n == doc.get("components")) {
          e.getValue().forEach(out::add);
        } else {
          collectSchemas(e.getValue(), out);
        }
      }
    } else if (n.isArray()) {
      n.forEach(c -> collectSchemas(c, out));
    }
  }

  private static JsonNode deref(JsonNode n) {
    while (n.has("$ref")) {
      n = doc.at(n.get("$ref").asText().substring(1));
    }
    return n;
  }

  /** A validator for a schema of the document: its references resolve within the document. */
  private static Schema validator(JsonNode schema) {
    ObjectNode s = schema.deepCopy();
    s.put("$schema", DIALECT);
    s.set("components", doc.get("components"));
    return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(s.toString(), InputFormat.JSON);
  }

  /** Checks a real answer against the schema documented for its path, method, status and content type. */
  private static void assertDocumented(String template, String method, HttpResponse<String> r) {
    JsonNode operation = doc.get("paths").get(template).get(method.toLowerCase());
    assertThat(operation).as(method + " " + template + " documented").isNotNull();
    JsonNode response = operation.get("responses").get(Integer.toString(r.statusCode()));
    assertThat(response).as(method + " " + template + " documents " + r.statusCode() + ": " + r.body()).isNotNull();
    response = deref(response);
    String type = r.headers().firstValue("Content-Type").orElse("").replaceAll(";.*", "");
    JsonNode media = response.path("content").get(type);
    assertThat(media).as(method + " " + template + " " + r.statusCode() + " documents " + type).isNotNull();
    List<Error> errors = validator(media.get("schema")).validate(r.body(), InputFormat.JSON);
    assertThat(errors).as(method + " " + template + " " + r.statusCode() + " " + r.body()).isEmpty();
  }

  @Test
  void realAnswersMatchTheirDocumentedSchemas() {
    // The validator does refuse what does not match (a control).
    Schema messageSchema = validator(doc.at("/components/schemas/Message"));
    assertThat(messageSchema.validate("{\"id\": \"msg_1\"}", InputFormat.JSON)).isNotEmpty();
    assertThat(validator(doc.at("/components/schemas/Problem")).validate("{\"type\": \"x\", \"title\": \"t\", \"status\": 400,"
        + " \"errors\": [{\"field\": 1}]}", InputFormat.JSON)).isNotEmpty();
    HttpResponse<String> created = api.call("POST", "/v1/instances",
        "{\"name\": \"openapi-sim\", \"provider\": \"simulator\", \"settings\": {\"latency\": \"20ms\", \"seed\": 7},"
            + " \"defaultRegion\": \"BR\", \"limits\": {\"rate\": {\"count\": 80, \"per\": \"1s\", \"burst\": 80},"
            + " \"window\": {\"from\": \"08:00\", \"to\": \"21:00\", \"timeZone\": \"America/Sao_Paulo\"}}}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertDocumented("/v1/instances", "POST", created);
    String instance = ApiTestSupport.body(created).get("id").asText();
    assertDocumented("/v1/instances/{id}", "GET", api.call("GET", "/v1/instances/" + instance, null));
    assertDocumented("/v1/instances", "GET", api.call("GET", "/v1/instances?limit=1", null));

    HttpResponse<String> sent = api.call("POST", "/v1/messages",
        "{\"instanceId\": \"" + instance + "\", \"to\": \"+5511999999999\", \"type\": \"text\","
            + " \"text\": {\"body\": \"Olá!\", \"previewUrl\": false}, \"priority\": \"urgent\", \"delay\": \"1h\","
            + " \"metadata\": {\"orderId\": \"A-17\"}}");
    assertThat(sent.statusCode()).as(sent.body()).isEqualTo(202);
    assertDocumented("/v1/messages", "POST", sent);
    String message = ApiTestSupport.body(sent).get("id").asText();
    assertDocumented("/v1/messages/{id}", "GET", api.call("GET", "/v1/messages/" + message, null));
    assertDocumented("/v1/messages", "GET", api.call("GET", "/v1/messages?instance=" + instance, null));
    assertDocumented("/v1/instances/{id}/queue", "GET", api.call("GET", "/v1/instances/" + instance + "/queue", null));

    HttpResponse<String> invalid = api.call("POST", "/v1/messages",
        "{\"instanceId\": \"" + instance + "\", \"to\": \"not a phone\", \"type\": \"text\", \"text\": {\"body\": \"x\"}}");
    assertThat(invalid.statusCode()).isEqualTo(400);
    assertThat(ApiTestSupport.body(invalid).get("errors").get(0).get("field").asText()).isEqualTo("to");
    assertDocumented("/v1/messages", "POST", invalid);
    assertDocumented("/v1/messages", "POST", api.call("POST", "/v1/messages", "{\"to\": ", ApiTestSupport.KEY));
    assertDocumented("/v1/messages/{id}", "GET", api.call("GET", "/v1/messages/msg_nope", null));
    assertDocumented("/v1/whoami", "GET", api.call("GET", "/v1/whoami", null, "ck_wrong"));

    HttpResponse<String> batch = api.call("POST", "/v1/messages/batch", "{\"messages\": ["
        + "{\"instanceId\": \"" + instance + "\", \"to\": \"+5511999999998\", \"type\": \"text\", \"text\": {\"body\": \"a\"}, \"delay\": \"1h\"},"
        + "{\"instanceId\": \"" + instance + "\", \"to\": \"nope\", \"type\": \"text\", \"text\": {\"body\": \"b\"}}]}");
    assertThat(batch.statusCode()).as(batch.body()).isEqualTo(202);
    assertDocumented("/v1/messages/batch", "POST", batch);
    assertDocumented("/v1/messages/{id}", "DELETE", api.call("DELETE", "/v1/messages/" + message, null));

    HttpResponse<String> campaign = api.call("POST", "/v1/campaigns", "{\"instanceId\": \"" + instance + "\", \"name\": \"openapi\","
        + " \"type\": \"text\", \"text\": {\"body\": \"Olá {{name}}\"}, \"rate\": {\"count\": 20, \"per\": \"1s\"},"
        + " \"startAt\": \"2099-01-01T09:00:00-03:00\", \"recipients\": [{\"to\": \"+5511999990001\", \"variables\": {\"name\": \"Ana\"}},"
        + " {\"to\": \"12\", \"variables\": {\"name\": \"B\"}}, {\"to\": \"+5511999990002\"}]}");
    assertThat(campaign.statusCode()).as(campaign.body()).isEqualTo(201);
    assertDocumented("/v1/campaigns", "POST", campaign);
    String campaignId = ApiTestSupport.body(campaign).get("id").asText();
    assertDocumented("/v1/campaigns", "POST", api.call("POST", "/v1/campaigns", "{\"instanceId\": \"" + instance + "\", \"type\": \"text\"}"));
    assertDocumented("/v1/campaigns/{id}/recipients", "POST", api.call("POST", "/v1/campaigns/" + campaignId + "/recipients",
        "{\"recipients\": [{\"to\": \"+5511999990003\", \"variables\": {\"name\": \"Cy\"}}, {\"to\": \"+5511999990001\", \"variables\": {\"name\": \"Ana\"}}]}"));
    assertDocumented("/v1/campaigns/{id}", "GET", api.call("GET", "/v1/campaigns/" + campaignId, null));
    assertDocumented("/v1/campaigns", "GET", api.call("GET", "/v1/campaigns?limit=1", null));
    assertDocumented("/v1/campaigns/{id}/recipients", "GET", api.call("GET", "/v1/campaigns/" + campaignId + "/recipients?limit=2", null));
    assertDocumented("/v1/campaigns/{id}/start", "POST", api.call("POST", "/v1/campaigns/" + campaignId + "/start", null));
    assertDocumented("/v1/campaigns/{id}/start", "POST", api.call("POST", "/v1/campaigns/" + campaignId + "/start", null));
    assertDocumented("/v1/campaigns/{id}/pause", "POST", api.call("POST", "/v1/campaigns/" + campaignId + "/pause", null));
    assertDocumented("/v1/campaigns/{id}/cancel", "POST", api.call("POST", "/v1/campaigns/" + campaignId + "/cancel", null));

    HttpResponse<String> schedule = api.call("POST", "/v1/schedules", "{\"instanceId\": \"" + instance + "\", \"name\": \"openapi\","
        + " \"type\": \"text\", \"text\": {\"body\": \"Bom dia {{name}}\"},"
        + " \"recipients\": [{\"to\": \"+5511999990001\", \"variables\": {\"name\": \"Ana\"}}],"
        + " \"cron\": \"0 9 * * MON-FRI\", \"timeZone\": \"America/Sao_Paulo\", \"endAt\": \"2099-01-01T00:00:00-03:00\"}");
    assertThat(schedule.statusCode()).as(schedule.body()).isEqualTo(201);
    assertDocumented("/v1/schedules", "POST", schedule);
    String scheduleId = ApiTestSupport.body(schedule).get("id").asText();
    assertDocumented("/v1/schedules", "POST", api.call("POST", "/v1/schedules", "{\"instanceId\": \"" + instance + "\", \"type\": \"text\","
        + " \"text\": {\"body\": \"x\"}, \"to\": \"+5511999990001\", \"cron\": \"not a cron\"}"));
    assertDocumented("/v1/schedules/{id}", "GET", api.call("GET", "/v1/schedules/" + scheduleId, null));
    assertDocumented("/v1/schedules", "GET", api.call("GET", "/v1/schedules?limit=1", null));
    assertDocumented("/v1/schedules/{id}/pause", "POST", api.call("POST", "/v1/schedules/" + scheduleId + "/pause", null));
    assertDocumented("/v1/schedules/{id}/resume", "POST", api.call("POST", "/v1/schedules/" + scheduleId + "/resume", null));
    HttpResponse<String> deleted = api.call("DELETE", "/v1/schedules/" + scheduleId, null);
    assertThat(deleted.statusCode()).isEqualTo(204);
    assertDocumented("/v1/schedules/{id}", "GET", api.call("GET", "/v1/schedules/" + scheduleId, null));

    HttpResponse<String> patched = api.call("PATCH", "/v1/instances/" + instance, "{\"limits\": {\"gap\": {\"min\": \"1s\", \"max\": \"2s\"}}}");
    assertDocumented("/v1/instances/{id}", "PATCH", patched);
    assertDocumented("/v1/instances/{id}/pause", "POST", api.call("POST", "/v1/instances/" + instance + "/pause", null));
    assertDocumented("/v1/instances/{id}/outbox", "GET", api.call("GET", "/v1/instances/ins_demo/outbox", null));

    HttpResponse<String> org = api.call("POST", "/v1/organizations", "{\"name\": \"OpenAPI Org\", \"plan\": \"pro\"}");
    assertDocumented("/v1/organizations", "POST", org);
    String orgId = ApiTestSupport.body(org).get("id").asText();
    assertDocumented("/v1/organizations/{id}/keys", "POST", api.call("POST", "/v1/organizations/" + orgId + "/keys", "{\"name\": \"backend\"}"));
    assertDocumented("/v1/organizations/{id}/keys", "GET", api.call("GET", "/v1/organizations/" + orgId + "/keys", null));
    assertDocumented("/v1/organizations", "GET", api.call("GET", "/v1/organizations", null));
    assertDocumented("/v1/whoami", "GET", api.call("GET", "/v1/whoami", null));

    assertDocumented("/v1/queues", "GET", api.call("GET", "/v1/queues", null));
    assertDocumented("/v1/jobs", "GET", api.call("GET", "/v1/jobs?limit=5", null));
    assertDocumented("/v1/jobs", "GET", api.call("GET", "/v1/jobs?state=nope", null));
    assertDocumented("/v1/order-keys/blocked", "GET", api.call("GET", "/v1/order-keys/blocked", null));
    assertDocumented("/v1/queues/{name}/clean", "POST",
        api.call("POST", "/v1/queues/outbound/clean", "{\"state\": \"completed\", \"olderThan\": \"7d\"}"));

    assertDocumented("/health/live", "GET", api.call("GET", "/health/live", null, null));
    assertDocumented("/health/ready", "GET", api.call("GET", "/health/ready", null, null));
    assertDocumented("/graph/{apiVersion}/{phoneNumberId}/messages", "POST", api.call("POST", "/graph/v23.0/" + instance + "/messages",
        "{\"messaging_product\": \"whatsapp\", \"to\": \"5511999999997\", \"type\": \"text\", \"text\": {\"body\": \"hi\"}}"));
    assertDocumented("/graph/{apiVersion}/{phoneNumberId}/messages", "POST", api.call("POST", "/graph/v23.0/" + instance + "/messages",
        "{\"messaging_product\": \"whatsapp\", \"to\": \"x\"}", null));
  }

  @Test
  void theApiPageIsPublicAndLoadsSwaggerUiAndThePublicDocument() {
    HttpResponse<String> page = api.call("GET", "/docs/api", null, null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    assertThat(page.body()).contains("swagger-ui-bundle.js").contains("/docs/openapi.json");
    Matcher m = Pattern.compile("(?:src|href)=\"(/webjars/[^\"]+)\"").matcher(page.body());
    int assets = 0;
    while (m.find()) {
      HttpResponse<String> asset = api.call("GET", m.group(1), null, null);
      assertThat(asset.statusCode()).as(m.group(1)).isEqualTo(200);
      assertThat(asset.body()).isNotEmpty();
      assets++;
    }
    assertThat(assets).isGreaterThanOrEqualTo(2);

    HttpResponse<String> publicCopy = api.call("GET", "/docs/openapi.json", null, null);
    assertThat(publicCopy.statusCode()).isEqualTo(200);
    assertThat(ApiTestSupport.body(publicCopy)).isEqualTo(doc);
    HttpResponse<String> keyed = api.call("GET", "/v1/openapi.json", null, null);
    assertThat(keyed.statusCode()).isEqualTo(401);
  }
}
