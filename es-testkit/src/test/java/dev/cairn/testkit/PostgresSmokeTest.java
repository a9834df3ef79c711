package dev.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresSmokeTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();

  @Test
  void table_isCreatedWrittenAndRead_inTheClassOwnDatabase() {
    List<String> names =
        pg.jdbi()
            .withHandle(
                h -> {
                  h.execute("CREATE TABLE smoke (id int PRIMARY KEY, name text NOT NULL)");
                  h.execute("INSERT INTO smoke VALUES (1, 'one'), (2, 'two')");
                  return h.createQuery("SELECT name FROM smoke ORDER BY id").mapTo(String.class).list();
                });

    assertThat(names).containsExactly("one", "two");
    String current =
        pg.jdbi().withHandle(h -> h.createQuery("SELECT current_database()").mapTo(String.class).one());
    assertThat(current).isEqualTo(pg.database().name()).startsWith("cairn_postgressmoketest_");
  }

  @Test
  void server_isARealPostgres13OrNewer() {
    int version =
        pg.jdbi()
            .withHandle(h -> h.createQuery("SHOW server_version_num").mapTo(Integer.class).one());
    assertThat(version).isGreaterThanOrEqualTo(130000);
  }

  @Test
  void freshDatabase_isEmptyAndDroppedOnClose() {
    PostgresDatabase other = TestServers.postgres().createDatabase("scratch");
    int tables =
        other
            .jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
                        .mapTo(Integer.class)
                        .one());
    assertThat(tables).isZero();
    other.close();

    boolean stillThere =
        pg.jdbi()
            .withHandle(
                h ->
                    h.createQuery("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = :n)")
                        .bind("n", other.name())
                        .mapTo(Boolean.class)
                        .one());
    assertThat(stillThere).isFalse();
  }
}
