package dev.courier.server.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real {@code courier} CLI as a child process ({@code java -cp <test classpath>
 * dev.courier.server.cli.CourierMain ...}), its stdout and stderr captured.
 */
public final class ServerProcess implements AutoCloseable {
  private static final Pattern URL = Pattern.compile("is ready at (http://\\S+)");
  private static final Pattern KEY = Pattern.compile("admin key: (ck_[A-Za-z0-9_-]+)");

  private final Process process;
  private final Path out;
  private final Path err;

  private ServerProcess(Process process, Path out, Path err) {
    this.process = process;
    this.out = out;
    this.err = err;
  }

  /** Starts {@code courier <args>} with exactly {@code env} added to a clean environment. */
  public static ServerProcess start(Map<String, String> env, String... args) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String logback = ServerProcess.class.getResource("/logback-test.xml").toString();
    List<String> command =
        new ArrayList<>(
            List.of(
                java,
                "-Xmx256m",
                "-Dlogback.configurationFile=" + logback,
                "-Dlogback.statusListenerClass=ch.qos.logback.core.status.NopStatusListener",
                "-cp",
                classpath,
                "dev.courier.server.cli.CourierMain"));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().keySet().removeIf(k -> k.startsWith("COURIER_"));
    pb.environment().putAll(env);
    pb.directory(Path.of(System.getProperty("java.io.tmpdir")).toFile());
    // Files, not pipes: a pipe read while the JDK's reaper drains it at exit can lose the last lines.
    Path out = Files.createTempFile("courier-out", ".txt");
    Path err = Files.createTempFile("courier-err", ".txt");
    pb.redirectOutput(out.toFile());
    pb.redirectError(err.toFile());
    return new ServerProcess(pb.start(), out, err);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits for the "ready" line and returns the URL it names. */
  public String awaitReady(Duration timeout) {
    await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> URL.matcher(stdout()).find() || !process.isAlive());
    Matcher m = URL.matcher(stdout());
    if (!m.find()) {
      throw new AssertionError("server did not become ready; exit=" + exitValueOrNull() + "\nstdout:\n" + stdout() + "\nstderr:\n" + stderr());
    }
    return m.group(1);
  }

  /** The admin key printed at this start, or null. */
  public String printedAdminKey() {
    Matcher m = KEY.matcher(stdout());
    return m.find() ? m.group(1) : null;
  }

  public Integer exitValueOrNull() {
    return process.isAlive() ? null : process.exitValue();
  }

  /** Waits for the process to end; returns its exit code, or null on timeout. */
  public Integer waitFor(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : null;
  }

  public String stdout() {
    return read(out);
  }

  public String stderr() {
    return read(err);
  }

  public ProcessHandle handle() {
    return process.toHandle();
  }

  /** SIGTERM. */
  public void terminate() {
    process.destroy();
  }

  /** SIGKILL. */
  public void kill() {
    process.destroyForcibly();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
    try {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    } catch (IOException ignored) {
      // temporary files; the OS cleans them eventually
    }
  }
}
