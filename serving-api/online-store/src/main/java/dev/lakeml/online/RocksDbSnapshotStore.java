package dev.lakeml.online;

import dev.lakeml.schemas.sealed.SealedFile;
import dev.lakeml.schemas.sealed.SealedFolder;
import dev.lakeml.schemas.snapshot.Bytes;
import dev.lakeml.schemas.snapshot.Retention;
import dev.lakeml.schemas.snapshot.SnapshotException;
import dev.lakeml.schemas.snapshot.SnapshotManifest;
import dev.lakeml.schemas.snapshot.SnapshotPointer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.rocksdb.EnvOptions;
import org.rocksdb.IngestExternalFileOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.SstFileReader;
import org.rocksdb.SstFileReaderIterator;
import org.rocksdb.SstFileWriter;

/**
 * A folder holding versioned, immutable RocksDB snapshots and an atomically switched pointer.
 *
 * <pre>
 * &lt;root&gt;/snapshots/v000001/db/            RocksDB files, never modified after the commit
 * &lt;root&gt;/snapshots/v000001/manifest.yaml  written last (temp file + atomic rename): the commit record
 * &lt;root&gt;/snapshots/v000002/_sst/          staging: SST files written by Spark tasks
 * &lt;root&gt;/CURRENT                          "2 &lt;sha256 of v2's manifest.yaml&gt;\n", replaced
 *                                          atomically: what servers serve ({@link SnapshotPointer})
 * </pre>
 *
 * <p>Publishing is: {@link #nextVersion()}, write sorted, key-disjoint SST files into {@link
 * #stagingDir(long)} with {@link #writeSst}, then {@link #commit}. Servers ({@link
 * RocksDbOnlineStore}) only ever open snapshots whose manifest exists and whose files match it, so
 * a crash at any point leaves the current snapshot serving. One publisher at a time per root.
 */
public final class RocksDbSnapshotStore {
  static final String CURRENT = "CURRENT";
  static final String SNAPSHOTS = "snapshots";
  static final String MANIFEST = "manifest.yaml";
  static final String DB = "db";
  static final String STAGING = "_sst";

  private static final Pattern VERSION_DIR = Pattern.compile("v(\\d{6,18})");

  private final Path root;

  public RocksDbSnapshotStore(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  public Path root() {
    return root;
  }

  /** The folder of a snapshot version: {@code <root>/snapshots/v%06d}. */
  public Path snapshotDir(long version) {
    if (version < 1) {
      throw new IllegalArgumentException("snapshot versions start at 1, got " + version);
    }
    return root.resolve(SNAPSHOTS).resolve(String.format("v%06d", version));
  }

  /**
   * 1 + the highest version folder present, complete or not (so an abandoned one is not reused).
   */
  public long nextVersion() {
    long highest = Math.max(0, currentVersion().orElse(0L));
    for (long v : versionFolders()) {
      highest = Math.max(highest, v);
    }
    return highest + 1;
  }

  /**
   * The folder Spark tasks write {@code part-*.sst} files into, created with its parents.
   *
   * @throws SnapshotException if the version is already committed
   */
  public Path stagingDir(long version) {
    requireNotCommitted(version);
    Path dir = snapshotDir(version).resolve(STAGING);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new SnapshotException("cannot create the staging folder " + dir + ": " + e, e);
    }
    return dir;
  }

  /**
   * Builds the snapshot database from SST files and publishes it.
   *
   * <p>The SST files must hold disjoint key ranges (as Spark's {@code orderBy} on the key column
   * produces: range partitions, each sorted), so RocksDB places them all in the bottom level
   * without rewriting anything, and so no key can silently shadow another. Their entries must add
   * up to the rows the manifest declares. The files are moved into {@code db/} (no row-by-row
   * puts), the database is closed, the staging folder deleted, the size and SHA-256 of every file
   * recorded in {@code manifest.yaml}, and finally {@code CURRENT} switched to this version.
   *
   * @param manifest the snapshot's description, backend {@value SnapshotManifest#ROCKSDB}; its file
   *     list is replaced by the files actually written
   * @return the manifest as written
   * @throws SnapshotException if the version is already committed, a previous commit of it was
   *     interrupted, or the SST files do not match the manifest
   */
  public SnapshotManifest commit(SnapshotManifest manifest, List<Path> sstFiles) {
    long version = manifest.version();
    if (!SnapshotManifest.ROCKSDB.equals(manifest.backend())) {
      throw new SnapshotException(
          "the manifest of v"
              + version
              + " names backend '"
              + manifest.backend()
              + "'; a RocksDB snapshot store commits backend '"
              + SnapshotManifest.ROCKSDB
              + "'");
    }
    requireNotCommitted(version);
    Path dir = snapshotDir(version);
    List<SstRange> ranges = new ArrayList<>();
    for (Path sst : sstFiles) {
      ranges.add(SstRange.read(sst));
    }
    checkDisjoint(ranges);
    checkEntries(manifest, ranges);

    Path db = dir.resolve(DB);
    try {
      Files.createDirectories(dir);
      Files.createDirectory(db);
    } catch (FileAlreadyExistsException e) {
      throw new SnapshotException(
          db
              + " already exists: a commit of v"
              + version
              + " was interrupted or is running; snapshots are not rebuilt in place, publish"
              + " version "
              + nextVersion()
              + " instead (garbage collection removes the abandoned folder)");
    } catch (IOException e) {
      throw new SnapshotException("cannot create " + db + ": " + e, e);
    }
    build(db, ranges);
    deleteRecursively(dir.resolve(STAGING));

    SnapshotManifest written = manifest.withFiles(hashFiles(dir, db));
    writeAtomically(dir.resolve(MANIFEST), written.toYaml());
    String manifestSha;
    try {
      manifestSha = SealedFolder.sha256(dir.resolve(MANIFEST));
    } catch (IOException e) {
      throw new SnapshotException("cannot digest " + dir.resolve(MANIFEST) + ": " + e, e);
    }
    writeAtomically(root.resolve(CURRENT), SnapshotPointer.of(version, manifestSha).toText());
    return written;
  }

  private void build(Path db, List<SstRange> ranges) {
    try (RocksDbOptions opts = RocksDbOptions.forWriting()) {
      opts.options().setCreateIfMissing(true).setErrorIfExists(true);
      try (RocksDB rocks = RocksDB.open(opts.options(), db.toString());
          IngestExternalFileOptions ingest =
              new IngestExternalFileOptions().setMoveFiles(true).setSnapshotConsistency(false)) {
        if (!ranges.isEmpty()) {
          rocks.ingestExternalFile(ranges.stream().map(r -> r.file().toString()).toList(), ingest);
        }
        long level0 = Long.parseLong(rocks.getProperty("rocksdb.num-files-at-level0").trim());
        if (level0 > 0) {
          // Cannot happen with disjoint files, but if RocksDB ever places them in L0 a lookup
          // would probe every file: one compaction restores the single sorted level.
          rocks.compactRange();
        }
      }
    } catch (RocksDBException e) {
      throw new SnapshotException(
          "cannot build the RocksDB database "
              + db
              + " from "
              + ranges.size()
              + " SST file(s): "
              + e.getMessage(),
          e);
    }
  }

  /** The current version, from {@code CURRENT}; empty when nothing was published yet. */
  public Optional<Long> currentVersion() {
    return current().map(SnapshotPointer::version);
  }

  /** {@code CURRENT}: the version served and its manifest's digest; empty before a publish. */
  public Optional<SnapshotPointer> current() {
    Path pointer = root.resolve(CURRENT);
    String text;
    try {
      text = Files.readString(pointer, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new SnapshotException("cannot read " + pointer + ": " + e, e);
    }
    return Optional.of(SnapshotPointer.parse(text, pointer.toString()));
  }

  /** The complete snapshots (those with a manifest), ascending. */
  public List<Long> versions() {
    List<Long> out = new ArrayList<>();
    for (long v : versionFolders()) {
      if (Files.isRegularFile(snapshotDir(v).resolve(MANIFEST))) {
        out.add(v);
      }
    }
    return out;
  }

  /**
   * Keeps the newest {@code retain} complete snapshots and never the current or the previous one;
   * deletes incomplete snapshot folders older than the current version. A snapshot loses its
   * manifest first, so a half-deleted one is never taken for complete.
   *
   * @param retain 2 or more
   * @return the deleted versions, ascending
   */
  public List<Long> garbageCollect(int retain) {
    Retention.requireRetain(retain);
    SortedSet<Long> complete = new TreeSet<>();
    SortedSet<Long> incomplete = new TreeSet<>();
    for (long v : versionFolders()) {
      (Files.isRegularFile(snapshotDir(v).resolve(MANIFEST)) ? complete : incomplete).add(v);
    }
    List<Long> doomed = Retention.doomed(complete, incomplete, currentVersion(), retain);
    for (long v : doomed) {
      Path dir = snapshotDir(v);
      try {
        Files.deleteIfExists(dir.resolve(MANIFEST));
      } catch (IOException e) {
        throw new SnapshotException("cannot delete " + dir.resolve(MANIFEST) + ": " + e, e);
      }
      deleteRecursively(dir);
    }
    return doomed;
  }

  /**
   * Writes sorted entries into one SST file with the snapshot's table options (used inside Spark
   * tasks).
   *
   * @param sortedEntries keys in strictly increasing unsigned byte order (Spark's order of a binary
   *     column), e.g. from {@link KeyCodec}; values from {@link FeatureRowCodec}
   * @return the number of entries written; 0 means no file was written
   * @throws IllegalArgumentException naming the entry, when keys are out of order or repeated; the
   *     partial file is deleted
   */
  public static long writeSst(Path file, Iterator<Map.Entry<byte[], byte[]>> sortedEntries) {
    if (!sortedEntries.hasNext()) {
      return 0;
    }
    long count = 0;
    boolean done = false;
    try (RocksDbOptions opts = RocksDbOptions.forWriting();
        EnvOptions env = new EnvOptions();
        SstFileWriter writer = new SstFileWriter(env, opts.options())) {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      writer.open(file.toString());
      byte[] previous = null;
      while (sortedEntries.hasNext()) {
        Map.Entry<byte[], byte[]> e = sortedEntries.next();
        byte[] key = e.getKey();
        byte[] value = e.getValue();
        if (key == null || key.length == 0 || value == null) {
          throw new IllegalArgumentException(
              "writing " + file + ": entry " + count + " has a null or empty key, or a null value");
        }
        if (previous != null) {
          int order = Arrays.compareUnsigned(previous, key);
          if (order == 0) {
            throw new IllegalArgumentException(
                "writing "
                    + file
                    + ": entry "
                    + count
                    + " repeats the key "
                    + Bytes.hex(key)
                    + " of the entry before it; each key must appear once (deduplicate by key"
                    + " before publishing)");
          }
          if (order > 0) {
            throw new IllegalArgumentException(
                "writing "
                    + file
                    + ": entry "
                    + count
                    + " has key "
                    + Bytes.hex(key)
                    + ", which sorts before the previous key "
                    + Bytes.hex(previous)
                    + "; keys must be in increasing unsigned byte order (sort by the binary key"
                    + " column)");
          }
        }
        writer.put(key, value);
        previous = key;
        count++;
      }
      writer.finish();
      done = true;
      return count;
    } catch (RocksDBException e) {
      throw new SnapshotException("cannot write the SST file " + file + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new SnapshotException("cannot write the SST file " + file + ": " + e, e);
    } finally {
      if (!done) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException ignored) {
          // The original failure matters more than a leftover partial file in a staging folder.
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------

  private void requireNotCommitted(long version) {
    Path manifest = snapshotDir(version).resolve(MANIFEST);
    if (Files.exists(manifest)) {
      throw new SnapshotException(
          "snapshot v"
              + version
              + " under "
              + root
              + " is already committed ("
              + manifest
              + " exists); snapshots are immutable: publish version "
              + nextVersion()
              + " instead");
    }
  }

  /** Versions of the folders under snapshots/, complete or not, ascending. */
  private List<Long> versionFolders() {
    Path dir = root.resolve(SNAPSHOTS);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> children = Files.list(dir)) {
      return children
          .filter(Files::isDirectory)
          .map(p -> VERSION_DIR.matcher(p.getFileName().toString()))
          .filter(Matcher::matches)
          .map(m -> Long.parseLong(m.group(1)))
          .filter(v -> v >= 1)
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new SnapshotException("cannot list " + dir + ": " + e, e);
    }
  }

  private static void checkDisjoint(List<SstRange> ranges) {
    List<SstRange> sorted = new ArrayList<>(ranges);
    sorted.sort(Comparator.comparing(SstRange::smallest, Arrays::compareUnsigned));
    for (int i = 1; i < sorted.size(); i++) {
      SstRange a = sorted.get(i - 1);
      SstRange b = sorted.get(i);
      if (Arrays.compareUnsigned(a.largest(), b.smallest()) >= 0) {
        throw new SnapshotException(
            "the SST files "
                + a.file()
                + " (keys "
                + Bytes.hex(a.smallest())
                + " to "
                + Bytes.hex(a.largest())
                + ") and "
                + b.file()
                + " (keys from "
                + Bytes.hex(b.smallest())
                + ") overlap; each file must hold its own key range: sort the whole data set by"
                + " key (Dataset.orderBy) before writing, not only within partitions");
      }
    }
  }

  private static void checkEntries(SnapshotManifest manifest, List<SstRange> ranges) {
    long entries = 0;
    for (SstRange r : ranges) {
      entries += r.entries();
    }
    if (entries != manifest.totalRows()) {
      StringBuilder perView = new StringBuilder();
      for (SnapshotManifest.ViewEntry v : manifest.views()) {
        perView
            .append(perView.length() == 0 ? "" : ", ")
            .append(v.name())
            .append('=')
            .append(v.rows());
      }
      throw new SnapshotException(
          "the manifest of v"
              + manifest.version()
              + " declares "
              + manifest.totalRows()
              + " rows ("
              + perView
              + ") but the "
              + ranges.size()
              + " SST file(s) hold "
              + entries
              + " entries; count the rows of each view from the data that was written");
    }
  }

  /** Size and SHA-256 of every file of the database, paths relative to the snapshot folder. */
  static List<SealedFile> hashFiles(Path snapshotDir, Path db) {
    try {
      return SealedFolder.digest(snapshotDir, db, RocksDbSnapshotStore::partOfSnapshot);
    } catch (IOException e) {
      throw new SnapshotException("cannot list the files of " + db + ": " + e, e);
    }
  }

  /** Whether a file under db/ is data: RocksDB's info log, should it write one, is not. */
  static boolean partOfSnapshot(String relative) {
    return !relative.substring(relative.lastIndexOf('/') + 1).startsWith("LOG");
  }

  /** Writes a file so that readers see the old content or the new, never a part. */
  static void writeAtomically(Path target, String content) {
    try {
      SealedFolder.writeAtomically(target, content);
    } catch (IOException e) {
      throw new SnapshotException("cannot write " + target + ": " + e, e);
    }
  }

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new SnapshotException("cannot delete " + dir + ": " + e, e);
    }
  }

  /** The key range and entry count of one SST file, from its index and properties. */
  private record SstRange(Path file, byte[] smallest, byte[] largest, long entries) {
    static SstRange read(Path file) {
      if (!Files.isRegularFile(file)) {
        throw new SnapshotException("the SST file " + file + " does not exist or is not a file");
      }
      try (RocksDbOptions opts = RocksDbOptions.forWriting();
          SstFileReader reader = new SstFileReader(opts.options());
          ReadOptions read = new ReadOptions()) {
        reader.open(file.toString());
        long entries = reader.getTableProperties().getNumEntries();
        try (SstFileReaderIterator it = reader.newIterator(read)) {
          it.seekToFirst();
          if (!it.isValid()) {
            throw new SnapshotException(
                "the SST file "
                    + file
                    + " holds no entries; writeSst writes no file for 0 entries");
          }
          byte[] smallest = it.key();
          it.seekToLast();
          byte[] largest = it.key();
          return new SstRange(file, smallest, largest, entries);
        }
      } catch (RocksDBException e) {
        throw new SnapshotException(
            "cannot read the SST file " + file + ": " + e.getMessage() + " (is it an SST file?)",
            e);
      }
    }
  }
}
