package dev.courier.server.cli;

import dev.courier.server.CourierServer;
import dev.courier.server.Version;
import dev.courier.server.config.ConfigLoader;
import dev.courier.server.config.CourierConfig;
import dev.courier.server.config.Setting;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code courier serve}: runs the server until SIGTERM or Ctrl-C. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Run Courier: HTTP API and health endpoints on one port.",
      "With no database URL it starts an embedded PostgreSQL 17 kept in <data dir>/postgres.",
      "Stops cleanly (exit 0) on SIGTERM or Ctrl-C."
    })
final class ServeCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

  @ParentCommand CourierMain parent;
  @Spec CommandSpec spec;
  @Mixin DatabaseOptions database;

  @Option(names = "--port", paramLabel = "PORT", description = "HTTP port (default 8080). Env: COURIER_PORT.")
  String port;

  @Option(names = "--host", paramLabel = "HOST", description = "HTTP bind address (default 0.0.0.0). Env: COURIER_HOST.")
  String host;

  @Option(names = "--role", paramLabel = "ROLE", description = "all, api or worker (default all). Env: COURIER_ROLE.")
  String role;

  @Option(names = "--shutdown-timeout", paramLabel = "DURATION", description = "Time in-flight requests get at shutdown (default 8s). Env: COURIER_SHUTDOWN_TIMEOUT.")
  String shutdownTimeout;

  @Override
  public Integer call() throws Exception {
    Map<Setting, String> flags = database.flags();
    flags.put(Setting.PORT, port);
    flags.put(Setting.HOST, host);
    flags.put(Setting.ROLE, role);
    flags.put(Setting.SHUTDOWN_TIMEOUT, shutdownTimeout);
    CourierConfig config = ConfigLoader.load(flags, parent.env());
    Logging.setLevel(config.logLevel());

    CountDownLatch stopRequested = new CountDownLatch(1);
    AtomicBoolean running = new AtomicBoolean();
    Thread main = Thread.currentThread();
    boolean signalsHandled =
        Signals.onTermOrInt(
            () -> {
              stopRequested.countDown();
              if (!running.get()) {
                // Still starting (say, waiting for an external database): cut the wait short.
                main.interrupt();
              }
            });

    CourierServer server;
    try {
      server = CourierServer.start(config);
    } catch (Exception e) {
      if (stopRequested.getCount() == 0) {
        Thread.interrupted();
        LOG.info("stop requested during startup; stopped ({})", e.getMessage());
        return 0;
      }
      throw e;
    }
    running.set(true);
    Thread hook = new Thread(server::close, "courier-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);

    PrintWriter out = spec.commandLine().getOut();
    out.println("Courier " + Version.current() + " is ready at " + server.url());
    out.println("  database:  " + server.database().kind().text() + " PostgreSQL "
        + server.database().serverVersion() + ", " + server.database().description());
    if (server.generatedAdminKey().isPresent()) {
      out.println("  admin key: " + server.generatedAdminKey().get());
      out.println("             (generated now and shown only this once: store it; Courier keeps only its hash)");
    } else if (config.apiKey().isPresent()) {
      out.println("  admin key: the one in COURIER_API_KEY");
    } else {
      out.println("  admin key: the one printed when this database was first used");
    }
    out.println("Stop with Ctrl-C or SIGTERM.");
    out.flush();

    if (!signalsHandled) {
      // Without our own handlers the JVM's shutdown hook stops the server.
      new CountDownLatch(1).await();
    }
    try {
      stopRequested.await();
    } catch (InterruptedException e) {
      // the signal came while startup was finishing: stop now
    }
    Thread.interrupted();
    LOG.info("shutdown requested");
    server.close();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // the hook is running or ran; the server is closed either way
    }
    return 0;
  }
}
