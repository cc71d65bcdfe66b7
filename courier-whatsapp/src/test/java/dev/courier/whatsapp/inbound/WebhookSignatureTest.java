package dev.courier.whatsapp.inbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class WebhookSignatureTest {
  private static final String SECRET = "8f1b2c3d4e5f60718293a4b5c6d7e8f9";
  private static final byte[] BODY = Fixtures.bytes("cloud/text-reply.json");

  @Test
  void signsLikeAnyHmacSha256Implementation() {
    // A published HMAC-SHA256 test vector, so sign() is checked against more than itself.
    byte[] body = "Hello, World!".getBytes(StandardCharsets.UTF_8);

    assertThat(WebhookSignature.sign(body, "It's a Secret to Everybody"))
        .isEqualTo("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
  }

  @Test
  void acceptsTheSignatureOfTheRawBody() {
    String header = WebhookSignature.sign(BODY, SECRET);

    assertThat(WebhookSignature.verify(BODY, header, SECRET)).isTrue();
  }

  @Test
  void acceptsUppercaseHexDigitsAndSurroundingWhitespace() {
    String header = WebhookSignature.sign(BODY, SECRET);
    String upper = "sha256=" + header.substring("sha256=".length()).toUpperCase(Locale.ROOT);

    assertThat(WebhookSignature.verify(BODY, upper, SECRET)).isTrue();
    assertThat(WebhookSignature.verify(BODY, " " + header + " ", SECRET)).isTrue();
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {" ", "sha256="})
  void rejectsAMissingOrEmptyHeader(String header) {
    assertThat(WebhookSignature.verify(BODY, header, SECRET)).isFalse();
  }

  @Test
  void rejectsASignatureMadeWithAnotherSecret() {
    String header = WebhookSignature.sign(BODY, "another-app-secret");

    assertThat(WebhookSignature.verify(BODY, header, SECRET)).isFalse();
  }

  @Test
  void rejectsABodyWithOneByteChanged() {
    String header = WebhookSignature.sign(BODY, SECRET);
    byte[] tampered = BODY.clone();
    tampered[tampered.length / 2] ^= 1;

    assertThat(WebhookSignature.verify(tampered, header, SECRET)).isFalse();
  }

  @Test
  void rejectsTheSameJsonReserialized() throws Exception {
    // Why the HTTP layer must hand over the raw bytes: equal JSON, other bytes, other HMAC.
    String header = WebhookSignature.sign(BODY, SECRET);
    byte[] reserialized = Fixtures.JSON.writeValueAsBytes(Fixtures.JSON.readTree(BODY));

    assertThat(WebhookSignature.verify(reserialized, header, SECRET)).isFalse();
  }

  @Test
  void rejectsAnotherPrefix() {
    String hex = WebhookSignature.sign(BODY, SECRET).substring("sha256=".length());

    assertThat(WebhookSignature.verify(BODY, hex, SECRET)).isFalse();
    assertThat(WebhookSignature.verify(BODY, "sha1=" + hex, SECRET)).isFalse();
    assertThat(WebhookSignature.verify(BODY, "SHA256=" + hex, SECRET)).isFalse();
    assertThat(WebhookSignature.verify(BODY, "sha256:" + hex, SECRET)).isFalse();
  }

  @Test
  void rejectsAHexDigestOfTheWrongLength() {
    String header = WebhookSignature.sign(BODY, SECRET);

    assertThat(WebhookSignature.verify(BODY, header.substring(0, header.length() - 2), SECRET))
        .isFalse();
    assertThat(WebhookSignature.verify(BODY, header + "00", SECRET)).isFalse();
  }

  @Test
  void rejectsCharactersThatAreNotHex() {
    String header = WebhookSignature.sign(BODY, SECRET);
    String notHex = header.substring(0, header.length() - 1) + "g";

    assertThat(WebhookSignature.verify(BODY, notHex, SECRET)).isFalse();
  }

  @ParameterizedTest
  @NullAndEmptySource
  void acceptsNothingWhenNoAppSecretIsConfigured(String secret) {
    String header = WebhookSignature.sign(BODY, SECRET);

    assertThat(WebhookSignature.verify(BODY, header, secret)).isFalse();
    assertThatThrownBy(() -> WebhookSignature.sign(BODY, secret))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsAMissingBody() {
    assertThat(WebhookSignature.verify(null, WebhookSignature.sign(BODY, SECRET), SECRET))
        .isFalse();
  }

  @Test
  void matchesAGatewaysSharedSecretOnlyWhenEqual() {
    assertThat(WebhookSignature.secretMatches("B7F1E6A2-4C3D", "B7F1E6A2-4C3D")).isTrue();
    assertThat(WebhookSignature.secretMatches("B7F1E6A2-4C3E", "B7F1E6A2-4C3D")).isFalse();
    assertThat(WebhookSignature.secretMatches("B7F1E6A2", "B7F1E6A2-4C3D")).isFalse();
    assertThat(WebhookSignature.secretMatches("b7f1e6a2-4c3d", "B7F1E6A2-4C3D")).isFalse();
  }

  @Test
  void matchesNoSharedSecretWhenEitherIsMissing() {
    assertThat(WebhookSignature.secretMatches(null, "B7F1E6A2-4C3D")).isFalse();
    assertThat(WebhookSignature.secretMatches("", "")).isFalse();
    assertThat(WebhookSignature.secretMatches("anything", null)).isFalse();
    assertThat(WebhookSignature.secretMatches(null, null)).isFalse();
  }
}
