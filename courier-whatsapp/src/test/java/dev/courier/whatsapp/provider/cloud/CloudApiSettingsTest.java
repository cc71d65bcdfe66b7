package dev.courier.whatsapp.provider.cloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CloudApiSettingsTest {
  @Test
  void missingBaseUrlVersionAndTimeoutTakeMetasDefaults() {
    CloudApiSettings s = new CloudApiSettings(null, null, "1065", "token", null);

    assertThat(s.baseUrl()).isEqualTo(URI.create("https://graph.facebook.com"));
    assertThat(s.apiVersion()).isEqualTo("v23.0");
    assertThat(s.timeout()).isEqualTo(CloudApiSettings.DEFAULT_TIMEOUT);
    assertThat(s.messagesUri())
        .isEqualTo(URI.create("https://graph.facebook.com/v23.0/1065/messages"));
  }

  @Test
  void theAccessTokenNeverAppearsInTheSettingsText() {
    CloudApiSettings s =
        new CloudApiSettings(null, "v23.0", "1065", "EAAG-secret-token", Duration.ofSeconds(3));

    assertThat(s.toString()).contains("1065").doesNotContain("EAAG-secret-token");
  }

  @Test
  void aPhoneNumberIdAndATokenAreRequired() {
    assertThatThrownBy(() -> new CloudApiSettings(null, null, " ", "t", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("phoneNumberId");
    assertThatThrownBy(() -> new CloudApiSettings(null, null, "1065", null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1065")
        .hasMessageContaining("accessToken");
  }
}
