package dev.courier.server.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DatabaseUrlTest {
  @Test
  void parsesPostgresUrlWithUserPasswordPortAndParameters() {
    DatabaseUrl u = DatabaseUrl.parse("postgres://app:p%40ss:w@db.internal:6543/courier?sslmode=require");
    assertThat(u.jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:6543/courier?sslmode=require");
    assertThat(u.user()).isEqualTo("app");
    assertThat(u.password()).isEqualTo("p@ss:w");
    assertThat(u.host()).isEqualTo("db.internal");
    assertThat(u.port()).isEqualTo(6543);
    assertThat(u.database()).isEqualTo("courier");
  }

  @Test
  void defaultsPortAndUserAndAcceptsPostgresqlScheme() {
    DatabaseUrl u = DatabaseUrl.parse("postgresql://127.0.0.1/test");
    assertThat(u.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:5432/test");
    assertThat(u.user()).isEqualTo("postgres");
    assertThat(u.password()).isNull();
  }

  @Test
  void takesUserAndPasswordOutOfJdbcParameters() {
    DatabaseUrl u = DatabaseUrl.parse("jdbc:postgresql://localhost:5432/test?user=bob&password=pw&ssl=false");
    assertThat(u.jdbcUrl()).isEqualTo("jdbc:postgresql://localhost:5432/test?ssl=false");
    assertThat(u.user()).isEqualTo("bob");
    assertThat(u.password()).isEqualTo("pw");
  }

  @Test
  void neverShowsThePassword() {
    DatabaseUrl u = DatabaseUrl.parse("postgres://app:topsecret@db:5432/courier");
    assertThat(u.toString()).isEqualTo("postgres://app:****@db:5432/courier");
    assertThat(u.redacted()).doesNotContain("topsecret");
    assertThat(DatabaseUrl.redact("jdbc:postgresql://h/db?user=a&password=topsecret")).doesNotContain("topsecret");
    assertThat(DatabaseUrl.redact("postgres://a:topsecret@h/db")).isEqualTo("postgres://a:****@h/db");
  }

  @Test
  void rejectsOtherSchemesAndUrlsWithoutDatabase() {
    assertThatThrownBy(() -> DatabaseUrl.parse("mysql://h/db")).hasMessageStartingWith("must be postgres://");
    assertThatThrownBy(() -> DatabaseUrl.parse("postgres://h:5432")).hasMessageContaining("no database name");
    assertThatThrownBy(() -> DatabaseUrl.parse("postgres://u:secret@h:5432")).hasMessageNotContaining("secret");
  }
}
