package dev.cairn.projections;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/** Opens admin clients from a consumer's or a Streams application's settings. */
final class KafkaAdmins {

  private KafkaAdmins() {}

  /**
   * Opens an admin client with the settings an admin client knows (connection, security), and
   * without the client id, which belongs to the consumer.
   */
  static Admin open(Map<String, Object> settings) {
    Map<String, Object> adminConfig = new HashMap<>();
    Set<String> known = AdminClientConfig.configNames();
    settings.forEach(
        (k, v) -> {
          if (known.contains(k) && !k.equals(AdminClientConfig.CLIENT_ID_CONFIG)) {
            adminConfig.put(k, v);
          }
        });
    return Admin.create(adminConfig);
  }
}
