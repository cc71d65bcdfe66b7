package dev.courier.whatsapp.send;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A scriptable stand-in for Meta's Graph API on 127.0.0.1, spoken to over real HTTP.
 *
 * <p>Message sends ({@code POST /{version}/{phoneNumberId}/messages} with a {@code to}) and the
 * other calls to the same endpoint (typing indicators and read receipts, which carry a {@code
 * status}) have separate answer queues: a test scripts what the next sends get without counting
 * the typing calls in between. A send with nothing scripted is accepted with a fresh {@code
 * wamid.FAKE.<n>}; another call with nothing scripted gets {@code {"success": true}}. Every
 * request is recorded with its body and arrival time.
 */
final class FakeCloudApi implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A request as it arrived. */
  record Request(int seq, String method, String path, Map<String, String> headers, String body, Instant at) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** A message send (not a typing indicator or read receipt). */
    boolean isSend() {
      JsonNode j = json();
      return j != null && j.has("to") && !j.has("status");
    }

    boolean isTyping() {
      JsonNode j = json();
      return j != null && j.has("typing_indicator");
    }

    /** Courier's message id echoed for reconciliation. */
    String opaque() {
      return json().path("biz_opaque_callback_data").asText(null);
    }

    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /** What the fake answers one request. */
  record Reply(int status, String body, Map<String, String> headers, boolean hangs, Consumer<Request> onArrival) {
    /** Meta accepting a message: {@code messages[0].id} is the wamid. */
    static Reply accept(String wamid) {
      return json(200, "{\"messaging_product\":\"whatsapp\",\"contacts\":[{\"input\":\"x\",\"wa_id\":\"x\"}],"
          + "\"messages\":[{\"id\":\"" + wamid + "\"}]}");
    }

    /** Meta's error envelope with HTTP {@code status} and Graph error {@code code}. */
    static Reply error(int status, int code, String message) {
      ObjectNode root = JSON.createObjectNode();
      ObjectNode e = root.putObject("error");
      e.put("message", "(#" + code + ") " + message).put("type", "OAuthException").put("code", code);
      e.putObject("error_data").put("messaging_product", "whatsapp").put("details", message + " (details)");
      e.put("fbtrace_id", "ATrace" + code);
      return json(status, root.toString());
    }

    static Reply json(int status, String body) {
      return new Reply(status, body, Map.of("Content-Type", "application/json"), false, r -> {});
    }

    /** Reads the whole request, then never answers (until the fake closes). */
    static Reply hang() {
      return new Reply(0, "", Map.of(), true, r -> {});
    }

    Reply withHeader(String name, String value) {
      Map<String, String> all = new LinkedHashMap<>(headers);
      all.put(name, value);
      return new Reply(status, body, all, hangs, onArrival);
    }

    /** Runs {@code action} when the request arrived, before answering (a callback racing the answer). */
    Reply onArrival(Consumer<Request> action) {
      return new Reply(status, body, headers, hangs, action);
    }
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final ConcurrentLinkedQueue<Reply> sendReplies = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Reply> otherReplies = new ConcurrentLinkedQueue<>();
  private final List<Throwable> arrivalFailures = new CopyOnWriteArrayList<>();
  private final CountDownLatch closing = new CountDownLatch(1);
  private final AtomicInteger seq = new AtomicInteger();
  private final AtomicInteger wamids = new AtomicInteger();

  private FakeCloudApi() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  static FakeCloudApi start() {
    try {
      return new FakeCloudApi();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Scripts the answers of the next message sends, in order. */
  FakeCloudApi onSend(Reply... next) {
    sendReplies.addAll(List.of(next));
    return this;
  }

  /** Scripts the answers of the next typing indicator or read receipt calls, in order. */
  FakeCloudApi onOther(Reply... next) {
    otherReplies.addAll(List.of(next));
    return this;
  }

  List<Request> requests() {
    return new ArrayList<>(requests);
  }

  List<Request> sends() {
    return requests.stream().filter(Request::isSend).toList();
  }

  List<Request> sendsOf(String messageId) {
    return requests.stream().filter(Request::isSend).filter(r -> messageId.equals(r.opaque())).toList();
  }

  List<Request> typingCalls() {
    return requests.stream().filter(Request::isTyping).toList();
  }

  /** Failures of {@link Reply#onArrival} actions (they run on the server's threads). */
  List<Throwable> arrivalFailures() {
    return List.copyOf(arrivalFailures);
  }

  private void handle(HttpExchange exchange) throws IOException {
    String body;
    try (InputStream in = exchange.getRequestBody()) {
      body = new String(in.readAllBytes(), UTF_8);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    exchange.getRequestHeaders()
        .forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v.isEmpty() ? "" : v.getFirst()));
    Request request = new Request(seq.incrementAndGet(), exchange.getRequestMethod(),
        exchange.getRequestURI().getRawPath(), headers, body, Instant.now());
    requests.add(request);
    boolean send = isJson(body) && request.isSend();
    Reply reply = (send ? sendReplies : otherReplies).poll();
    if (reply == null) {
      reply = send ? Reply.accept("wamid.FAKE." + wamids.incrementAndGet()) : Reply.json(200, "{\"success\":true}");
    }
    try {
      reply.onArrival().accept(request);
    } catch (Throwable t) {
      arrivalFailures.add(t);
    }
    if (reply.hangs()) {
      try {
        closing.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      exchange.close();
      return;
    }
    byte[] bytes = reply.body().getBytes(UTF_8);
    reply.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
    exchange.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      exchange.getResponseBody().write(bytes);
    }
    exchange.close();
  }

  private static boolean isJson(String body) {
    try {
      JsonNode n = JSON.readTree(body);
      return n != null && n.isObject();
    } catch (IOException e) {
      return false;
    }
  }

  /** The time between two requests. */
  static Duration between(Request earlier, Request later) {
    return Duration.between(earlier.at(), later.at());
  }

  @Override
  public void close() {
    closing.countDown();
    server.stop(0);
    executor.shutdownNow();
  }
}
