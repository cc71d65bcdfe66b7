package dev.courier.whatsapp.provider.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A real HTTP server on 127.0.0.1 that plays a provider (Cloud API, Evolution, WAHA): it records
 * every request and answers with the replies queued for it, in order, then with the default reply.
 */
public final class FakeProviderServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A request as the server received it. */
  public record Recorded(String method, String path, Headers headers, String body, Instant at) {
    public JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    public String header(String name) {
      return headers.getFirst(name);
    }
  }

  /** What the server answers. */
  public record Reply(
      int status, String body, Map<String, String> headers, Duration delay, boolean hangs) {
    public static Reply json(int status, String body) {
      return new Reply(status, body, Map.of("Content-Type", "application/json"), Duration.ZERO, false);
    }

    public static Reply text(int status, String body) {
      return new Reply(status, body, Map.of("Content-Type", "text/html"), Duration.ZERO, false);
    }

    /** Reads the whole request, then never answers. */
    public static Reply silence() {
      return new Reply(0, "", Map.of(), Duration.ZERO, true);
    }

    public Reply withHeader(String name, String value) {
      Map<String, String> all = new LinkedHashMap<>(headers);
      all.put(name, value);
      return new Reply(status, body, all, delay, hangs);
    }

    /** Answers only after {@code wait}. */
    public Reply after(Duration wait) {
      return new Reply(status, body, headers, wait, hangs);
    }
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final List<Recorded> requests = new CopyOnWriteArrayList<>();
  private final ConcurrentLinkedQueue<Reply> replies = new ConcurrentLinkedQueue<>();
  private final CountDownLatch closing = new CountDownLatch(1);
  private volatile Reply defaultReply;

  private FakeProviderServer(Reply defaultReply) throws IOException {
    this.defaultReply = defaultReply;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  /** Starts a server that answers {@code defaultReply} unless a reply was queued. */
  public static FakeProviderServer start(Reply defaultReply) {
    try {
      return new FakeProviderServer(defaultReply);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Queues replies for the next requests, in order. */
  public FakeProviderServer reply(Reply... next) {
    replies.addAll(List.of(next));
    return this;
  }

  public void setDefault(Reply reply) {
    this.defaultReply = reply;
  }

  public URI baseUri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  public List<Recorded> requests() {
    return new ArrayList<>(requests);
  }

  /** The one request received; fails when there were none or several. */
  public Recorded only() {
    List<Recorded> all = requests();
    if (all.size() != 1) {
      throw new AssertionError("expected exactly one request, got " + all.size() + ": " + paths(all));
    }
    return all.getFirst();
  }

  private static List<String> paths(List<Recorded> all) {
    return all.stream().map(r -> r.method() + " " + r.path()).toList();
  }

  private void handle(HttpExchange exchange) throws IOException {
    String body;
    try (InputStream in = exchange.getRequestBody()) {
      body = new String(in.readAllBytes(), UTF_8);
    }
    requests.add(
        new Recorded(
            exchange.getRequestMethod(),
            exchange.getRequestURI().getRawPath(),
            exchange.getRequestHeaders(),
            body,
            Instant.now()));
    Reply reply = replies.poll();
    if (reply == null) {
      reply = defaultReply;
    }
    try {
      if (reply.hangs()) {
        closing.await();
        return;
      }
      if (reply.delay().isPositive()) {
        Thread.sleep(reply.delay());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } finally {
      if (reply.hangs()) {
        exchange.close();
      }
    }
    byte[] bytes = reply.body().getBytes(UTF_8);
    reply.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
    exchange.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      exchange.getResponseBody().write(bytes);
    }
    exchange.close();
  }

  @Override
  public void close() {
    closing.countDown();
    server.stop(0);
    executor.shutdownNow();
  }
}
