package dev.courier.whatsapp.provider.cloud;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.whatsapp.provider.ErrorClass;
import dev.courier.whatsapp.provider.ProviderException;
import dev.courier.whatsapp.provider.support.ErrorRule;
import dev.courier.whatsapp.provider.support.ProviderJson;
import dev.courier.whatsapp.provider.support.RetryAfter;
import dev.courier.whatsapp.provider.support.TransportFailure;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts to one phone number's messages endpoint and turns the answer into JSON, or into a {@link
 * ProviderException} classified by {@link CloudApiErrors}.
 */
final class GraphClient {
  private static final Logger log = LoggerFactory.getLogger(GraphClient.class);

  private final CloudApiSettings settings;
  private final HttpClient http;
  private final Clock clock;

  GraphClient(CloudApiSettings settings, HttpClient http, Clock clock) {
    this.settings = settings;
    this.http = http;
    this.clock = clock;
  }

  /**
   * @param template the template the body sends, named on a {@link ErrorClass#PAUSE_TEMPLATE}
   *     error; null for other bodies
   * @return the answer of a 2xx response
   */
  JsonNode post(ObjectNode body, String template) throws ProviderException {
    HttpRequest request =
        HttpRequest.newBuilder(settings.messagesUri())
            .timeout(settings.timeout())
            .header("Authorization", "Bearer " + settings.accessToken())
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(ProviderJson.write(body), UTF_8))
            .build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString(UTF_8));
    } catch (IOException e) {
      throw transportFailure(TransportFailure.of(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      // The request may already be on the wire: as uncertain as a broken connection.
      throw new ProviderException(
          ErrorClass.IN_DOUBT,
          TransportFailure.IO.key(),
          "interrupted while waiting for the Cloud API answer for phone number id "
              + settings.phoneNumberId()
              + "; the request may have been sent");
    }
    int status = response.statusCode();
    JsonNode answer = ProviderJson.read(response.body());
    if (status >= 200 && status <= 299) {
      return answer;
    }
    GraphError error = GraphError.parse(answer);
    ErrorRule rule = CloudApiErrors.classify(status, error.code());
    String code = error.code() != null ? error.code().toString() : "http_" + status;
    Duration retryAfter = RetryAfter.from(response.headers(), clock);
    log.debug(
        "cloud_api phone number id {}: HTTP {} code {} classified {} (rule {})",
        settings.phoneNumberId(),
        status,
        code,
        rule.errorClass(),
        rule.key());
    throw new ProviderException(
        rule.errorClass(),
        code,
        error.describe(status),
        retryAfter,
        rule.errorClass() == ErrorClass.PAUSE_TEMPLATE ? template : null);
  }

  private ProviderException transportFailure(TransportFailure failure, IOException e) {
    ErrorRule rule = CloudApiErrors.condition(failure.key());
    String where = "the Cloud API for phone number id " + settings.phoneNumberId();
    String text =
        switch (failure) {
          case CONNECT -> "could not connect to " + where + ": " + describe(e);
          case TIMEOUT ->
              "no answer from "
                  + where
                  + " within "
                  + settings.timeout()
                  + "; the request may have been acted on";
          case IO ->
              "the connection to " + where + " broke: " + describe(e)
                  + "; the request may have been acted on";
        };
    log.debug("cloud_api phone number id {}: {} ({})", settings.phoneNumberId(), failure, e.toString());
    return new ProviderException(rule.errorClass(), failure.key(), text);
  }

  private static String describe(IOException e) {
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }
}
