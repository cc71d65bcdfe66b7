package dev.courier.queue.internal.store;

import dev.courier.queue.LimiterConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;

/** Owns {@code courier_limiter}: limiter configuration per key or key prefix. */
public final class LimiterStore {
  private static final String UPSERT =
      """
      INSERT INTO courier_limiter (pattern, rate_count, rate_period, rate_burst, gap_min, gap_max,
          daily_count, daily_time_zone, daily_rolling, daily_distinct, rest_every, rest_min, rest_max,
          window_from, window_to, window_time_zone, paused, updated_at)
      VALUES (?, ?, ? * interval '1 microsecond', ?, ? * interval '1 microsecond',
              ? * interval '1 microsecond', ?, ?, ?, ?, ?, ? * interval '1 microsecond',
              ? * interval '1 microsecond', ?, ?, ?, ?, ?)
      ON CONFLICT (pattern) DO UPDATE SET
        rate_count = excluded.rate_count, rate_period = excluded.rate_period,
        rate_burst = excluded.rate_burst, gap_min = excluded.gap_min, gap_max = excluded.gap_max,
        daily_count = excluded.daily_count, daily_time_zone = excluded.daily_time_zone,
        daily_rolling = excluded.daily_rolling, daily_distinct = excluded.daily_distinct,
        rest_every = excluded.rest_every, rest_min = excluded.rest_min, rest_max = excluded.rest_max,
        window_from = excluded.window_from, window_to = excluded.window_to,
        window_time_zone = excluded.window_time_zone, paused = excluded.paused,
        updated_at = excluded.updated_at
      """;

  // A changed limit applies at once: blocked limiters are looked at again at the next claim.
  private static final String UNBLOCK =
      """
      UPDATE courier_limiter_state SET blocked_until = NULL, waiting = true
      WHERE key = ? OR (right(?, 1) = '*' AND starts_with(key, left(?, -1)))
      """;

  private static final String SELECT =
      """
      SELECT pattern, rate_count, extract(epoch FROM rate_period) * 1000000 AS rate_us, rate_burst,
             extract(epoch FROM gap_min) * 1000000 AS gap_min_us,
             extract(epoch FROM gap_max) * 1000000 AS gap_max_us,
             daily_count, daily_time_zone, daily_rolling, daily_distinct, rest_every,
             extract(epoch FROM rest_min) * 1000000 AS rest_min_us,
             extract(epoch FROM rest_max) * 1000000 AS rest_max_us,
             window_from, window_to, window_time_zone, paused
      FROM courier_limiter ORDER BY pattern
      """;

  private final DataSource dataSource;

  public LimiterStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  public void limiterPut(String pattern, LimiterConfig c, Instant now) throws SQLException {
    Sql.inTransaction(dataSource, conn -> {
      try (PreparedStatement ps = conn.prepareStatement(UPSERT)) {
        ps.setString(1, pattern);
        setInt(ps, 2, c.rate() == null ? null : c.rate().count());
        setLong(ps, 3, c.rate() == null ? null : Sql.micros(c.rate().per()));
        setInt(ps, 4, c.rate() == null ? null : c.rate().burst());
        setLong(ps, 5, c.gap() == null ? null : Sql.micros(c.gap().min()));
        setLong(ps, 6, c.gap() == null ? null : Sql.micros(c.gap().max()));
        setInt(ps, 7, c.daily() == null ? null : c.daily().count());
        Sql.setNullableText(ps, 8, c.daily() == null || c.daily().timeZone() == null ? null : c.daily().timeZone().getId());
        ps.setBoolean(9, c.daily() != null && c.daily().rolling());
        ps.setBoolean(10, c.daily() != null && c.daily().distinct());
        setInt(ps, 11, c.rest() == null ? null : c.rest().every());
        setLong(ps, 12, c.rest() == null ? null : Sql.micros(c.rest().min()));
        setLong(ps, 13, c.rest() == null ? null : Sql.micros(c.rest().max()));
        ps.setObject(14, c.window() == null ? null : c.window().from(), Types.TIME);
        ps.setObject(15, c.window() == null ? null : c.window().to(), Types.TIME);
        Sql.setNullableText(ps, 16, c.window() == null ? null : c.window().timeZone().getId());
        ps.setBoolean(17, c.paused());
        ps.setObject(18, Sql.ts(now));
        ps.executeUpdate();
      }
      unblock(conn, pattern);
      return null;
    });
  }

  public boolean limiterDelete(String pattern) throws SQLException {
    return Sql.inTransaction(dataSource, conn -> {
      boolean deleted;
      try (PreparedStatement ps = conn.prepareStatement("DELETE FROM courier_limiter WHERE pattern = ?")) {
        ps.setString(1, pattern);
        deleted = ps.executeUpdate() == 1;
      }
      unblock(conn, pattern);
      return deleted;
    });
  }

  public Map<String, LimiterConfig> limiterList() throws SQLException {
    Map<String, LimiterConfig> all = new LinkedHashMap<>();
    try (Connection conn = dataSource.getConnection();
        PreparedStatement ps = conn.prepareStatement(SELECT);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        LimiterConfig c = LimiterConfig.none();
        if (rs.getObject("rate_count") != null) {
          c = c.withRate(rs.getInt("rate_count"), us(rs, "rate_us"), rs.getObject("rate_burst") == null ? rs.getInt("rate_count") : rs.getInt("rate_burst"));
        }
        if (rs.getObject("gap_min_us") != null) {
          c = c.withGap(us(rs, "gap_min_us"), us(rs, "gap_max_us"));
        }
        if (rs.getObject("daily_count") != null) {
          String zone = rs.getString("daily_time_zone");
          c = c.withDaily(new LimiterConfig.Daily(rs.getInt("daily_count"), zone == null ? null : ZoneId.of(zone),
              rs.getBoolean("daily_rolling"), rs.getBoolean("daily_distinct")));
        }
        if (rs.getObject("rest_every") != null) {
          c = c.withRest(rs.getInt("rest_every"), us(rs, "rest_min_us"), us(rs, "rest_max_us"));
        }
        if (rs.getObject("window_from") != null) {
          c = c.withWindow(rs.getObject("window_from", LocalTime.class), rs.getObject("window_to", LocalTime.class),
              ZoneId.of(rs.getString("window_time_zone")));
        }
        all.put(rs.getString("pattern"), c.withPaused(rs.getBoolean("paused")));
      }
    }
    return all;
  }

  /** Deletes counted distinct values older than {@code before} (past every quota period). */
  public int limiterCleanDistinct(Instant before, int limit) throws SQLException {
    try (Connection conn = dataSource.getConnection();
        PreparedStatement ps = conn.prepareStatement(
            "DELETE FROM courier_limiter_distinct WHERE ctid IN ("
                + "SELECT ctid FROM courier_limiter_distinct WHERE at < ? LIMIT ?)")) {
      ps.setObject(1, Sql.ts(before));
      ps.setInt(2, limit);
      return ps.executeUpdate();
    }
  }

  private static void unblock(Connection conn, String pattern) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(UNBLOCK)) {
      ps.setString(1, pattern);
      ps.setString(2, pattern);
      ps.setString(3, pattern);
      ps.executeUpdate();
    }
  }

  private static Duration us(ResultSet rs, String col) throws SQLException {
    return Duration.ofNanos(Math.round(rs.getDouble(col)) * 1_000);
  }

  private static void setInt(PreparedStatement ps, int i, Integer v) throws SQLException {
    if (v == null) {
      ps.setNull(i, Types.INTEGER);
    } else {
      ps.setInt(i, v);
    }
  }

  private static void setLong(PreparedStatement ps, int i, Long v) throws SQLException {
    if (v == null) {
      ps.setNull(i, Types.BIGINT);
    } else {
      ps.setLong(i, v);
    }
  }
}
