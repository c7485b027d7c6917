package dev.lakeml.schemas.features;

import java.util.List;
import java.util.Optional;

/** Everything a project declares about features: entities, views, request features, labels. */
public record FeatureCatalog(
    List<EntitySpec> entities,
    List<FeatureViewSpec> views,
    List<RequestFeatureSpec> requestFeatures,
    List<LabelSpec> labels) {

  public static final FeatureCatalog EMPTY =
      new FeatureCatalog(List.of(), List.of(), List.of(), List.of());

  public FeatureCatalog {
    entities = List.copyOf(entities);
    views = List.copyOf(views);
    requestFeatures = List.copyOf(requestFeatures);
    labels = List.copyOf(labels);
  }

  public Optional<EntitySpec> entity(String name) {
    return entities.stream().filter(e -> e.name().equals(name)).findFirst();
  }

  public Optional<FeatureViewSpec> view(String name) {
    return views.stream().filter(v -> v.name().equals(name)).findFirst();
  }
}
