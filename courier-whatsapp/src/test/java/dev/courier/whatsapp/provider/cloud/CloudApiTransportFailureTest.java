package dev.courier.whatsapp.provider.cloud;

import static dev.courier.whatsapp.provider.testing.Providers.HTTP;
import static dev.courier.whatsapp.provider.testing.Providers.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.courier.whatsapp.provider.ErrorClass;
import dev.courier.whatsapp.provider.ProviderException;
import dev.courier.whatsapp.provider.testing.FakeProviderServer;
import dev.courier.whatsapp.provider.testing.FakeProviderServer.Reply;
import dev.courier.whatsapp.provider.testing.Providers;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Failures without an answer: whether the request can have reached Meta decides between a plain
 * retry and an in-doubt send.
 */
class CloudApiTransportFailureTest {
  static CloudApiProvider provider(URI baseUrl, Duration timeout) {
    return new CloudApiProvider(new CloudApiSettings(baseUrl, null, "1065", "t", timeout), HTTP);
  }

  @Test
  void aRequestWrittenButNeverAnsweredIsInDoubt() {
    try (FakeProviderServer meta = FakeProviderServer.start(Reply.silence())) {
      ProviderException e =
          catchThrowableOfType(
              ProviderException.class,
              () ->
                  provider(meta.baseUri(), Duration.ofMillis(400))
                      .send(message("text", "{\"body\":\"hi\"}")));

      assertThat(e.errorClass()).isEqualTo(ErrorClass.IN_DOUBT);
      assertThat(e.code()).isEqualTo("timeout");
      assertThat(e.getMessage()).contains("1065").contains("may have been acted on");
      // The fake read the whole request: it was written before the answer was given up on.
      assertThat(meta.only().json().path("biz_opaque_callback_data").asText()).isEqualTo("msg_01");
    }
  }

  @Test
  void aRefusedConnectionIsRetryableBecauseNothingWasWritten() {
    URI nobody = URI.create("http://127.0.0.1:" + Providers.closedPort());

    ProviderException e =
        catchThrowableOfType(
            ProviderException.class,
            () -> provider(nobody, Duration.ofSeconds(2)).send(message("text", "{\"body\":\"hi\"}")));

    assertThat(e.errorClass()).isEqualTo(ErrorClass.RETRYABLE);
    assertThat(e.code()).isEqualTo("connect");
  }

  @Test
  void aConnectionDroppedAfterTheRequestIsInDoubt() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread dropper =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (Socket socket = server.accept()) {
                      InputStream in = socket.getInputStream();
                      in.read(new byte[8192]); // take the request, then hang up without a word
                    } catch (Exception ignored) {
                      // the test asserts on the client side
                    }
                  });
      URI base = URI.create("http://127.0.0.1:" + server.getLocalPort());

      ProviderException e =
          catchThrowableOfType(
              ProviderException.class,
              () -> provider(base, Duration.ofSeconds(5)).send(message("text", "{\"body\":\"hi\"}")));

      assertThat(e.errorClass()).isEqualTo(ErrorClass.IN_DOUBT);
      assertThat(e.code()).isEqualTo("io");
      dropper.join(5_000);
    }
  }
}
