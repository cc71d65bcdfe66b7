package dev.courier.whatsapp.provider.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import dev.courier.whatsapp.provider.ErrorClass;
import dev.courier.whatsapp.provider.ProviderException;
import dev.courier.whatsapp.provider.support.ErrorRule;
import dev.courier.whatsapp.provider.support.ProviderJson;
import dev.courier.whatsapp.provider.support.RetryAfter;
import dev.courier.whatsapp.provider.support.TransportFailure;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes one call to a gateway and turns the answer into JSON, or into a {@link ProviderException}
 * classified by {@link GatewayErrors}. Knows the flavor's auth header and how it says "session not
 * connected"; knows nothing about message types.
 */
final class GatewayHttp {
  private static final Logger log = LoggerFactory.getLogger(GatewayHttp.class);

  private final HttpClient http;
  private final GatewaySettings settings;
  private final String authHeader;
  private final Predicate<GatewayAnswer> notConnected;
  private final Clock clock;

  /**
   * @param authHeader the header that carries {@link GatewaySettings#apiKey()}
   * @param notConnected recognises the flavor's answer for "the WhatsApp session is not connected"
   */
  GatewayHttp(
      HttpClient http,
      GatewaySettings settings,
      String authHeader,
      Predicate<GatewayAnswer> notConnected,
      Clock clock) {
    this.http = http;
    this.settings = settings;
    this.authHeader = authHeader;
    this.notConnected = notConnected;
    this.clock = clock;
  }

  GatewaySettings settings() {
    return settings;
  }

  /** The session name as one path segment. */
  String sessionSegment() {
    return URLEncoder.encode(settings.session(), UTF_8).replace("+", "%20");
  }

  /**
   * @param extraWait time the gateway spends on purpose before answering (a typing delay it shows
   *     first), added to the timeout so that it is not mistaken for silence
   * @return the answer of a 2xx response ({@code MissingNode} when it had no JSON)
   */
  JsonNode call(GatewayCall call, Duration extraWait) throws ProviderException {
    Duration timeout = settings.timeout().plus(extraWait);
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(call.path()))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .method(
                call.method(),
                HttpRequest.BodyPublishers.ofString(ProviderJson.write(call.body()), UTF_8));
    if (settings.apiKey() != null) {
      request.header(authHeader, settings.apiKey());
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(UTF_8));
    } catch (IOException e) {
      throw transportFailure(TransportFailure.of(e), e, call, timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ProviderException(
          ErrorClass.IN_DOUBT,
          TransportFailure.IO.key(),
          "interrupted while waiting for " + where(call) + "; the request may have been sent");
    }
    int status = response.statusCode();
    JsonNode json = ProviderJson.read(response.body());
    if (status >= 200 && status <= 299) {
      return json;
    }
    GatewayAnswer answer = new GatewayAnswer(status, json, response.body());
    boolean down = notConnected.test(answer);
    ErrorRule rule = GatewayErrors.classify(status, down);
    String code = down ? GatewayErrors.NOT_CONNECTED : "http_" + status;
    log.debug("{}: HTTP {} classified {} (rule {})", where(call), status, rule.errorClass(), rule.key());
    throw new ProviderException(
        rule.errorClass(),
        code,
        where(call) + " answered HTTP " + status + ": " + answer.text(),
        RetryAfter.from(response.headers(), clock),
        null);
  }

  private ProviderException transportFailure(
      TransportFailure failure, IOException e, GatewayCall call, Duration timeout) {
    ErrorRule rule = GatewayErrors.condition(failure.key());
    String reason = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    String text =
        switch (failure) {
          case CONNECT -> "could not connect to " + where(call) + ": " + reason;
          case TIMEOUT ->
              "no answer from " + where(call) + " within " + timeout
                  + "; the request may have been acted on";
          case IO ->
              "the connection to " + where(call) + " broke: " + reason
                  + "; the request may have been acted on";
        };
    log.debug("{}: {} ({})", where(call), failure, e.toString());
    return new ProviderException(rule.errorClass(), failure.key(), text);
  }

  private String where(GatewayCall call) {
    return "gateway "
        + settings.flavor()
        + " session "
        + settings.session()
        + " ("
        + call.method()
        + " "
        + call.path()
        + ")";
  }

  private URI uri(String path) {
    String base = settings.baseUrl().toString();
    String root = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    return URI.create(root + path);
  }
}
