package dev.lakeml.ingest;

import dev.lakeml.lakehouse.LakehouseException;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.project.SourceFormat;
import dev.lakeml.schemas.project.SourceSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;

/**
 * Finds a source's raw files for logical dates and checks, before Spark reads them, that each is a
 * readable text file whose header is the one the source declares.
 */
public final class RawFiles {
  private final Configuration hadoop;

  public RawFiles(Configuration hadoop) {
    this.hadoop = hadoop;
  }

  /** One raw file and the logical date it belongs to. */
  public record RawFile(LocalDate date, String path) {}

  /** The files found for a range of dates and the dates that had none. */
  public record Listing(List<RawFile> files, List<LocalDate> missing) {}

  public Listing list(Project project, SourceSpec source, LocalDate from, LocalDate to) {
    DateTimeFormatter format = DateTimeFormatter.ofPattern(source.dateFormat(), Locale.ROOT);
    String pattern = project.resolve(source.location());
    List<RawFile> files = new ArrayList<>();
    List<LocalDate> missing = new ArrayList<>();
    for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
      Path p = new Path(pattern.replace("{date}", format.format(d)));
      try {
        FileSystem fs = p.getFileSystem(hadoop);
        if (fs.isFile(p)) {
          files.add(new RawFile(d, fs.makeQualified(p).toString()));
        } else {
          missing.add(d);
        }
      } catch (IOException e) {
        throw new LakehouseException(
            "Cannot look for " + p + " (source " + source.name() + "): " + e.getMessage(), e);
      }
    }
    return new Listing(List.copyOf(files), List.copyOf(missing));
  }

  /**
   * The dates that have a file, found by listing the location pattern with {@code {date}} as a
   * wildcard: the first and last, for "ingest everything there is".
   */
  public List<LocalDate> discoverDates(Project project, SourceSpec source) {
    DateTimeFormatter format = DateTimeFormatter.ofPattern(source.dateFormat(), Locale.ROOT);
    String pattern = project.resolve(source.location());
    int at = pattern.indexOf("{date}");
    String prefix = pattern.substring(0, at);
    String suffix = pattern.substring(at + "{date}".length());
    Path glob = new Path(pattern.replace("{date}", "*"));
    List<LocalDate> dates = new ArrayList<>();
    try {
      FileSystem fs = glob.getFileSystem(hadoop);
      org.apache.hadoop.fs.FileStatus[] found = fs.globStatus(glob);
      if (found == null) {
        return List.of();
      }
      for (org.apache.hadoop.fs.FileStatus st : found) {
        String full = st.getPath().toString();
        String local = st.getPath().toUri().getPath();
        String tail =
            full.startsWith(prefix)
                ? full.substring(prefix.length())
                : local.startsWith(prefix) ? local.substring(prefix.length()) : null;
        if (tail == null || !tail.endsWith(suffix)) {
          continue;
        }
        String text = tail.substring(0, tail.length() - suffix.length());
        try {
          dates.add(LocalDate.parse(text, format));
        } catch (java.time.DateTimeException e) {
          // a file that matches the wildcard but holds no date in the expected format: not ours
        }
      }
    } catch (IOException e) {
      throw new LakehouseException(
          "Cannot list " + glob + " (source " + source.name() + "): " + e.getMessage(), e);
    }
    dates.sort(null);
    return dates;
  }

  /** The path a date's file would have, for messages. */
  public static String expectedPath(Project project, SourceSpec source, LocalDate date) {
    DateTimeFormatter format = DateTimeFormatter.ofPattern(source.dateFormat(), Locale.ROOT);
    return project.resolve(source.location()).replace("{date}", format.format(date));
  }

  /**
   * Checks that a CSV file can be opened and decompressed, is text, and starts with the declared
   * header (when the source says its files have one). Fails naming the file and the difference.
   */
  public void checkCsvHeader(SourceSpec source, String file) {
    if (source.format() != SourceFormat.CSV) {
      return;
    }
    boolean hasHeader = Boolean.parseBoolean(source.readerOptions().getOrDefault("header", "true"));
    String delimiter =
        source
            .readerOptions()
            .getOrDefault("delimiter", source.readerOptions().getOrDefault("sep", ","));
    String first;
    try {
      first = firstLine(file);
    } catch (IOException e) {
      throw IngestErrors.unreadableFile(source, file, e);
    }
    if (first == null) {
      throw IngestErrors.emptyFile(source, file);
    }
    if (first.indexOf('\0') >= 0 || !isMostlyPrintable(first)) {
      throw IngestErrors.notText(source, file);
    }
    if (!hasHeader) {
      return;
    }
    List<String> actual = CsvHeader.split(stripBom(first), delimiter.charAt(0));
    List<String> expected = source.sourceColumnNames();
    if (!actual.equals(expected)) {
      throw IngestErrors.wrongHeader(source, file, expected, actual);
    }
  }

  /** The first file that cannot be read and decompressed to its end, with the reason. */
  public java.util.Optional<String> firstUnreadable(List<String> files) {
    byte[] buffer = new byte[1 << 16];
    for (String file : files) {
      Path p = new Path(file);
      try {
        FileSystem fs = p.getFileSystem(hadoop);
        CompressionCodec codec = new CompressionCodecFactory(hadoop).getCodec(p);
        try (InputStream raw = fs.open(p);
            InputStream in = codec == null ? raw : codec.createInputStream(raw)) {
          while (in.read(buffer) >= 0) {
            // read to the end: a truncated or corrupt file fails here
          }
        }
      } catch (IOException | RuntimeException e) {
        return java.util.Optional.of(file + " (" + e.getMessage() + ")");
      }
    }
    return java.util.Optional.empty();
  }

  private String firstLine(String file) throws IOException {
    Path p = new Path(file);
    FileSystem fs = p.getFileSystem(hadoop);
    CompressionCodec codec = new CompressionCodecFactory(hadoop).getCodec(p);
    try (InputStream raw = fs.open(p);
        InputStream in = codec == null ? raw : codec.createInputStream(raw);
        BufferedReader reader =
            new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      return reader.readLine();
    }
  }

  private static String stripBom(String line) {
    return line.startsWith("\uFEFF") ? line.substring(1) : line;
  }

  private static boolean isMostlyPrintable(String line) {
    long odd = line.chars().filter(c -> c == '\uFFFD' || (c < 0x20 && c != '\t')).count();
    return odd * 10 <= line.length();
  }
}
