package dev.cairn.bus.kafka.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jspecify.annotations.Nullable;

/**
 * A PostgreSQL session advisory lock held on a dedicated connection: whoever holds it is the one
 * active relay of a store. When the holder dies, its session ends and the lock is free. Confined
 * to one thread.
 */
public final class AdvisoryLock {

  private final Jdbi jdbi;
  private final long key;
  /** The lock's connection while the lock is held, else null. */
  private @Nullable Handle handle;

  /**
   * Creates the lock; nothing is acquired yet.
   *
   * @param jdbi the database
   * @param identity what the lock elects a holder of, e.g. the store's qualified events table
   */
  public AdvisoryLock(Jdbi jdbi, String identity) {
    this.jdbi = jdbi;
    this.key = keyFor(identity);
  }

  /**
   * Derives the lock's 64-bit key from an identity (the first 8 bytes of its SHA-256).
   *
   * @param identity the identity
   * @return the key
   */
  public static long keyFor(String identity) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(("cairn-relay:" + identity).getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(digest).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /**
   * Returns the lock's key, as {@code pg_locks} shows it split into {@code classid} (high 32 bits)
   * and {@code objid} (low 32 bits).
   *
   * @return the key
   */
  public long key() {
    return key;
  }

  /**
   * Tries to take the lock without waiting. The connection is kept while the lock is held and
   * returned to the pool if it is not.
   *
   * @return true if this session now holds the lock
   * @throws RuntimeException if the database cannot be reached
   */
  public boolean tryAcquire() {
    if (handle != null) {
      return true;
    }
    Handle h = jdbi.open();
    try {
      boolean got = h.createQuery("SELECT pg_try_advisory_lock(:key)").bind("key", key).mapTo(Boolean.class).one();
      if (got) {
        handle = h;
        return true;
      }
      h.close();
      return false;
    } catch (RuntimeException e) {
      h.close();
      throw e;
    }
  }

  /**
   * Tells whether the lock's session is still alive, so the lock is still held: a terminated or
   * broken session has lost it.
   *
   * @return true if held
   */
  public boolean isHeld() {
    if (handle == null) {
      return false;
    }
    try {
      return handle.getConnection().isValid(5);
    } catch (SQLException e) {
      return false;
    }
  }

  /** Releases the lock, if held, and returns the connection; never throws. */
  public void release() {
    Handle h = handle;
    handle = null;
    if (h == null) {
      return;
    }
    try {
      // A pooled connection outlives this session's use: unlock explicitly.
      h.createQuery("SELECT pg_advisory_unlock(:key)").bind("key", key).mapTo(Boolean.class).one();
    } catch (RuntimeException e) {
      // The session is gone, and the lock with it.
    } finally {
      try {
        h.close();
      } catch (RuntimeException e) {
        // Closing a broken connection: nothing more to do.
      }
    }
  }
}
