package dev.errand.store.sqlite.internal;

import dev.errand.core.ErrandException;
import dev.errand.core.StoreCorruptException;
import dev.errand.core.StoreUnavailableException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How SQLite failures reach callers, naming the store and the step: a damaged file as
 * {@link StoreCorruptException} (remembered, and logged once at ERROR: retrying cannot fix it), anything
 * else as {@link StoreUnavailableException}. Thread-safe.
 */
public final class StoreErrors {
  private static final Logger LOG = LoggerFactory.getLogger(StoreErrors.class);
  private static final int SQLITE_IOERR = 10;
  private static final int SQLITE_CORRUPT = 11;
  private static final int SQLITE_FULL = 13;
  private static final int SQLITE_CANTOPEN = 14;
  private static final int SQLITE_NOTADB = 26;

  private final String store;
  private final Path file;
  private final AtomicReference<StoreCorruptException> corrupt = new AtomicReference<>();

  public StoreErrors(String store, Path file) {
    this.store = store;
    this.file = file;
  }

  public String store() {
    return store;
  }

  /** The exception for {@code cause}, which failed step {@code what}. */
  public ErrandException failed(String what, SQLException cause) {
    if (isCorruption(cause)) {
      return corrupt(what + " failed: " + cause.getMessage(), cause);
    }
    return new StoreUnavailableException(store + ": " + what + " failed: " + cause.getMessage(), cause);
  }

  /** Records that the file is damaged and says so loudly, once; returns the exception to throw. */
  public StoreCorruptException corrupt(String detail, Throwable cause) {
    StoreCorruptException failure = new StoreCorruptException(store + " is corrupt: " + detail
        + "; stop the process, copy " + file + " aside and run PRAGMA integrity_check on the copy", cause);
    if (corrupt.compareAndSet(null, failure)) {
      LOG.error("{}: the database file {} is corrupt ({}); readiness stays down until the file is"
          + " repaired or restored. Check it with: sqlite3 {} 'PRAGMA integrity_check'", store, file, detail, file);
    }
    return failure;
  }

  /** Throws if damage was seen: a corrupt store is never ready. */
  public void requireIntact() {
    StoreCorruptException seen = corrupt.get();
    if (seen != null) {
      throw new StoreCorruptException(seen.getMessage(), seen);
    }
  }

  public StoreUnavailableException closed() {
    return new StoreUnavailableException(store + " is closed", null);
  }

  static boolean isCorruption(SQLException e) {
    int code = baseCode(e);
    return code == SQLITE_CORRUPT || code == SQLITE_NOTADB;
  }

  /**
   * Whether {@code e} says the database cannot be written at all now (full disk, I/O error, damage), as
   * opposed to one request's own failure (a constraint, a bad value).
   */
  static boolean isStoreFailure(SQLException e) {
    int code = baseCode(e);
    return code == SQLITE_FULL || code == SQLITE_IOERR || code == SQLITE_CANTOPEN || isCorruption(e);
  }

  private static int baseCode(SQLException e) {
    return e.getErrorCode() & 0xff;
  }
}
