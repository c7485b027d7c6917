package dev.lakeml.monitoring;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.lakeml.features.PointInTimeJoin;
import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.ml.ModelInputs;
import dev.lakeml.ml.ModelRegistry;
import dev.lakeml.schemas.artifact.InputType;
import dev.lakeml.schemas.features.FeatureCatalog;
import dev.lakeml.schemas.features.FeatureViewSpec;
import dev.lakeml.schemas.models.Algorithm;
import dev.lakeml.schemas.models.ModelSpec;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.tables.Layer;
import dev.lakeml.schemas.tables.ServingTables;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * {@code lakeml monitor skew --date D}: proves online = offline on the day's traffic. For a
 * deterministic sample of the requests the API answered on D ({@code serving.prediction_log}),
 * every input that came from a feature view is recomputed through the offline point-in-time path
 * (the join training sets are built with, over the feature tables as they are now) at the request's
 * reference time, encoded as the model reads it, and compared with the value the API used. The
 * counts per model version and input replace the day's rows in {@code monitoring.skew}.
 *
 * <p>Inputs computed from the request (request features, request fields) are listed as not
 * recomputed: the log keeps the value the model read, not the request fields it came from. A
 * champion with no request that day has its inputs listed as "no data".
 */
public final class SkewJob {
  /** Requests compared per model version and day when not told otherwise. */
  public static final int DEFAULT_SAMPLE = 10_000;

  private static final String TIME = "_skew_time";
  private static final String LOGGED = "_skew_features";

  /** What a run wrote. */
  public record Result(LocalDate date, List<SkewTable.VersionSkew> versions, double seconds) {}

  private final Project project;
  private final Lakehouse lakehouse;
  private final Clock clock;
  private final Consumer<String> log;

  public SkewJob(Project project, Lakehouse lakehouse, Clock clock, Consumer<String> log) {
    this.project = project;
    this.lakehouse = lakehouse;
    this.clock = clock;
    this.log = log;
  }

  /**
   * @param model only this model's requests (and rows), or every model's
   * @param sample requests compared per model version
   */
  public Result run(LocalDate date, Optional<ModelSpec> model, int sample) {
    long t0 = System.nanoTime();
    Instant started = clock.instant();
    LocalDate today = LocalDate.ofInstant(started, ZoneOffset.UTC);
    if (date.isAfter(today)) {
      throw MonitoringErrors.futureDate(date, today);
    }
    if (sample < 1) {
      throw MonitoringErrors.badSample(sample);
    }
    if (model.isPresent() && model.get().task() != Algorithm.Task.BINARY_CLASSIFICATION) {
      throw MonitoringErrors.notScored(
          model.get().name(), model.get().task().name().toLowerCase(java.util.Locale.ROOT));
    }
    ModelRegistry registry = new ModelRegistry(lakehouse, clock);
    Dataset<Row> logged = logged(date, model.map(ModelSpec::name));
    // Per model, the versions that answered and their requests.
    Map<String, Map<Integer, Long>> served = new LinkedHashMap<>();
    for (Row r :
        logged.groupBy("model", "version").count().orderBy("model", "version").collectAsList()) {
      served
          .computeIfAbsent(r.getString(0), k -> new LinkedHashMap<>())
          .put(r.getInt(1), r.getLong(2));
    }
    List<SkewTable.VersionSkew> out = new ArrayList<>();
    for (Map.Entry<String, Map<Integer, Long>> m : served.entrySet()) {
      for (Map.Entry<Integer, Long> byVersion : m.getValue().entrySet()) {
        int version = byVersion.getKey();
        long requests = byVersion.getValue();
        ModelRegistry.Version v =
            registry
                .version(m.getKey(), version)
                .orElseThrow(() -> MonitoringErrors.unknownVersion(m.getKey(), version, date));
        Dataset<Row> rows =
            logged.where(
                col("model").equalTo(lit(m.getKey())).and(col("version").equalTo(lit(version))));
        out.add(compare(v, project.model(m.getKey()), rows, requests, sample));
      }
    }
    // Champions nobody asked that day: their inputs say so.
    List<ModelSpec> classifiers =
        model.isPresent()
            ? List.of(model.get())
            : project.models().stream()
                .filter(s -> s.task() == Algorithm.Task.BINARY_CLASSIFICATION)
                .toList();
    for (ModelSpec s : classifiers) {
      if (served.containsKey(s.name())) {
        continue;
      }
      if (!registry.aliases(s.name()).containsKey(ModelRegistry.CHAMPION)) {
        if (model.isPresent()) {
          throw MonitoringErrors.noChampion(s.name(), registry.aliases(s.name()).keySet());
        }
        log.accept("  " + s.name() + ": no champion and no request logged, nothing to compare");
        continue;
      }
      ModelRegistry.Version v = registry.resolve(s.name(), ModelRegistry.CHAMPION);
      List<SkewMeasure> none = new ArrayList<>();
      for (Source src : sources(v, Optional.of(s))) {
        none.add(
            new SkewMeasure(
                src.input().name(),
                src.name(),
                SkewMeasure.NO_DATA,
                0,
                0,
                0,
                0,
                0,
                0,
                Double.NaN,
                null));
      }
      out.add(new SkewTable.VersionSkew(s.name(), v.version(), 0, none));
    }
    new SkewTable(lakehouse)
        .replace(date, model.map(ModelSpec::name), out, "skew-" + UUID.randomUUID(), started);
    return new Result(date, out, (System.nanoTime() - t0) / 1e9);
  }

  /** The requests the API answered on the date (shadow scores are not answers). */
  private Dataset<Row> logged(LocalDate date, Optional<String> model) {
    if (!lakehouse.exists(ServingTables.PREDICTION_LOG)) {
      return lakehouse.rows(ServingTables.PREDICTION_LOG, List.of());
    }
    Column where = col("log_date").equalTo(lit(java.sql.Date.valueOf(date))).and(col("returned"));
    if (model.isPresent()) {
      where = where.and(col("model").equalTo(lit(model.get())));
    }
    return lakehouse.read(ServingTables.PREDICTION_LOG).where(where);
  }

  /**
   * Where an input comes from, as the API resolves it: a request feature of the project, a feature
   * of a view (the model's training-set views when it lists them, else any view), or a field of the
   * request.
   */
  record Source(ModelRegistry.Input input, Optional<FeatureViewSpec> view, String name) {}

  List<Source> sources(ModelRegistry.Version v, Optional<ModelSpec> spec) {
    FeatureCatalog catalog = project.features();
    List<String> allowed =
        spec.flatMap(s -> Optional.ofNullable(s.trainingSet()))
            .map(ModelSpec.TrainingSetSpec::views)
            .filter(l -> !l.isEmpty())
            .orElse(catalog.views().stream().map(FeatureViewSpec::name).toList());
    List<Source> out = new ArrayList<>();
    for (ModelRegistry.Input in : v.inputs()) {
      if (catalog.requestFeatures().stream().anyMatch(r -> r.name().equals(in.name()))) {
        out.add(new Source(in, Optional.empty(), "request feature"));
        continue;
      }
      Optional<FeatureViewSpec> view =
          allowed.stream()
              .map(n -> catalog.view(n).orElseThrow())
              .filter(f -> f.feature(in.name()).isPresent())
              .findFirst();
      out.add(new Source(in, view, view.map(f -> "view " + f.name()).orElse("request field")));
    }
    return out;
  }

  private SkewTable.VersionSkew compare(
      ModelRegistry.Version v,
      Optional<ModelSpec> spec,
      Dataset<Row> rows,
      long requests,
      int sample) {
    List<Source> sources = sources(v, spec);
    Map<String, FeatureViewSpec> views = new LinkedHashMap<>();
    Map<String, List<String>> used = new LinkedHashMap<>();
    List<String> keys = new ArrayList<>();
    for (Source s : sources) {
      if (s.view().isPresent()) {
        FeatureViewSpec f = s.view().get();
        views.put(f.name(), f);
        used.computeIfAbsent(f.name(), k -> new ArrayList<>()).add(s.input().name());
        for (String k : project.features().entity(f.entity()).orElseThrow().keyNames()) {
          if (!keys.contains(k)) {
            keys.add(k);
          }
        }
      }
    }
    List<Column> spineColumns = new ArrayList<>();
    spineColumns.add(col(SkewTransforms.REQUEST_ID));
    spineColumns.add(coalesce(col("reference_time"), col("time")).as(TIME));
    spineColumns.add(col("features").as(LOGGED));
    for (String k : keys) {
      spineColumns.add(col("entities").getItem(k).as(k));
    }
    // Computed once: the join and the comparison both read the sample.
    Dataset<Row> spine =
        SkewTransforms.sample(rows, sample)
            .select(spineColumns.toArray(Column[]::new))
            .localCheckpoint(true);
    List<PointInTimeJoin.ViewInput> inputs = new ArrayList<>();
    for (FeatureViewSpec f : views.values()) {
      inputs.add(viewInput(f, used.get(f.name()), spine));
    }
    boolean asKnownAt =
        spec.flatMap(s -> Optional.ofNullable(s.trainingSet()))
            .map(ModelSpec.TrainingSetSpec::asKnownAt)
            .orElse(false);
    Dataset<Row> joined = PointInTimeJoin.join(spine, TIME, inputs, asKnownAt);

    List<Column> compared = new ArrayList<>();
    compared.add(col(SkewTransforms.REQUEST_ID));
    List<SkewTransforms.Input> recomputed = new ArrayList<>();
    for (Source s : sources) {
      if (s.view().isEmpty()) {
        continue;
      }
      int i = recomputed.size();
      InputType type = InputType.parse(s.input().type());
      compared.add(
          LoggedInputs.encoded(type, col(LOGGED).getItem(s.input().name()), col(TIME))
              .as(SkewTransforms.online(i)));
      compared.add(
          ModelInputs.encode(type, col("`" + s.input().name() + "`"), col(TIME))
              .as(SkewTransforms.offline(i)));
      recomputed.add(new SkewTransforms.Input(s.input().name(), s.name()));
    }
    List<SkewMeasure> measured =
        SkewTransforms.compare(
            joined.select(compared.toArray(Column[]::new)), recomputed, requests);
    List<SkewMeasure> out = new ArrayList<>();
    long sampled = Math.min(requests, sample);
    for (Source s : sources) {
      if (s.view().isPresent()) {
        out.add(
            measured.stream()
                .filter(m -> m.feature().equals(s.input().name()))
                .findFirst()
                .orElseThrow());
      } else {
        out.add(
            new SkewMeasure(
                s.input().name(),
                s.name(),
                SkewMeasure.NOT_RECOMPUTED,
                requests,
                sampled,
                0,
                0,
                0,
                0,
                Double.NaN,
                null));
      }
    }
    SkewTable.VersionSkew result = new SkewTable.VersionSkew(v.model(), v.version(), requests, out);
    log.accept(
        "  "
            + v.model()
            + " version "
            + v.version()
            + ": "
            + sampled
            + " of "
            + requests
            + " requests recomputed offline ("
            + recomputed.size()
            + " of "
            + sources.size()
            + " inputs from feature views)");
    return result;
  }

  /** A view's rows, cut to the sampled entities before the join. */
  private PointInTimeJoin.ViewInput viewInput(
      FeatureViewSpec f, List<String> features, Dataset<Row> spine) {
    String location = lakehouse.location(Layer.FEATURES, f.name());
    Dataset<Row> rows;
    try {
      rows = lakehouse.readAt(location, lakehouse.currentVersion(location));
    } catch (RuntimeException e) {
      throw MonitoringErrors.viewNotComputed(f.name(), location);
    }
    List<String> keyNames = project.features().entity(f.entity()).orElseThrow().keyNames();
    List<Column> sampledKeys = new ArrayList<>();
    for (String k : keyNames) {
      sampledKeys.add(col(k).cast(rows.schema().apply(k).dataType()).as(k));
    }
    Dataset<Row> wanted = spine.select(sampledKeys.toArray(Column[]::new)).distinct();
    Dataset<Row> cut =
        rows.join(
            broadcast(wanted),
            scala.collection.JavaConverters.asScalaBuffer(keyNames).toSeq(),
            "left_semi");
    return new PointInTimeJoin.ViewInput(f.name(), cut, keyNames, features, f.ttl());
  }
}
