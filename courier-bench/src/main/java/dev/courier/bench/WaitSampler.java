package dev.courier.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the backends of one database are doing, sampled from {@code pg_stat_activity} every few
 * milliseconds while a measurement runs: on CPU (active, no wait event), waiting (the wait event:
 * a lock, the WAL flush, a lightweight lock) or waiting for the client inside a transaction. Also
 * the machine's CPU use over the same span, from {@code /proc/stat} when there is one. A summary
 * tells where the sessions of a run spend their time, which statement timings alone do not
 * (a statement waiting for a row lock counts as executing).
 */
final class WaitSampler implements AutoCloseable {
  private final Connection connection;
  private final String database;
  private final long periodMillis;
  private final Map<String, Long> counts = new HashMap<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;
  private final long[] cpuStart;
  private final long jvmCpuStart;
  private final Map<Integer, Long> serverTicksStart;
  private final long wallStart;
  private long samples;

  WaitSampler(Connection connection, String database, long periodMillis) {
    this.connection = connection;
    this.database = database;
    this.periodMillis = periodMillis;
    this.cpuStart = cpuTicks();
    this.jvmCpuStart = jvmCpuNanos();
    this.serverTicksStart = serverTicks();
    this.wallStart = System.nanoTime();
    this.thread = Thread.ofPlatform().daemon().name("wait-sampler").start(this::run);
  }

  private void run() {
    String sql =
        """
        SELECT CASE WHEN state = 'active' AND wait_event IS NULL THEN 'CPU (active, no wait event)'
                    WHEN state = 'idle in transaction' THEN 'client, inside a transaction (' || coalesce(wait_event, '-') || ')'
                    ELSE wait_event_type || ':' || wait_event END AS what, count(*)
        FROM pg_stat_activity
        WHERE datname = '%s' AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')
        GROUP BY 1
        """.formatted(database);
    // Which lock the lock waiters wait for ("object pg_database 0" is the lock a transaction that
    // sent NOTIFY holds from its commit's start to its end, WAL flush included).
    String locks =
        """
        SELECT 'lock wait: ' || l.locktype || coalesce(' ' || l.relation::regclass::text, '')
               || coalesce(' ' || l.classid::regclass::text || ' ' || l.objid, '') AS what, count(*)
        FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE NOT l.granted AND a.datname = '%s'
        GROUP BY 1
        """.formatted(database);
    try (Statement st = connection.createStatement()) {
      while (running.get()) {
        synchronized (counts) {
          for (String q : new String[] {sql, locks}) {
            try (ResultSet rs = st.executeQuery(q)) {
              while (rs.next()) {
                counts.merge(rs.getString(1), rs.getLong(2), Long::sum);
              }
            }
          }
          samples++;
        }
        Thread.sleep(periodMillis);
      }
    } catch (SQLException | InterruptedException e) {
      // the run ended
    }
  }

  /** Stops sampling; returns the summary: average sessions per state, most frequent first. */
  String summary(int top) {
    running.set(false);
    try {
      thread.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    long[] cpuEnd = cpuTicks();
    Map<Integer, Long> serverTicksEnd = serverTicks();
    long serverTicks = 0;
    for (Map.Entry<Integer, Long> e : serverTicksEnd.entrySet()) {
      // A process that started during the run (a pool filling up) spent all its time in it.
      serverTicks += e.getValue() - serverTicksStart.getOrDefault(e.getKey(), 0L);
    }
    double jvmCores = (jvmCpuNanos() - jvmCpuStart) / (double) (System.nanoTime() - wallStart);
    StringBuilder sb = new StringBuilder();
    synchronized (counts) {
      sb.append(String.format(Locale.ROOT, "  sessions of the database by what they do (%d samples, every %d ms; average number of sessions):%n",
          samples, periodMillis));
      counts.entrySet().stream()
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
          .limit(top)
          .forEach(e -> sb.append(String.format(Locale.ROOT, "    %6.2f  %s%n", e.getValue() / (double) Math.max(1, samples), e.getKey())));
    }
    if (cpuStart != null && cpuEnd != null) {
      long total = cpuEnd[0] - cpuStart[0];
      long idle = cpuEnd[1] - cpuStart[1];
      int cpus = Runtime.getRuntime().availableProcessors();
      double busyCores = total == 0 ? 0 : cpus * (total - idle) / (double) total;
      double serverCores = total == 0 ? 0 : cpus * serverTicks / (double) total;
      sb.append(String.format(Locale.ROOT,
          "  machine CPU busy: %.0f%% of %d cpus (from /proc): this JVM %.2f cpus, this PostgreSQL server %.2f cpus,"
              + " other processes %.2f cpus%n",
          100 * busyCores / cpus, cpus, jvmCores, serverCores, Math.max(0, busyCores - jvmCores - serverCores)));
    }
    return sb.toString();
  }

  private static long jvmCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /**
   * CPU time (utime + stime, in clock ticks) of every process of this PostgreSQL server that
   * pg_stat_activity lists (backends and background processes); empty where /proc is missing.
   */
  private Map<Integer, Long> serverTicks() {
    Map<Integer, Long> out = new HashMap<>();
    try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("SELECT pid FROM pg_stat_activity")) {
      while (rs.next()) {
        int pid = rs.getInt(1);
        try {
          String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          out.put(pid, Long.parseLong(f[11]) + Long.parseLong(f[12]));
        } catch (IOException | RuntimeException e) {
          // gone, or no /proc
        }
      }
    } catch (SQLException e) {
      // no figures
    }
    return out;
  }

  /** {total, idle + iowait} jiffies of all cpus, or null where /proc/stat is missing. */
  private static long[] cpuTicks() {
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc/stat"));
      String[] f = lines.get(0).trim().split("\\s+");
      long total = 0;
      for (int i = 1; i < f.length; i++) {
        total += Long.parseLong(f[i]);
      }
      return new long[] {total, Long.parseLong(f[4]) + Long.parseLong(f[5])};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  @Override
  public void close() throws SQLException {
    running.set(false);
    connection.close();
  }
}
