package dev.courier.whatsapp.provider.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.whatsapp.provider.OutboundMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.time.Duration;

/** Shared test fixtures: one HTTP client, message builders, a port nobody listens on. */
public final class Providers {
  /** One client for all provider tests, as production shares one. */
  public static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  private static final ObjectMapper JSON = new ObjectMapper();

  private Providers() {}

  public static ObjectNode json(String text) {
    try {
      return (ObjectNode) JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A message to {@code +5511999999999} without reply, typing or typing context. */
  public static OutboundMessage message(String type, String content) {
    return new OutboundMessage(
        "msg_01", "+5511999999999", type, json(content), null, Duration.ZERO, null);
  }

  public static OutboundMessage withTo(OutboundMessage m, String to) {
    return new OutboundMessage(
        m.messageId(), to, m.type(), m.content(), m.replyTo(), m.typing(), m.typingContext());
  }

  public static OutboundMessage withReplyTo(OutboundMessage m, String replyTo) {
    return new OutboundMessage(
        m.messageId(), m.to(), m.type(), m.content(), replyTo, m.typing(), m.typingContext());
  }

  public static OutboundMessage withTyping(OutboundMessage m, Duration typing, String context) {
    return new OutboundMessage(
        m.messageId(), m.to(), m.type(), m.content(), m.replyTo(), typing, context);
  }

  /** A port that was free a moment ago: connecting to it is refused. */
  public static int closedPort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
