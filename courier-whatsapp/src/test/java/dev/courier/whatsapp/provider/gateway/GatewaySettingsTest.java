package dev.courier.whatsapp.provider.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

class GatewaySettingsTest {
  static final URI BASE = URI.create("http://evolution:8080");

  @Test
  void theFlavorIsEvolutionOrWahaInAnyCase() {
    assertThat(new GatewaySettings(" WAHA ", BASE, null, "default", null).flavor()).isEqualTo("waha");
    assertThatThrownBy(() -> new GatewaySettings("zapi", BASE, null, "s", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("zapi");
  }

  @Test
  void aSessionIsRequiredAndAnEmptyApiKeyMeansNone() {
    assertThat(new GatewaySettings("evolution", BASE, " ", "sales", null).apiKey()).isNull();
    assertThatThrownBy(() -> new GatewaySettings("evolution", BASE, "k", "", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("session");
  }

  @Test
  void theApiKeyNeverAppearsInTheSettingsText() {
    assertThat(new GatewaySettings("evolution", BASE, "evo-secret-key", "sales", null).toString())
        .contains("sales")
        .doesNotContain("evo-secret-key");
  }
}
