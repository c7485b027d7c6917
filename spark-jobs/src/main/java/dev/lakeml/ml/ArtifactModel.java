package dev.lakeml.ml;

import dev.lakeml.schemas.artifact.ModelArtifact;
import dev.lakeml.schemas.artifact.ModelArtifactException;
import dev.lakeml.schemas.artifact.ModelManifest;
import dev.lakeml.schemas.models.ModelSpec;
import dev.lakeml.scoring.Scorer;
import dev.lakeml.scoring.Scorers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A sealed, Spark-free model artifact (a DJL network or an XGBoost booster) as a {@link Fitted}
 * model. Scoring runs inside Spark with {@code mapPartitions}: each executor JVM opens the artifact
 * once, and every partition scores its rows in batches through the same {@link Scorer} the serving
 * API uses, so Spark and the service give the same numbers. {@link #train} fits a DJL network on
 * the driver from the (small, already encoded) training rows with {@link MlpTrainer} (ADR 0011).
 */
final class ArtifactModel extends Fitted {
  /** Rows per call into the network. */
  static final int BATCH = 4096;

  /** One open scorer per artifact folder per JVM (executor), shared by its tasks. */
  private static final Map<String, Scorer> OPEN = new ConcurrentHashMap<>();

  private final Path dir;
  private final List<String> inputs;

  private ArtifactModel(Path dir, List<String> inputs) {
    this.dir = dir;
    this.inputs = inputs;
  }

  /**
   * Opens (and verifies) a sealed artifact of either format (a DJL network or an XGBoost booster):
   * Spark then scores it with the same {@link Scorer} the serving API uses. Refused with the path
   * when it is not sound.
   */
  static ArtifactModel open(Path dir) {
    try {
      ModelManifest m = ModelArtifact.open(dir).manifest();
      return new ArtifactModel(dir, m.inputNames());
    } catch (ModelArtifactException e) {
      throw new ModelException(e.getMessage(), e);
    }
  }

  /** Fits one candidate on the driver from the prepared training rows. */
  static ArtifactModel train(
      ModelSpec spec,
      Map<String, Number> params,
      List<ModelRegistry.Input> signature,
      Dataset<Row> train,
      Path dir,
      String runId) {
    List<String> names = signature.stream().map(ModelRegistry.Input::name).toList();
    List<Row> rows =
        train
            .select(
                Stream.concat(names.stream(), Stream.of(ModelInputs.LABEL))
                    .map(org.apache.spark.sql.functions::col)
                    .toArray(org.apache.spark.sql.Column[]::new))
            .collectAsList();
    double[][] x = new double[rows.size()][names.size()];
    double[] y = new double[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      for (int j = 0; j < names.size(); j++) {
        x[i][j] = r.isNullAt(j) ? Double.NaN : r.getDouble(j);
      }
      y[i] = r.getDouble(names.size());
    }
    Map<String, String> text = new LinkedHashMap<>();
    params.forEach((k, v) -> text.put(k, v.toString()));
    MlpTrainer.Params p = MlpTrainer.Params.fromMap(withDefaults(text), spec.seed());
    try {
      Files.createDirectories(dir);
      try (TrainedMlp trained =
          MlpTrainer.train(
              spec.name(), runId, Instant.now(), Fitted.modelInputs(signature), x, y, p)) {
        trained.save(dir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (IllegalArgumentException | ModelArtifactException e) {
      throw new ModelException("model " + spec.name() + ": " + e.getMessage(), e);
    }
    return new ArtifactModel(dir, names);
  }

  private static Map<String, String> withDefaults(Map<String, String> p) {
    Map<String, String> out = new LinkedHashMap<>();
    out.put("hidden", "32");
    out.put("epochs", "8");
    out.put("learning_rate", "0.003");
    out.put("batch_size", "256");
    out.putAll(p);
    return out;
  }

  @Override
  Dataset<Row> withP1(Dataset<Row> prepared) {
    StructType schema = prepared.schema().add("_p1", DataTypes.DoubleType, false);
    int[] positions = inputs.stream().mapToInt(prepared.schema()::fieldIndex).toArray();
    String artifact = dir.toString();
    MapPartitionsFunction<Row, Row> score = rows -> new Batches(rows, scorer(artifact), positions);
    return prepared.mapPartitions(score, Encoders.row(schema));
  }

  /** The JVM's scorer for an artifact, opened (and verified) on first use. */
  static Scorer scorer(String artifact) {
    return OPEN.computeIfAbsent(artifact, a -> Scorers.open(Path.of(a)));
  }

  @Override
  Saved save(String artifacts) {
    Path target = Path.of(artifacts, "model");
    try {
      if (Files.exists(target)) {
        throw new ModelException(target + " already exists");
      }
      Files.createDirectories(target);
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          // model.yaml last: a folder without it is half-written and refused when opened.
          if (!f.getFileName().toString().equals(ModelManifest.FILE_NAME)) {
            Files.copy(f, target.resolve(f.getFileName()));
          }
        }
      }
      Files.copy(dir.resolve(ModelManifest.FILE_NAME), target.resolve(ModelManifest.FILE_NAME));
    } catch (IOException e) {
      throw new ModelException("could not save the model to " + target + ": " + e, e);
    }
    open(target); // verifies the copy
    return new Saved(ModelManifest.DJL_MLP, target.toString(), null, List.of());
  }

  /** Scores a partition's rows {@value #BATCH} at a time, appending {@code _p1} to each. */
  private static final class Batches implements Iterator<Row> {
    private final Iterator<Row> rows;
    private final Scorer scorer;
    private final int[] positions;
    private final List<Row> buffer = new ArrayList<>(BATCH);
    private double[] scores = new double[0];
    private int next;

    Batches(Iterator<Row> rows, Scorer scorer, int[] positions) {
      this.rows = rows;
      this.scorer = scorer;
      this.positions = positions;
    }

    @Override
    public boolean hasNext() {
      if (next < buffer.size()) {
        return true;
      }
      buffer.clear();
      next = 0;
      while (buffer.size() < BATCH && rows.hasNext()) {
        buffer.add(rows.next());
      }
      if (buffer.isEmpty()) {
        return false;
      }
      double[][] x = new double[buffer.size()][positions.length];
      for (int i = 0; i < buffer.size(); i++) {
        Row r = buffer.get(i);
        for (int j = 0; j < positions.length; j++) {
          x[i][j] = r.isNullAt(positions[j]) ? Double.NaN : r.getDouble(positions[j]);
        }
      }
      scores = scorer.scoreBatch(x);
      return true;
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new java.util.NoSuchElementException();
      }
      Row r = buffer.get(next);
      Object[] values = new Object[r.length() + 1];
      for (int i = 0; i < r.length(); i++) {
        values[i] = r.get(i);
      }
      values[r.length()] = scores[next++];
      return RowFactory.create(values);
    }
  }
}
