package dev.courier.server.db;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Reads PostgreSQL's durability settings with {@code SHOW} and refuses a server that could lose
 * committed data on a crash: {@code fsync} and {@code full_page_writes} must be {@code on}, and
 * {@code synchronous_commit} must wait for the local flush ({@code on}, {@code local},
 * {@code remote_write} or {@code remote_apply}; not {@code off}).
 */
public final class DurabilityCheck {
  private static final Set<String> DURABLE_SYNCHRONOUS_COMMIT =
      Set.of("on", "local", "remote_write", "remote_apply");

  private DurabilityCheck() {}

  /** The three settings as the server reports them. */
  public record Durability(String fsync, String synchronousCommit, String fullPageWrites) {
    /** What is wrong, empty when the settings keep every commit. */
    public List<String> problems() {
      List<String> p = new ArrayList<>();
      if (!"on".equals(fsync)) {
        p.add("fsync=" + fsync + " (must be on)");
      }
      if (!DURABLE_SYNCHRONOUS_COMMIT.contains(synchronousCommit)) {
        p.add("synchronous_commit=" + synchronousCommit + " (must be on)");
      }
      if (!"on".equals(fullPageWrites)) {
        p.add("full_page_writes=" + fullPageWrites + " (must be on)");
      }
      return p;
    }

    public boolean durable() {
      return problems().isEmpty();
    }
  }

  /** The server refused: it would not keep what Courier commits. */
  public static final class NotDurableException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    NotDurableException(String message) {
      super(message);
    }
  }

  /** Reads the settings through a connection of {@code dataSource}. */
  public static Durability read(DataSource dataSource) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      return read(c);
    }
  }

  /** Reads the settings as seen by {@code connection}'s session. */
  public static Durability read(Connection connection) throws SQLException {
    return new Durability(
        show(connection, "fsync"),
        show(connection, "synchronous_commit"),
        show(connection, "full_page_writes"));
  }

  /**
   * Reads the settings and throws {@link NotDurableException} unless they are durable.
   *
   * @return the settings, when durable
   */
  public static Durability verify(DataSource dataSource) throws SQLException {
    Durability d = read(dataSource);
    if (!d.durable()) {
      throw new NotDurableException(
          "PostgreSQL is not durable: "
              + String.join(", ", d.problems())
              + "; Courier refuses to run on a database that can lose committed messages");
    }
    return d;
  }

  private static String show(Connection c, String setting) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SHOW " + setting)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
