package dev.cairn.spring;

import dev.cairn.api.CairnException;

/**
 * A mistake that stops the application at startup, with what is wrong and what to do about it;
 * the starter's failure analyzer prints both.
 */
public final class CairnStartupException extends CairnException {

  private static final long serialVersionUID = 1L;

  private final String action;

  private CairnStartupException(String description, String action, Throwable cause) {
    super(description, cause);
    this.action = action;
  }

  private CairnStartupException(String description, String action) {
    super(description);
    this.action = action;
  }

  /**
   * Returns what to do about it.
   *
   * @return the action
   */
  public String action() {
    return action;
  }

  /**
   * The application has no {@code DataSource} for the event store.
   *
   * @return the exception
   */
  public static CairnStartupException noDataSource() {
    return new CairnStartupException(
        "Cairn's event store needs a DataSource, and the application has none.",
        "Set spring.datasource.url (e.g. jdbc:postgresql://localhost:5432/app) with spring.datasource.username"
            + " and password, or define a DataSource bean (or a JdbcEventStore bean of your own, and the"
            + " starter uses that).");
  }

  /**
   * The database is older than PostgreSQL 13.
   *
   * @param version the server's version as it reports it
   * @return the exception
   */
  public static CairnStartupException postgresTooOld(String version) {
    return new CairnStartupException(
        "Cairn needs PostgreSQL 13 or newer (for xid8 and pg_current_xact_id), but the DataSource's server is " + version + ".",
        "Upgrade the database server to PostgreSQL 13 or newer, or point spring.datasource.url at one.");
  }

  /**
   * Kafka did not answer while {@code cairn.relay.require-on-start=true}.
   *
   * @param bootstrap the bootstrap servers tried
   * @param waited how long the check waited
   * @param cause what the admin client reported
   * @return the exception
   */
  public static CairnStartupException kafkaUnreachable(String bootstrap, java.time.Duration waited, Throwable cause) {
    return new CairnStartupException(
        "Kafka at " + bootstrap + " did not answer within " + waited + " and cairn.relay.require-on-start=true: " + cause,
        "Start Kafka or fix spring.kafka.bootstrap-servers; or set cairn.relay.require-on-start=false (the default),"
            + " so that the service starts and the relay connects when the broker appears (its health is DOWN until then).",
        cause);
  }

  /**
   * An aggregate's event interface is not sealed, so its event types cannot be enumerated.
   *
   * @param streamType the aggregate's stream type
   * @param eventType the interface
   * @return the exception
   */
  public static CairnStartupException eventTypeNotSealed(String streamType, Class<?> eventType) {
    return new CairnStartupException(
        "The events of aggregate " + streamType + " are declared as " + eventType.getName()
            + ", which is not a sealed interface, so Cairn cannot know every event type to register.",
        "Declare it as `sealed interface " + eventType.getSimpleName() + " permits ...` listing its event records.");
  }
}
