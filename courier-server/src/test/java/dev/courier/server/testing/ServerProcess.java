package dev.courier.server.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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
  private final StringBuffer out = new StringBuffer();
  private final StringBuffer err = new StringBuffer();

  private ServerProcess(Process process) {
    this.process = process;
    pump(process.getInputStream(), out);
    pump(process.getErrorStream(), err);
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
    return new ServerProcess(pb.start());
  }

  private static void pump(InputStream in, StringBuffer into) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[4096];
              try {
                int n;
                while ((n = in.read(buf)) > 0) {
                  into.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
              } catch (IOException ignored) {
                // the process ended
              }
            });
    t.setDaemon(true);
    t.start();
  }

  /** Waits for the "ready" line and returns the URL it names. */
  public String awaitReady(Duration timeout) {
    await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> URL.matcher(out.toString()).find() || !process.isAlive());
    Matcher m = URL.matcher(out.toString());
    if (!m.find()) {
      throw new AssertionError("server did not become ready; exit=" + exitValueOrNull() + "\nstdout:\n" + out + "\nstderr:\n" + err);
    }
    return m.group(1);
  }

  /** The admin key printed at this start, or null. */
  public String printedAdminKey() {
    Matcher m = KEY.matcher(out.toString());
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
    return out.toString();
  }

  public String stderr() {
    return err.toString();
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
  }
}
