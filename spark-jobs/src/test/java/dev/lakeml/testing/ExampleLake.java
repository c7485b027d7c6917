package dev.lakeml.testing;

import dev.lakeml.features.FeatureJob;
import dev.lakeml.ingest.IngestJob;
import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.schemas.features.FeatureViewSpec;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.project.ProjectLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.LocalDate;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The bundled example's lakehouse with the invoice lines ingested from 2010-12-01 to {@link #TO}
 * and every feature view computed from {@link #FROM} to {@link #TO}: built once per test JVM and
 * copied into each test class's own folder, so the integration tests that start from it do not each
 * spend minutes ingesting and computing the same thing. Delta logs name data files relative to the
 * table, so a copied table is a table.
 */
public final class ExampleLake {
  public static final Path EXAMPLE =
      Path.of(System.getProperty("lakeml.repo.root", "..")).resolve("examples/online-retail");
  public static final LocalDate FROM = LocalDate.parse("2011-02-01");
  public static final LocalDate TO = LocalDate.parse("2011-03-31");

  private static Path built;

  private ExampleLake() {}

  /** Copies the prepared lakehouse into {@code lake} (an empty folder), building it first once. */
  public static synchronized void copyTo(Path lake) {
    if (built == null) {
      built = build();
    }
    copy(built, lake);
  }

  private static Path build() {
    try {
      Path dir = Files.createTempDirectory("lakeml-example-lake");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
      Project project = ProjectLoader.load(EXAMPLE);
      Lakehouse lakehouse =
          new Lakehouse(
              SharedSpark.session(), dir.toString(), project.lakehouse().schemaEvolution());
      new IngestJob(project, lakehouse, Clock.systemUTC(), m -> {})
          .run(project.source("invoice_lines").orElseThrow(), LocalDate.parse("2010-12-01"), TO);
      FeatureJob job = new FeatureJob(project, lakehouse, Clock.systemUTC(), m -> {});
      for (FeatureViewSpec v : project.features().views()) {
        job.run(v, FROM, TO);
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Copies the folder {@code from} into {@code to}, file by file. */
  public static void copy(Path from, Path to) {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary folder; the OS cleans it up
    }
  }
}
