package dev.cairn.admin;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpServer;
import dev.cairn.admin.http.HttpLimits;
import dev.cairn.admin.http.JdkMount;
import dev.cairn.admin.http.JettyServer;
import dev.cairn.api.EventTypeRegistry;
import dev.cairn.api.JacksonEventSerializer;
import dev.cairn.api.spi.Checks;
import dev.cairn.api.spi.SetOnce;
import dev.cairn.bus.kafka.KafkaRelay;
import dev.cairn.projections.Projection;
import dev.cairn.projections.ProjectionManager;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.store.jdbc.spi.StoreTables;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Operate Cairn without writing code: the admin services over one store (and, in-process, its
 * relay and projections), the JSON API over them ({@link #api()}), its security and audit log.
 *
 * <pre>{@code
 * CairnAdmin admin = CairnAdmin.builder(store)
 *     .projections(projections)            // installed projections, dead letters, control table
 *     .relay(relay)                        // live relay status
 *     .catalog(summaryV1, summaryV2)        // versions this process can rebuild to and retry
 *     .build();
 * admin.migrate();                         // the audit table
 * admin.start();                           // executes REBUILD, SWITCH, RETRY, SKIP of its catalog
 * JettyServer server = admin.server("127.0.0.1", 8081);
 * }</pre>
 *
 * <p>A process that runs nothing (the {@code cairn} CLI) builds one from the store alone: it reads
 * what the database knows and writes requests to the control table, which the runners of the
 * running services execute.
 */
public final class CairnAdmin implements AutoCloseable {

  /** The largest request body the admin API reads. */
  public static final int MAX_BODY_BYTES = 64 * 1024;

  private static final Pattern BASE_PATH = Pattern.compile("(/[a-z0-9_-]+)+");

  private final @Nullable JdbcEventStore store;
  private final ProjectionManager manager;
  private final AdminSecurity security;
  private final StoreService storeService;
  private final RelayService relays;
  private final ProjectionService projections;
  private final DeadLetterService deadLetters;
  private final StreamService streams;
  private final WorkflowService workflows;
  private final AuditLog audit;
  private final Operations operations;
  private final CommandExecutor executor;
  private final AdminApi api;

  private CairnAdmin(Builder b) {
    this.store = b.store;
    this.manager =
        b.projections != null
            ? b.projections
            // Only readSide() builds without a store, and it sets the projections.
            : ProjectionManager.create(
                requireNonNull(store, "store"), JacksonEventSerializer.create(EventTypeRegistry.builder().build()));
    this.security = b.security;
    this.storeService = new StoreService(store);
    this.relays = new RelayService(store, b.relay);
    this.projections = new ProjectionService(manager);
    this.deadLetters = new DeadLetterService(manager);
    this.streams = new StreamService(store);
    // Without a store the builder came from readSide(), which sets the read side and its tables.
    this.audit =
        store != null
            ? new AuditLog(store)
            : new AuditLog(requireNonNull(b.readSide, "readSide"), requireNonNull(b.tables, "tables"));
    this.operations = new Operations(manager.commands(), deadLetters, audit);
    this.workflows = new WorkflowService(store, manager, audit);
    MeterRegistry meters = b.meters != null ? b.meters : store != null ? store.meterRegistry() : new SimpleMeterRegistry();
    this.executor = new CommandExecutor(manager, b.catalog, b.onSwitch, b.rebuildTimeout, meters);
    this.api = new AdminApi(this, security, b.basePath, meters);
  }

  /**
   * Starts an admin over a store.
   *
   * @param store the event store
   * @return a builder
   */
  public static Builder builder(JdbcEventStore store) {
    return new Builder(requireNonNull(store, "store"));
  }

  /**
   * Starts an admin over a read side: projections in a database of their own, fed by Kafka, with
   * no event store ({@link ProjectionManager#readSide}). Projections, dead letters, commands and
   * the audit log work as with a store; the store, relay, stream and global-order endpoints
   * answer 503, naming why.
   *
   * @param projections the read side's manager
   * @param readModel the read side's database (the audit table goes there)
   * @param tables the schema and table prefix the manager was built with
   * @return a builder
   */
  public static Builder readSide(ProjectionManager projections, DataSource readModel, StoreTables tables) {
    Builder b = new Builder(null);
    b.projections = requireNonNull(projections, "projections");
    b.readSide = requireNonNull(readModel, "readModel");
    b.tables = requireNonNull(tables, "tables");
    return b;
  }

  /**
   * Tells whether this admin has an event store (a read side has none).
   *
   * @return true if built on a store
   */
  public boolean hasStore() {
    return store != null;
  }

  /**
   * Creates or upgrades the audit table (with a Flyway history table of its own). The
   * projections' tables are migrated by {@link ProjectionManager#migrate()}.
   *
   * @throws dev.cairn.api.EventStoreException if a migration fails
   */
  public void migrate() {
    audit.migrate();
  }

  /**
   * Starts the thread that executes the control table's requests this process can: {@code
   * REBUILD} and {@code SWITCH} to, and {@code RETRY}, {@code SKIP} and {@code RETRY_ALL} of, the
   * versions in its catalog. Without a catalog there is nothing to execute and no thread starts.
   *
   * @return this admin
   */
  public CairnAdmin start() {
    executor.start();
    return this;
  }

  /** Stops the executor's thread. */
  @Override
  public void close() {
    executor.close();
  }

  /**
   * Returns the JSON API (and console) as one framework-neutral handler.
   *
   * @return the API
   */
  public AdminApi api() {
    return api;
  }

  /**
   * Creates an embedded Jetty server for the admin API alone; {@link JettyServer#start()} opens it.
   *
   * @param host the address to bind: loopback unless a token is configured
   * @param port the port, 0 for any free one
   * @return the server, not started
   * @throws IllegalStateException if the address is beyond loopback and no token is configured
   */
  public JettyServer server(String host, int port) {
    security.checkBind(host);
    return new JettyServer(api, host, port, HttpLimits.defaults().withMaxBodyBytes(MAX_BODY_BYTES));
  }

  /**
   * Mounts the admin API on the JDK's HTTP server, at its base path.
   *
   * @param server the JDK server, bound already
   * @return the context
   * @throws IllegalStateException if the server is bound beyond loopback and no token is configured
   */
  public HttpContext mount(HttpServer server) {
    security.checkBind(server.getAddress().getAddress().getHostAddress());
    return JdkMount.mount(server, api.basePath(), api, MAX_BODY_BYTES);
  }

  /**
   * Returns the security policy, for adapters that check the address they bind.
   *
   * @return the policy
   */
  public AdminSecurity security() {
    return security;
  }

  /**
   * Returns the store service.
   *
   * @return the service
   */
  public StoreService store() {
    return storeService;
  }

  /**
   * Returns the relay service.
   *
   * @return the service
   */
  public RelayService relays() {
    return relays;
  }

  /**
   * Returns the projection service.
   *
   * @return the service
   */
  public ProjectionService projections() {
    return projections;
  }

  /**
   * Returns the dead-letter service.
   *
   * @return the service
   */
  public DeadLetterService deadLetters() {
    return deadLetters;
  }

  /**
   * Returns the stream service.
   *
   * @return the service
   */
  public StreamService streams() {
    return streams;
  }

  /**
   * Returns the process managers' service (es-workflows), read from the store.
   *
   * @return the service
   */
  public WorkflowService workflows() {
    return workflows;
  }

  /**
   * Returns the audit log.
   *
   * @return the log
   */
  public AuditLog audit() {
    return audit;
  }

  /**
   * Returns the mutating operations (requests to the control table, audited).
   *
   * @return the operations
   */
  public Operations operations() {
    return operations;
  }

  /** Configures a {@link CairnAdmin}; each setter checks its argument at once. */
  public static final class Builder {
    private final @Nullable JdbcEventStore store;
    private final SetOnce set = new SetOnce();
    private @Nullable DataSource readSide;
    private @Nullable StoreTables tables;
    private @Nullable MeterRegistry meters;
    private @Nullable ProjectionManager projections;
    private @Nullable KafkaRelay relay;
    private AdminSecurity security = AdminSecurity.loopback();
    private String basePath = "/cairn";
    private final Map<String, Projection> catalog = new LinkedHashMap<>();
    private Consumer<Projection> onSwitch = p -> {};
    private Duration rebuildTimeout = Duration.ofMinutes(30);

    private Builder(@Nullable JdbcEventStore store) {
      this.store = store;
    }

    /**
     * Sets the projection manager (without it, one is made for reading the tables alone).
     *
     * @param value the manager
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder projections(ProjectionManager value) {
      if (store == null) {
        throw new IllegalStateException("a read side's admin has its manager already (CairnAdmin.readSide)");
      }
      this.projections = set.once("projection manager", value);
      return this;
    }

    /**
     * Sets where the admin's meters go (default: the store's registry; for a read side, a simple
     * registry of its own).
     *
     * @param value the registry
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder meterRegistry(MeterRegistry value) {
      this.meters = set.once("meter registry", value);
      return this;
    }

    /**
     * Sets the relay running in this process, whose live status the API shows.
     *
     * @param value the relay
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder relay(KafkaRelay value) {
      if (store == null) {
        throw new IllegalStateException("a read side has no relay: it has no event store");
      }
      this.relay = set.once("relay", value);
      return this;
    }

    /**
     * Sets who may use the API (default {@link AdminSecurity#loopback()}).
     *
     * @param value the policy
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder security(AdminSecurity value) {
      this.security = set.once("security", value);
      return this;
    }

    /**
     * Sets the base path (default {@code /cairn}): the console there, the API under {@code
     * <base>/api}.
     *
     * @param value e.g. {@code /ops/cairn}: lower-case letters, digits, {@code -} and {@code _}
     * @return this builder
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if the path is malformed
     */
    public Builder basePath(String value) {
      if (value == null || !BASE_PATH.matcher(value).matches()) {
        throw new IllegalArgumentException(
            "basePath must be like /cairn (segments of a-z, 0-9, - and _, no trailing slash), was " + value);
      }
      this.basePath = set.once("base path", value);
      return this;
    }

    /**
     * Adds projection versions whose code this process holds: it can rebuild to them, switch to
     * them, and retry or skip their dead letters when asked through the control table.
     *
     * @param versions the versions
     * @return this builder
     * @throws IllegalStateException if a version was already added
     */
    public Builder catalog(Projection... versions) {
      Map<String, Projection> added = new LinkedHashMap<>();
      for (Projection p : versions) {
        String key = p.spec().name() + " v" + p.spec().version();
        if (catalog.containsKey(key) || added.putIfAbsent(key, p) != null) {
          throw new IllegalStateException("projection " + key + " is already in the catalog");
        }
      }
      catalog.putAll(added);
      return this;
    }

    /**
     * Sets what runs after readers were switched to a version (by a {@code SWITCH} request, or a
     * rebuild that switches when caught up): for example, start the application's Kafka-fed runner
     * of the new version (it takes over from the rebuild's store-fed runner) and stop the old one.
     *
     * @param value the hook
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder onSwitch(Consumer<Projection> value) {
      this.onSwitch = set.once("switch hook", value);
      return this;
    }

    /**
     * Sets how long a rebuild that switches when caught up may take (default 30 minutes).
     *
     * @param value the bound
     * @return this builder
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if not positive
     */
    public Builder rebuildTimeout(Duration value) {
      this.rebuildTimeout = set.once("rebuild timeout", Checks.positive("rebuild timeout", value));
      return this;
    }

    /**
     * Builds the admin.
     *
     * @return the admin
     */
    public CairnAdmin build() {
      return new CairnAdmin(this);
    }
  }
}
