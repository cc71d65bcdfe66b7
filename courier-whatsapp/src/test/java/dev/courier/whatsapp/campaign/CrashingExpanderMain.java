package dev.courier.whatsapp.campaign;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.courier.whatsapp.WhatsApp;
import java.time.Duration;

/**
 * A node for the expansion crash test, in its own JVM: it expands campaigns in batches of 10 and
 * halts (no shutdown hooks, nothing more committed) inside the transaction of batch {@code n},
 * after that batch's messages were inserted and before its cursor advanced and it committed.
 */
public final class CrashingExpanderMain {
  private CrashingExpanderMain() {}

  public static void main(String[] args) throws Exception {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(args[0]);
    config.setUsername(args[1]);
    int crashInBatch = Integer.parseInt(args[2]);
    if (args.length > 3) {
      config.setPassword(args[3]);
    }
    config.setMaximumPoolSize(8);
    HikariDataSource ds = new HikariDataSource(config);
    WhatsApp wa = WhatsApp.builder(ds)
        .campaignBatchSize(10)
        .campaignHooks((campaignId, batch) -> {
          System.out.println("batch " + batch);
          System.out.flush();
          if (batch == crashInBatch) {
            Runtime.getRuntime().halt(137);
          }
        })
        .engine(e -> e.nodeId("doomed").leaseDuration(Duration.ofSeconds(2)).runMaintenance(false))
        .build();
    wa.start();
    Thread.sleep(Long.MAX_VALUE);
  }
}
