package dev.courier.server.db;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.courier.queue.testing.DatabaseTest;
import dev.courier.queue.testing.TestDatabase;
import dev.courier.server.testing.Schemas;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.RepeatedTest;

@DatabaseTest
class MigrationsTest {
  @RepeatedTest(5)
  void nodesMigratingAtOnceApplyEachMigrationOnce() throws Exception {
    TestDatabase.Coordinates db = TestDatabase.createDatabase();
    List<HikariDataSource> pools = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<Migrations.SchemaVersions>> results = new ArrayList<>();
      java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
      for (int i = 0; i < 3; i++) {
        HikariDataSource ds = TestDatabase.dataSource(db, 3);
        pools.add(ds);
        results.add(
            pool.submit(
                (Callable<Migrations.SchemaVersions>)
                    () -> {
                      go.await();
                      return Migrations.migrate(ds);
                    }));
      }
      go.countDown();
      List<Migrations.SchemaVersions> versions = new ArrayList<>();
      for (Future<Migrations.SchemaVersions> f : results) {
        versions.add(f.get());
      }
      String latest = Schemas.latestCourierVersion(pools.get(0));
      for (Migrations.SchemaVersions v : versions) {
        assertThat(v.courier()).contains(latest);
      }
      try (Connection c = pools.get(0).getConnection();
          ResultSet rs =
              c.createStatement()
                  .executeQuery("SELECT count(*) FROM flyway_schema_history WHERE version = '1'")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(1);
      }
      try (Connection c = pools.get(0).getConnection();
          ResultSet rs = c.createStatement().executeQuery("SELECT id, plan FROM courier_organization")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("org_default");
        assertThat(rs.getString(2)).isEqualTo("basic");
        assertThat(rs.next()).isFalse();
      }
      try (Connection c = pools.get(0).getConnection()) {
        assertThat(Migrations.applied(c).courier()).contains(latest);
      }
    } finally {
      pool.shutdownNow();
      pools.forEach(HikariDataSource::close);
    }
  }
}
