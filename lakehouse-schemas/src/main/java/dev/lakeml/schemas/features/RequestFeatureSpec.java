package dev.lakeml.schemas.features;

import java.util.Map;
import java.util.Objects;

/**
 * A feature computed at scoring time by a {@link RequestTransform} from request fields ({@code
 * request.<field>}) and looked-up features ({@code <view>.<feature>}).
 *
 * @param inputs the transform's parameters, each bound to a request field or a view's feature
 */
public record RequestFeatureSpec(
    String name, String transform, Map<String, String> inputs, String description) {

  public static final String REQUEST_PREFIX = "request.";

  public RequestFeatureSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(transform, "transform");
    inputs = Map.copyOf(inputs);
    description = description == null ? "" : description;
  }
}
