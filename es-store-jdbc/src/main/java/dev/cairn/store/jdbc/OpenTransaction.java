package dev.cairn.store.jdbc;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The oldest open transaction that holds a transaction id, and so holds back every reader of the
 * global order until it ends.
 *
 * @param pid the backend's process id (for {@code pg_terminate_backend})
 * @param database the database it runs in (it holds readers back in every database)
 * @param age how long the transaction has been open
 * @param state the backend's state, such as {@code idle in transaction}
 * @param query the start of its last statement, or null for a prepared transaction
 */
public record OpenTransaction(int pid, String database, Duration age, String state, @Nullable String query) {}
