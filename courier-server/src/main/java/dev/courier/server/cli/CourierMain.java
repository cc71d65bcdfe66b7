package dev.courier.server.cli;

import dev.courier.server.Version;
import dev.courier.server.config.ConfigException;
import dev.courier.server.db.DataDirLock;
import dev.courier.server.db.DurabilityCheck;
import dev.courier.server.db.EmbeddedDatabase;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The {@code courier} command line. */
@Command(
    name = "courier",
    mixinStandardHelpOptions = true,
    versionProvider = CourierMain.VersionProvider.class,
    description = "Courier: a self-hosted WhatsApp message queue on PostgreSQL.",
    subcommands = {ServeCommand.class, MigrateCommand.class, CommandLine.HelpCommand.class},
    footer = {"", "Run 'courier help <command>' for a command's options."})
public final class CourierMain implements Callable<Integer> {
  /** Exit code for a configuration or usage error. */
  public static final int EXIT_USAGE = 2;

  /** Exit code when the command failed. */
  public static final int EXIT_FAILURE = 1;

  private static final Logger LOG = LoggerFactory.getLogger(CourierMain.class);

  private final Map<String, String> env;

  @Spec CommandSpec spec;

  CourierMain(Map<String, String> env) {
    this.env = env;
  }

  Map<String, String> env() {
    return env;
  }

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err, System.getenv()));
  }

  /** Runs the command line with the given streams and environment; returns the exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
    CommandLine cl = new CommandLine(new CourierMain(env));
    cl.setOut(new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true));
    cl.setErr(new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true));
    cl.setExecutionExceptionHandler(
        (ex, cmd, parseResult) -> {
          boolean expected =
              ex instanceof ConfigException
                  || ex instanceof DataDirLock.HeldException
                  || ex instanceof DurabilityCheck.NotDurableException
                  || ex instanceof EmbeddedDatabase.PortInUseException;
          if (!expected) {
            LOG.error("command failed", ex);
          }
          cmd.getErr().println("courier: " + describe(ex));
          cmd.getErr().flush();
          return ex instanceof ConfigException ? EXIT_USAGE : EXIT_FAILURE;
        });
    return cl.execute(args);
  }

  /** The exception's message and its causes' messages, without stack traces. */
  static String describe(Throwable ex) {
    StringBuilder sb = new StringBuilder(String.valueOf(ex.getMessage()));
    Throwable cause = ex.getCause();
    int depth = 0;
    while (cause != null && depth++ < 3) {
      if (cause.getMessage() != null && !sb.toString().contains(cause.getMessage())) {
        sb.append(": ").append(cause.getMessage());
      }
      cause = cause.getCause();
    }
    return sb.toString();
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 0;
  }

  /** Prints Courier's version. */
  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"courier " + Version.current()};
    }
  }
}
