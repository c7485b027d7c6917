package dev.lakeml.schemas.sealed;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A folder whose manifest lists the size and SHA-256 of every file it holds: the one mechanism
 * behind online snapshots and model artifacts. The writer lists the files ({@link #digest}) and
 * writes the manifest last ({@link #writeAtomically}); a reader checks the folder against the
 * manifest ({@link #verify}) before it uses a byte of it.
 *
 * <p>Errors are returned as a {@link Mismatch} or thrown as {@link IOException}, so that each
 * format words them for its own users (a damaged snapshot, a corrupt artifact).
 */
public final class SealedFolder {
  private SealedFolder() {}

  /** What a folder holds that its manifest does not say, or the reverse. */
  public record Mismatch(
      Kind kind, Path file, SealedFile listed, long foundBytes, String foundSha) {
    /** The kinds of mismatch, each with the check that finds it. */
    public enum Kind {
      /** A listed file is absent. */
      MISSING,
      /** A listed file has another size (truncated or grown). */
      SIZE,
      /** A listed file has its size but other content. */
      CONTENT,
      /** A file is present that the manifest does not list. */
      UNLISTED
    }
  }

  /**
   * The size and SHA-256 of every regular file under {@code under} (a folder inside {@code dir}, or
   * {@code dir} itself) whose path relative to {@code dir} passes {@code member}, sorted by path.
   */
  public static List<SealedFile> digest(Path dir, Path under, Predicate<String> member)
      throws IOException {
    List<SealedFile> out = new ArrayList<>();
    for (Map.Entry<String, Path> e : members(dir, under, member).entrySet()) {
      out.add(new SealedFile(e.getKey(), Files.size(e.getValue()), sha256(e.getValue())));
    }
    return out;
  }

  /**
   * Checks a folder against its manifest: every listed file exists with its size and SHA-256, and
   * no file under {@code under} that passes {@code member} is unlisted.
   *
   * @return the first mismatch, in manifest order, then unlisted files in path order
   */
  public static Optional<Mismatch> verify(
      Path dir, Collection<SealedFile> listed, Path under, Predicate<String> member)
      throws IOException {
    Map<String, SealedFile> byPath = new TreeMap<>();
    for (SealedFile f : listed) {
      byPath.put(f.path(), f);
      Path file = dir.resolve(f.path());
      if (!Files.isRegularFile(file)) {
        return Optional.of(new Mismatch(Mismatch.Kind.MISSING, file, f, -1, null));
      }
      long size = Files.size(file);
      if (size != f.bytes()) {
        return Optional.of(new Mismatch(Mismatch.Kind.SIZE, file, f, size, null));
      }
      String sha = sha256(file);
      if (!sha.equals(f.sha256())) {
        return Optional.of(new Mismatch(Mismatch.Kind.CONTENT, file, f, size, sha));
      }
    }
    for (Map.Entry<String, Path> e : members(dir, under, member).entrySet()) {
      if (!byPath.containsKey(e.getKey())) {
        return Optional.of(
            new Mismatch(
                Mismatch.Kind.UNLISTED, e.getValue(), null, Files.size(e.getValue()), null));
      }
    }
    return Optional.empty();
  }

  /** The SHA-256 of a file, as 64 lower-case hex digits. */
  public static String sha256(Path file) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /**
   * Writes a file so that readers see the old content or the new, never a part: a hidden temporary
   * file beside the target, forced to disk, renamed over the target, and the rename made durable.
   */
  public static void writeAtomically(Path target, String content) throws IOException {
    Path temp =
        target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      try (FileChannel ch =
          FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer bytes = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
          ch.write(bytes);
        }
        ch.force(true);
      }
      try {
        Files.move(
            temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      syncDirectory(target.getParent());
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** Makes a rename durable: on Linux a directory can be forced through a read channel. */
  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Some platforms cannot open directories; the rename itself is still atomic.
    }
  }

  private static Map<String, Path> members(Path dir, Path under, Predicate<String> member)
      throws IOException {
    Map<String, Path> out = new TreeMap<>();
    if (!Files.isDirectory(under)) {
      return out;
    }
    try (Stream<Path> walk = Files.walk(under)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        String relative = dir.relativize(p).toString().replace(File.separatorChar, '/');
        if (member.test(relative)) {
          out.put(relative, p);
        }
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return out;
  }
}
