package dev.courier.server.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurabilityCheckTest {
  @TempDir Path dataDir;

  @Test
  void rejectsAZonkyServerStartedWithItsDefaults() throws Exception {
    try (EmbeddedPostgres defaults = EmbeddedPostgres.builder().start()) {
      DurabilityCheck.Durability d = DurabilityCheck.read(defaults.getPostgresDatabase());
      assertThat(d.fsync()).isEqualTo("off");
      assertThat(d.synchronousCommit()).isEqualTo("off");
      assertThat(d.durable()).isFalse();
      assertThatThrownBy(() -> DurabilityCheck.verify(defaults.getPostgresDatabase()))
          .isInstanceOf(DurabilityCheck.NotDurableException.class)
          .hasMessageContaining("fsync=off")
          .hasMessageContaining("synchronous_commit=off");

      // And Courier refuses to run on it as an external database unless told it may.
      Optional<DatabaseUrl> url =
          Optional.of(DatabaseUrl.parse("postgres://postgres@localhost:" + defaults.getPort() + "/postgres"));
      assertThatThrownBy(() -> Database.open(url, dataDir, 0, 2, false))
          .isInstanceOf(DurabilityCheck.NotDurableException.class);
      try (Database allowed = Database.open(url, dataDir, 0, 2, true)) {
        assertThat(allowed.health().ok()).isTrue();
        assertThat(allowed.health().details()).containsEntry("fsync", "off");
      }
    }
  }

  @Test
  void acceptsCouriersEmbeddedServer() throws Exception {
    try (DataDirLock lock = DataDirLock.acquire(dataDir);
        EmbeddedDatabase db = EmbeddedDatabase.start(dataDir, 0)) {
      var ds = new org.postgresql.ds.PGSimpleDataSource();
      ds.setUrl(db.jdbcUrl());
      ds.setUser(EmbeddedDatabase.USER);
      DurabilityCheck.Durability d = DurabilityCheck.verify(ds);
      assertThat(d.fsync()).isEqualTo("on");
      assertThat(d.synchronousCommit()).isEqualTo("on");
      assertThat(d.fullPageWrites()).isEqualTo("on");
      assertThat(Files.exists(dataDir.resolve("postgres/PG_VERSION"))).isTrue();
      assertThat(Files.readString(dataDir.resolve("postgres/PG_VERSION")).trim()).isEqualTo("17");
    }
  }

  @Test
  void secondLockOnTheSameDataDirIsRefusedWithThePidOfTheHolder() throws Exception {
    try (DataDirLock lock = DataDirLock.acquire(dataDir)) {
      assertThatThrownBy(() -> DataDirLock.acquire(dataDir))
          .isInstanceOf(DataDirLock.HeldException.class)
          .hasMessage(
              "another Courier is running on data dir " + dataDir.toAbsolutePath().normalize()
                  + " (pid " + ProcessHandle.current().pid() + ")");
    }
    try (DataDirLock again = DataDirLock.acquire(dataDir)) {
      assertThat(again.file()).exists();
    }
  }
}
