package dev.courier.server.db;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@code <data dir>/courier.lock}, held with an OS file lock for the life of the process, so that
 * two Courier processes never share one data directory. The file holds the owner's pid; the OS
 * releases the lock when the process dies, even by SIGKILL.
 */
public final class DataDirLock implements AutoCloseable {
  public static final String FILE_NAME = "courier.lock";

  private final FileChannel channel;
  private final FileLock lock;
  private final Path file;

  private DataDirLock(FileChannel channel, FileLock lock, Path file) {
    this.channel = channel;
    this.lock = lock;
    this.file = file;
  }

  /** Another process (or another server in this JVM) holds the lock. */
  public static final class HeldException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    HeldException(String message) {
      super(message);
    }
  }

  /**
   * Takes the lock, creating the data directory if needed.
   *
   * @throws HeldException naming the directory and the holder's pid when it is taken
   */
  public static DataDirLock acquire(Path dataDir) throws IOException {
    Path dir = dataDir.toAbsolutePath().normalize();
    Files.createDirectories(dir);
    Path file = dir.resolve(FILE_NAME);
    FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      channel.close();
      throw new HeldException(
          "another Courier is running on data dir " + dir + " (pid " + holder(file) + ")");
    }
    channel.truncate(0);
    channel.write(
        ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
    channel.force(true);
    return new DataDirLock(channel, lock, file);
  }

  private static String holder(Path file) {
    try {
      String pid = Files.readString(file).trim();
      return pid.isEmpty() ? "unknown" : pid;
    } catch (IOException e) {
      return "unknown";
    }
  }

  public Path file() {
    return file;
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}
