package dev.lakeml.schemas.project;

import dev.lakeml.schemas.features.FeatureCatalog;
import dev.lakeml.schemas.models.ModelSpec;
import dev.lakeml.schemas.pipelines.PipelineSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** A loaded, validated lakeml project. */
public record Project(
    String name,
    Path baseDir,
    LakehouseSpec lakehouse,
    SparkSpec spark,
    List<SourceSpec> sources,
    FeatureCatalog features,
    List<ModelSpec> models,
    List<PipelineSpec> pipelines) {

  public Project {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(baseDir, "baseDir");
    Objects.requireNonNull(lakehouse, "lakehouse");
    Objects.requireNonNull(spark, "spark");
    sources = List.copyOf(sources);
    Objects.requireNonNull(features, "features");
    models = List.copyOf(models);
    pipelines = List.copyOf(pipelines);
  }

  public Optional<PipelineSpec> pipeline(String pipelineName) {
    return pipelines.stream().filter(p -> p.name().equals(pipelineName)).findFirst();
  }

  public Optional<ModelSpec> model(String modelName) {
    return models.stream().filter(m -> m.name().equals(modelName)).findFirst();
  }

  public Optional<SourceSpec> source(String sourceName) {
    return sources.stream().filter(s -> s.name().equals(sourceName)).findFirst();
  }

  /**
   * Resolves a location from the project file: URIs (with a scheme) are kept, relative paths are
   * taken from the project folder.
   */
  public String resolve(String location) {
    if (location.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:/.*")) {
      return location;
    }
    return baseDir.resolve(location).normalize().toAbsolutePath().toString();
  }
}
