package dev.courier.server.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A tiny blocking HTTP client for tests. */
public final class Http {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private Http() {}

  public static HttpResponse<String> get(String url) {
    return get(url, null);
  }

  /** GET with an optional bearer key; never throws for HTTP statuses. */
  public static HttpResponse<String> get(String url, String bearerKey) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
    if (bearerKey != null) {
      b.header("Authorization", "Bearer " + bearerKey);
    }
    try {
      return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException("GET " + url + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Any method with an optional JSON body and no key; never throws for HTTP statuses. */
  public static HttpResponse<String> send(String method, String url, String json) {
    return send(method, url, json, null);
  }

  /** Any method with an optional JSON body, an optional bearer key and extra header name/value pairs. */
  public static HttpResponse<String> send(String method, String url, String json, String bearerKey, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    if (json != null) {
      b.header("Content-Type", "application/json");
    }
    if (bearerKey != null) {
      b.header("Authorization", "Bearer " + bearerKey);
    }
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    try {
      return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(method + " " + url + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The status of a GET, or -1 when nothing answers. */
  public static int status(String url) {
    try {
      return get(url).statusCode();
    } catch (IllegalStateException e) {
      return -1;
    }
  }
}
