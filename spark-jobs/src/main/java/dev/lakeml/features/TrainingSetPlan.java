package dev.lakeml.features;

import dev.lakeml.schemas.features.LabelSpec;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a training-set build depends on: the spine, the tables read at pinned Delta versions,
 * and each view's definition hash, features, keys and TTL. A build records it in its manifest
 * ({@link TrainingSetManifests}) and a rebuild reads it back, so both run the same plan.
 *
 * @param label the declared label when the spine comes from one, as it was when built
 * @param versions every table read (qualified name) and the Delta version it is read at
 * @param locations where each of those tables lives
 * @param requestFeatures empty on a first build (every computable request feature is added); on a
 *     rebuild, exactly the request features the original build added
 */
record TrainingSetPlan(
    String name,
    TrainingSetJob.Spine spine,
    Optional<LabelSpec> label,
    String spineTime,
    Map<String, Long> versions,
    Map<String, String> locations,
    List<String> views,
    Map<String, String> hashes,
    Map<String, List<String>> features,
    Map<String, List<String>> keys,
    Map<String, Long> ttlSeconds,
    boolean asKnownAt,
    Optional<List<String>> requestFeatures) {

  /** The same plan writing to {@code training_sets.<other>}. */
  TrainingSetPlan named(String other) {
    return new TrainingSetPlan(
        other,
        spine,
        label,
        spineTime,
        versions,
        locations,
        views,
        hashes,
        features,
        keys,
        ttlSeconds,
        asKnownAt,
        requestFeatures);
  }
}
