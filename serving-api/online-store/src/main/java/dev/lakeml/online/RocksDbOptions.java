package dev.lakeml.online;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.AbstractNativeReference;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompressionType;
import org.rocksdb.DataBlockIndexType;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

/**
 * The RocksDB options of online snapshots, in one place because the SST files written by Spark
 * tasks, the commit that builds the database and the servers that read it must agree: the table
 * format decided at write time (bloom filter, hash index in data blocks, block size, compression)
 * is what makes point lookups fast at read time.
 *
 * <p>Owns the native objects it creates and frees them on {@link #close()}.
 */
final class RocksDbOptions implements AutoCloseable {
  static {
    RocksDB.loadLibrary();
  }

  private static final System.Logger LOG = System.getLogger("dev.lakeml.online.rocksdb");

  /** Data block size: small blocks mean less to read and decode per point lookup. */
  static final long BLOCK_SIZE = 4 * 1024;

  /** Bloom filter bits per key: ~1% false positives, so a missing key rarely touches a block. */
  static final double BLOOM_BITS_PER_KEY = 10;

  private final List<AbstractNativeReference> owned = new ArrayList<>();
  private final Options options;

  private RocksDbOptions(long blockCacheBytes, boolean writing) {
    BloomFilter bloom = own(new BloomFilter(BLOOM_BITS_PER_KEY));
    BlockBasedTableConfig table =
        new BlockBasedTableConfig()
            .setFilterPolicy(bloom)
            .setWholeKeyFiltering(true)
            .setDataBlockIndexType(DataBlockIndexType.kDataBlockBinaryAndHash)
            .setDataBlockHashTableUtilRatio(0.75)
            .setBlockSize(BLOCK_SIZE);
    if (blockCacheBytes > 0) {
      table.setBlockCache(own(new LRUCache(blockCacheBytes)));
    } else {
      table.setNoBlockCache(true);
    }
    this.options =
        own(new Options())
            .setTableFormatConfig(table)
            .setCompressionType(CompressionType.LZ4_COMPRESSION)
            .setBottommostCompressionType(CompressionType.LZ4_COMPRESSION)
            // Keep every table file open: lookups never open files, and a snapshot folder deleted
            // by garbage collection while a stale server still reads it stays readable (Linux).
            .setMaxOpenFiles(-1)
            .setStatsDumpPeriodSec(0)
            .setStatsPersistPeriodSec(0)
            .setInfoLogLevel(InfoLogLevel.ERROR_LEVEL);
    // db/ must hold only the immutable files listed in the manifest, so RocksDB's LOG file goes
    // elsewhere. Reading (the serving API, which brings its own RocksDB) sends it to the JVM's
    // logging. Writing runs in Spark tasks and drivers, where on a cluster the RocksDB of Spark's
    // own jars (8.3.2 in Spark 3.5) comes first on the class path: that path keeps to the API both
    // versions share (a custom Logger does not link across them) and puts LOG in a temp folder.
    if (writing) {
      options.setDbLogDir(
          Path.of(System.getProperty("java.io.tmpdir"), "lakeml-rocksdb-logs").toString());
    } else {
      options.setLogger(own(new SystemLogger()));
    }
  }

  /** Options for writing SST files and building a snapshot database (no reads: no cache). */
  static RocksDbOptions forWriting() {
    return new RocksDbOptions(0, true);
  }

  /** Options for serving from a snapshot. */
  static RocksDbOptions forReading(long blockCacheBytes) {
    return new RocksDbOptions(blockCacheBytes, false);
  }

  Options options() {
    return options;
  }

  <T extends AbstractNativeReference> T own(T nativeObject) {
    owned.add(nativeObject);
    return nativeObject;
  }

  @Override
  public void close() {
    for (int i = owned.size() - 1; i >= 0; i--) {
      owned.get(i).close();
    }
    owned.clear();
  }

  /** RocksDB's errors, sent to the JVM's logging instead of a LOG file. */
  private static final class SystemLogger extends org.rocksdb.Logger {
    SystemLogger() {
      // Errors only: RocksDB logs routine notes (e.g. tail prefetch sizes) as warnings.
      super(InfoLogLevel.ERROR_LEVEL);
    }

    @Override
    protected void log(InfoLogLevel level, String message) {
      LOG.log(
          level == InfoLogLevel.WARN_LEVEL
              ? System.Logger.Level.WARNING
              : System.Logger.Level.ERROR,
          "rocksdb: {0}",
          message);
    }
  }
}
