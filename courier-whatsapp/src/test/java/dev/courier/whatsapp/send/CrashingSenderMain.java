package dev.courier.whatsapp.send;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.message.Message;
import dev.courier.whatsapp.provider.SendReceipt;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A node for the in-doubt crash test, in its own JVM. Its sends stop right after the provider
 * accepted them; once {@code n} have been accepted, the process halts (no shutdown hooks, nothing
 * committed): the instant between the provider's answer and Courier's commit.
 */
public final class CrashingSenderMain {
  private CrashingSenderMain() {}

  public static void main(String[] args) throws Exception {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(args[0]);
    config.setUsername(args[1]);
    int crashAfter = Integer.parseInt(args[2]);
    if (args.length > 3) {
      config.setPassword(args[3]);
    }
    config.setMaximumPoolSize(8);
    HikariDataSource ds = new HikariDataSource(config);
    AtomicInteger accepted = new AtomicInteger();
    SendHooks crash = new SendHooks() {
      @Override
      public void afterProviderAccepted(Message message, SendReceipt receipt) {
        System.out.println("accepted " + message.id());
        System.out.flush();
        if (accepted.incrementAndGet() >= crashAfter) {
          Runtime.getRuntime().halt(137);
        }
        try {
          Thread.sleep(Long.MAX_VALUE);
        } catch (InterruptedException e) {
          Runtime.getRuntime().halt(137);
        }
      }
    };
    WhatsApp wa = WhatsApp.builder(ds)
        .sendHooks(crash)
        .engine(e -> e.nodeId("doomed").leaseDuration(Duration.ofSeconds(2)).runMaintenance(false))
        .build();
    wa.start();
    System.out.println("started");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
