package dev.courier.server.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedDatabaseTest {
  @TempDir Path dataDir;

  @Test
  void refusesAConfiguredPortThatIsInUseInsteadOfUsingWhateverAnswersThere() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      assertThatThrownBy(() -> EmbeddedDatabase.start(dataDir, taken.getLocalPort()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("port " + taken.getLocalPort() + " on localhost is in use");
    }
    assertThat(Files.exists(dataDir.resolve("postgres/PG_VERSION"))).isFalse();
  }

  @Test
  void keepsItsDataAcrossRestartsOnTheSameDirectory() throws Exception {
    try (EmbeddedDatabase first = EmbeddedDatabase.start(dataDir, 0)) {
      exec(first, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')");
    }
    try (EmbeddedDatabase second = EmbeddedDatabase.start(dataDir, 0)) {
      var ds = new org.postgresql.ds.PGSimpleDataSource();
      ds.setUrl(second.jdbcUrl());
      ds.setUser(EmbeddedDatabase.USER);
      try (var c = ds.getConnection();
          var rs = c.createStatement().executeQuery("SELECT v FROM kept")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("still here");
      }
      assertThat(second.postmasterPid()).isPresent();
    }
  }

  private static void exec(EmbeddedDatabase db, String sql) throws Exception {
    var ds = new org.postgresql.ds.PGSimpleDataSource();
    ds.setUrl(db.jdbcUrl());
    ds.setUser(EmbeddedDatabase.USER);
    try (var c = ds.getConnection(); var st = c.createStatement()) {
      st.execute(sql);
    }
  }
}
