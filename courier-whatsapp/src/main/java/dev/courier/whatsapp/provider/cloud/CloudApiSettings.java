package dev.courier.whatsapp.provider.cloud;

import java.net.URI;
import java.time.Duration;

/**
 * How to reach one WhatsApp Cloud API phone number.
 *
 * @param baseUrl the Graph API host; null means {@link #DEFAULT_BASE_URL} (a different one is for
 *     tests and proxies)
 * @param apiVersion the Graph API version in the path; null means {@link #DEFAULT_API_VERSION}
 * @param phoneNumberId the business phone number id the messages go out from
 * @param accessToken the system user access token with {@code whatsapp_business_messaging}
 * @param timeout how long to wait for each answer; null means {@link #DEFAULT_TIMEOUT}. A send that
 *     is not answered in time is in doubt, not failed.
 */
public record CloudApiSettings(
    URI baseUrl, String apiVersion, String phoneNumberId, String accessToken, Duration timeout) {

  public static final URI DEFAULT_BASE_URL = URI.create("https://graph.facebook.com");
  public static final String DEFAULT_API_VERSION = "v23.0";
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  public CloudApiSettings {
    baseUrl = baseUrl == null ? DEFAULT_BASE_URL : baseUrl;
    apiVersion = apiVersion == null || apiVersion.isBlank() ? DEFAULT_API_VERSION : apiVersion;
    timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
    if (phoneNumberId == null || phoneNumberId.isBlank()) {
      throw new IllegalArgumentException("cloud_api settings need a phoneNumberId");
    }
    if (accessToken == null || accessToken.isBlank()) {
      throw new IllegalArgumentException(
          "cloud_api settings for phone number id " + phoneNumberId + " need an accessToken");
    }
    if (!timeout.isPositive()) {
      throw new IllegalArgumentException("cloud_api timeout must be positive, got " + timeout);
    }
    if (baseUrl.getScheme() == null || baseUrl.getHost() == null) {
      throw new IllegalArgumentException("cloud_api baseUrl must be absolute, got " + baseUrl);
    }
  }

  /** The messages endpoint: {@code {baseUrl}/{apiVersion}/{phoneNumberId}/messages}. */
  public URI messagesUri() {
    String base = baseUrl.toString();
    String root = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    return URI.create(root + "/" + apiVersion + "/" + phoneNumberId + "/messages");
  }

  /** Never prints the access token: settings end up in logs and exception messages. */
  @Override
  public String toString() {
    return "CloudApiSettings[baseUrl="
        + baseUrl
        + ", apiVersion="
        + apiVersion
        + ", phoneNumberId="
        + phoneNumberId
        + ", accessToken=***, timeout="
        + timeout
        + "]";
  }
}
