package dev.cairn.projections;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Default static member ids of Kafka runners: the projection's name and version and the host's
 * name, stable across restarts of one process on one host. A second runner of the same projection
 * in one process gets a numbered suffix, so two runners of a process never fence each other.
 */
final class InstanceIds {

  private static final Set<String> IN_USE = ConcurrentHashMap.newKeySet();

  private InstanceIds() {}

  /** Reserves the first free default id of a projection version in this process. */
  static String defaultFor(ProjectionSpec spec) {
    String base = spec.name() + "-v" + spec.version() + "-" + host();
    for (int i = 1; ; i++) {
      String id = i == 1 ? base : base + "-" + i;
      if (IN_USE.add(id)) {
        return id;
      }
    }
  }

  /** Frees an id when its runner ends (ids not reserved here are ignored). */
  static void release(String id) {
    IN_USE.remove(id);
  }

  private static String host() {
    String name = System.getenv("HOSTNAME");
    if (name == null || name.isBlank()) {
      try {
        name = InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        name = "localhost";
      }
    }
    return name.replaceAll("[^A-Za-z0-9._-]", "_");
  }
}
