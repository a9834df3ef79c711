package dev.cairn.projections.internal;

import dev.cairn.projections.ProjectionException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

/** Deletes what Kafka keeps of a stopped streams application: its committed offsets and internal topics. */
public final class StreamsReset {

  private StreamsReset() {}

  /**
   * Deletes the application's consumer group (if any) and those of the given internal topics that
   * exist: exactly these, never another application's whose id merely starts the same.
   *
   * @param admin an admin client
   * @param name the application id
   * @param internalTopics the names of its changelogs and repartition topics
   * @throws ProjectionException if Kafka refuses a deletion
   */
  public static void deleteState(Admin admin, String name, Set<String> internalTopics) {
    try {
      try {
        admin.deleteConsumerGroups(List.of(name)).all().get();
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof GroupIdNotFoundException)) {
          throw e;
        }
      }
      List<String> internal = admin.listTopics().names().get().stream().filter(internalTopics::contains).toList();
      if (!internal.isEmpty()) {
        admin.deleteTopics(internal).all().get();
      }
    } catch (ExecutionException e) {
      throw ProjectionException.of("resetting streams projection " + name, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ProjectionException.of("interrupted resetting streams projection " + name, e);
    }
  }
}
