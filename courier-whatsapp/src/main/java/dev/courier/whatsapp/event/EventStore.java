package dev.courier.whatsapp.event;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.whatsapp.Ids;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns {@code courier_event}. Events are written inside the caller's transaction; listeners in this
 * process hear of them after that transaction committed ({@link #publishAfterCommit}).
 */
public final class EventStore {
  private static final Logger LOG = LoggerFactory.getLogger(EventStore.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private final DataSource dataSource;
  private final Clock clock;
  private final List<Consumer<DomainEvent>> listeners = new CopyOnWriteArrayList<>();

  public EventStore(DataSource dataSource, Clock clock) {
    this.dataSource = dataSource;
    this.clock = clock;
  }

  public void addListener(Consumer<DomainEvent> listener) {
    listeners.add(listener);
  }

  /** Records an event in the caller's transaction and returns it for publishing after commit. */
  public DomainEvent eventInsert(Connection conn, String organizationId, String type, String subjectId, ObjectNode payload)
      throws SQLException {
    DomainEvent e = eventNew(organizationId, type, subjectId, payload);
    eventsInsert(conn, List.of(e));
    return e;
  }

  private static final String INSERT_MANY =
      """
      INSERT INTO courier_event (id, organization_id, type, subject_id, payload, at)
        SELECT e.id, e.org, e.type, e.subject, e.payload::jsonb, e.at::timestamptz
        FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) WITH ORDINALITY
             AS e(id, org, type, subject, payload, at, n)
        ORDER BY e.n
      """;

  /** A new event, not stored yet (see {@link #eventsInsert}). */
  public DomainEvent eventNew(String organizationId, String type, String subjectId, ObjectNode payload) {
    return new DomainEvent(Ids.next("evt", clock), organizationId, type, subjectId, payload, clock.instant());
  }

  /** Stores events made by {@link #eventNew} in one statement, in list order. */
  public void eventsInsert(Connection conn, List<DomainEvent> events) throws SQLException {
    if (events.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = conn.prepareStatement(INSERT_MANY)) {
      ps.setArray(1, conn.createArrayOf("text", events.stream().map(DomainEvent::id).toArray()));
      ps.setArray(2, conn.createArrayOf("text", events.stream().map(DomainEvent::organizationId).toArray()));
      ps.setArray(3, conn.createArrayOf("text", events.stream().map(DomainEvent::type).toArray()));
      ps.setArray(4, conn.createArrayOf("text", events.stream().map(DomainEvent::subjectId).toArray()));
      ps.setArray(5, conn.createArrayOf("text", events.stream().map(e -> e.payload().toString()).toArray()));
      ps.setArray(6, conn.createArrayOf("text", events.stream().map(e -> e.at().toString()).toArray()));
      ps.executeUpdate();
    }
  }

  /** Tells this process's listeners; call only once the events' transaction committed. */
  public void publishAfterCommit(List<DomainEvent> events) {
    for (DomainEvent e : events) {
      for (Consumer<DomainEvent> l : listeners) {
        try {
          l.accept(e);
        } catch (RuntimeException ex) {
          LOG.warn("event listener failed event={} type={}", e.id(), e.type(), ex);
        }
      }
    }
  }

  /** Events of an organization after sequence {@code afterSeq}, oldest first. */
  public List<DomainEvent> eventList(String organizationId, long afterSeq, int limit) throws SQLException {
    List<DomainEvent> out = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(
            "SELECT id, organization_id, type, subject_id, payload, at FROM courier_event "
                + "WHERE organization_id = ? AND seq > ? ORDER BY seq LIMIT ?")) {
      ps.setString(1, organizationId);
      ps.setLong(2, afterSeq);
      ps.setInt(3, limit);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new DomainEvent(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
              (ObjectNode) JSON.readTree(rs.getString(5)), rs.getTimestamp(6).toInstant()));
        }
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("stored event payload is not JSON", e);
    }
    return out;
  }
}
