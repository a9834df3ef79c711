package dev.cairn.spring;

import dev.cairn.admin.AdminApi;
import dev.cairn.admin.AdminSecurity;
import dev.cairn.admin.CairnAdmin;
import dev.cairn.bus.kafka.KafkaRelay;
import dev.cairn.projections.Projection;
import dev.cairn.projections.ProjectionManager;
import dev.cairn.spring.internal.AdminMount;
import dev.cairn.spring.internal.CairnSchema;
import dev.cairn.store.jdbc.JdbcEventStore;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * es-admin's API and console on the application's Spring MVC server, with {@code
 * cairn.admin.enabled=true} (off by default). Its rules hold as in any other mount: without {@code
 * cairn.admin.token} the application must listen on loopback only ({@code server.address=127.0.0.1})
 * and mutating requests are checked for Host, Origin and content type; with a token, mutating
 * requests (and reads too with {@code cairn.admin.protect-reads=true}) need {@code Authorization:
 * Bearer <token>}. Every mutating request is audited.
 */
@AutoConfiguration(after = CairnAutoConfiguration.class)
@ConditionalOnClass({CairnAdmin.class, RouterFunction.class})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnBooleanProperty("cairn.admin.enabled")
@ConditionalOnBean(JdbcEventStore.class)
public class CairnAdminAutoConfiguration {

  /** Created by Spring Boot. */
  public CairnAdminAutoConfiguration() {}

  /**
   * The admin services over this application's store, projections and relay; the projection
   * beans are its catalog (the versions it can rebuild and retry).
   *
   * @param store the store
   * @param schema the store's schema, ready (the audit table is migrated with it)
   * @param manager the projection manager, if any
   * @param relay the relay, if this application runs one
   * @param projections the projection beans
   * @param properties the settings
   * @param environment for {@code server.address}
   * @return the admin, started; closed with the context
   * @throws IllegalStateException if no token is set and the server listens beyond loopback
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public CairnAdmin cairnAdmin(
      JdbcEventStore store,
      CairnSchema schema,
      ObjectProvider<ProjectionManager> manager,
      ObjectProvider<KafkaRelay> relay,
      ObjectProvider<Projection> projections,
      CairnProperties properties,
      Environment environment) {
    CairnProperties.Admin settings = properties.getAdmin();
    AdminSecurity security =
        settings.getToken() == null ? AdminSecurity.loopback() : AdminSecurity.token(settings.getToken());
    if (settings.isProtectReads()) {
      security = security.withProtectedReads(true);
    }
    // The same rule as for es-admin's own servers: beyond loopback only with a token. Spring Boot
    // listens on every interface unless server.address says otherwise.
    security.checkBind(environment.getProperty("server.address", "0.0.0.0"));
    CairnAdmin.Builder builder = CairnAdmin.builder(store).security(security).basePath(settings.getBasePath());
    manager.ifAvailable(builder::projections);
    relay.ifUnique(builder::relay);
    builder.catalog(projections.orderedStream().toArray(Projection[]::new));
    CairnAdmin admin = builder.build();
    if (schema.migrated()) {
      admin.migrate();
    }
    return admin.start();
  }

  /**
   * The route of the admin API and console.
   *
   * @param admin the admin
   * @return the route
   */
  @Bean
  public RouterFunction<ServerResponse> cairnAdminRoute(CairnAdmin admin) {
    AdminApi api = admin.api();
    return AdminMount.route(api, CairnAdmin.MAX_BODY_BYTES);
  }
}
