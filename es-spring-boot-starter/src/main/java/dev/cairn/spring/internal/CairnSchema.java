package dev.cairn.spring.internal;

import dev.cairn.spring.CairnStartupException;
import dev.cairn.store.jdbc.JdbcEventStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the database (PostgreSQL 13 or newer) and, unless {@code cairn.store.migrate=false},
 * creates or upgrades the store's tables, when the application context creates it: before any
 * repository, projection or relay uses them.
 */
public final class CairnSchema {

  private static final Logger LOG = LoggerFactory.getLogger(CairnSchema.class);
  private static final int MINIMUM_VERSION_NUM = 130000;

  private final boolean migrated;

  /**
   * Checks and migrates.
   *
   * @param store the store
   * @param migrate whether to run the store's migrations
   * @throws CairnStartupException if the server is older than PostgreSQL 13
   */
  public CairnSchema(JdbcEventStore store, boolean migrate) {
    int versionNum =
        store.jdbi().withHandle(h -> h.createQuery("SELECT current_setting('server_version_num')::int").mapTo(Integer.class).one());
    if (versionNum < MINIMUM_VERSION_NUM) {
      String version = store.jdbi().withHandle(h -> h.createQuery("SELECT current_setting('server_version')").mapTo(String.class).one());
      throw CairnStartupException.postgresTooOld("PostgreSQL " + version);
    }
    if (migrate) {
      store.migrate();
      LOG.info("Cairn store schema {} is up to date", store.schema());
    } else {
      LOG.info("Cairn store migrations are off (cairn.store.migrate=false): schema {} is managed elsewhere", store.schema());
    }
    this.migrated = migrate;
  }

  /**
   * Tells whether migrations ran.
   *
   * @return whether they ran
   */
  public boolean migrated() {
    return migrated;
  }
}
