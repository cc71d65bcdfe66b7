package dev.courier.whatsapp.provider.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import org.junit.jupiter.api.Test;

class TransportFailureTest {
  @Test
  void failuresBeforeAConnectionExistsNeverCarriedTheRequest() {
    assertThat(TransportFailure.of(new ConnectException("Connection refused")))
        .isEqualTo(TransportFailure.CONNECT);
    assertThat(TransportFailure.of(new HttpConnectTimeoutException("HTTP connect timed out")))
        .isEqualTo(TransportFailure.CONNECT);
    assertThat(TransportFailure.of(new IOException("wrapped", new ConnectException("refused"))))
        .isEqualTo(TransportFailure.CONNECT);
  }

  @Test
  void failuresOnAnOpenConnectionMayHaveCarriedIt() {
    assertThat(TransportFailure.of(new HttpTimeoutException("request timed out")))
        .isEqualTo(TransportFailure.TIMEOUT);
    assertThat(TransportFailure.of(new IOException("Connection reset"))).isEqualTo(TransportFailure.IO);
  }
}
