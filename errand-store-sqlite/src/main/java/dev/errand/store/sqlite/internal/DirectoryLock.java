package dev.errand.store.sqlite.internal;

import dev.errand.core.StoreUnavailableException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Exclusive ownership of a data directory for the life of a store: an OS lock on {@code errand.lock},
 * which holds the owner's pid so that a second process is told who has it. SQLite itself would let two
 * processes share the files, but the store keeps state in memory (the wake-up signal, the one-writer
 * rule) that is only right while it is the sole user. Within one JVM the OS lock cannot tell two opens
 * apart, so a set of held directories does.
 */
public final class DirectoryLock implements AutoCloseable {
  public static final String FILE_NAME = "errand.lock";

  private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

  private final Path directory;
  private final FileChannel channel;
  private final FileLock lock;

  private DirectoryLock(Path directory, FileChannel channel, FileLock lock) {
    this.directory = directory;
    this.channel = channel;
    this.lock = lock;
  }

  /** Locks {@code directory}, creating it if needed; throws if another store holds it. */
  public static DirectoryLock acquire(Path directory) {
    Path key;
    try {
      Files.createDirectories(directory);
      key = directory.toRealPath();
    } catch (IOException e) {
      throw new StoreUnavailableException("sqlite store " + directory + " cannot be created: " + e, e);
    }
    if (!HELD.add(key)) {
      throw new StoreUnavailableException("sqlite store " + directory + " is already open in this process", null);
    }
    FileChannel channel = null;
    try {
      channel = FileChannel.open(key.resolve(FILE_NAME),
          StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        throw new StoreUnavailableException("sqlite store " + directory + " is in use by another process (pid "
            + owner(channel) + ")", null);
      }
      byte[] pid = Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII);
      channel.truncate(0);
      channel.write(ByteBuffer.wrap(pid), 0);
      channel.force(true);
      return new DirectoryLock(key, channel, lock);
    } catch (IOException | RuntimeException e) {
      HELD.remove(key);
      closeQuietly(channel);
      if (e instanceof StoreUnavailableException unavailable) {
        throw unavailable;
      }
      throw new StoreUnavailableException("sqlite store " + directory + " cannot be locked: " + e, e);
    }
  }

  private static String owner(FileChannel channel) {
    try {
      ByteBuffer buffer = ByteBuffer.allocate(32);
      channel.read(buffer, 0);
      String pid = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).strip();
      return pid.isEmpty() ? "unknown" : pid;
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // Already failing; the first error is the one worth reporting.
      }
    }
  }

  public Path directory() {
    return directory;
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      throw new StoreUnavailableException("sqlite store " + directory + " lock cannot be released: " + e, e);
    } finally {
      HELD.remove(directory);
    }
  }
}
