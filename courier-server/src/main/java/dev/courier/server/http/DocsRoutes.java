package dev.courier.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The OpenAPI 3.1 document and the API page. The document is written by hand as YAML ({@value
 * #RESOURCE}) and served as JSON: behind the API key at {@code /v1/openapi.json}, and public at
 * {@code /docs/openapi.json} for the API page ({@code /docs/api}, Swagger UI from its webjar), which
 * a browser loads without a bearer header. The document holds no secrets.
 */
final class DocsRoutes {
  static final String RESOURCE = "openapi/courier-openapi.yaml";
  private static final String SWAGGER_UI_POM = "META-INF/maven/org.webjars/swagger-ui/pom.properties";

  private final String json;
  private final String page;

  DocsRoutes() {
    this.json = documentJson();
    this.page = page(swaggerUiVersion());
  }

  /** The document as a tree (parsed from the YAML resource). */
  static JsonNode document() {
    try (InputStream in = resource(RESOURCE)) {
      return new YAMLMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }

  private static String documentJson() {
    try {
      return new ObjectMapper().writeValueAsString(document());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The version of the swagger-ui webjar on the class path (its files are under /webjars/swagger-ui/VERSION/). */
  static String swaggerUiVersion() {
    try (InputStream in = resource(SWAGGER_UI_POM)) {
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + SWAGGER_UI_POM, e);
    }
  }

  private static InputStream resource(String name) throws IOException {
    InputStream in = DocsRoutes.class.getClassLoader().getResourceAsStream(name);
    if (in == null) {
      throw new IOException("no resource " + name + " on the class path");
    }
    return in;
  }

  void openapi(Context ctx) {
    ctx.status(200).contentType("application/json").result(json);
  }

  void apiPage(Context ctx) {
    ctx.status(200).contentType("text/html; charset=utf-8").result(page);
  }

  private static String page(String version) {
    String base = "/webjars/swagger-ui/" + version + "/";
    return """
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <title>Courier HTTP API</title>
          <link rel="stylesheet" href="%1$sswagger-ui.css">
          <link rel="icon" type="image/png" href="%1$sfavicon-32x32.png">
        </head>
        <body>
          <div id="swagger-ui"></div>
          <script src="%1$sswagger-ui-bundle.js"></script>
          <script>
            window.ui = SwaggerUIBundle({
              url: "/docs/openapi.json",
              dom_id: "#swagger-ui",
              deepLinking: true,
              persistAuthorization: false
            });
          </script>
        </body>
        </html>
        """.formatted(base);
  }
}
