package dev.courier.queue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;

/**
 * A node for the kill -9 test, run in its own JVM: it works through the "crash" queue, recording
 * each run in {@code crash_run} inside the job's completing transaction, until it is killed.
 */
public final class CrashingNodeMain {
  private CrashingNodeMain() {}

  /** The job's effect (a row) and its completion, committed together. */
  static void recordRunAndComplete(javax.sql.DataSource ds, JobContext<EngineTestBase.Args> ctx) throws Exception {
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO crash_run (value) VALUES (?)")) {
        ps.setString(1, ctx.args().value());
        ps.executeUpdate();
      }
      if (ctx.completeWithin(c)) {
        c.commit();
      } else {
        c.rollback();
      }
    }
  }

  public static void main(String[] args) throws Exception {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(args[0]);
    config.setUsername(args[1]);
    if (args.length > 2) {
      config.setPassword(args[2]);
    }
    config.setMaximumPoolSize(8);
    HikariDataSource ds = new HikariDataSource(config);
    CourierQueue q =
        CourierQueue.builder(ds)
            .nodeId("doomed")
            .leaseDuration(Duration.ofSeconds(2))
            .queue("default", 4)
            .worker("crash", EngineTestBase.Args.class, ctx -> {
              Thread.sleep(5);
              recordRunAndComplete(ds, ctx);
            })
            .build();
    q.start();
    System.out.println("started");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
