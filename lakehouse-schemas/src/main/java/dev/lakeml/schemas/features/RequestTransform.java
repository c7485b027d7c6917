package dev.lakeml.schemas.features;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A request-time transform: plain Java, the one implementation that both Spark (when it builds
 * training sets) and the serving API (when it scores a request) call, so that the two can never
 * compute a feature differently. Inputs and output are numbers; a missing input gives no value.
 */
public interface RequestTransform {

  /** The name a request feature's {@code transform} refers to. */
  String name();

  /** The inputs the transform takes, by name. */
  List<String> parameters();

  /** Computes the feature; empty when an input is missing or the result is undefined. */
  Optional<Double> apply(Map<String, Double> inputs);

  /** The transforms lakeml ships, by name. */
  static Map<String, RequestTransform> builtIns() {
    return RequestTransforms.BUILT_INS;
  }
}
