package dev.lakeml.schemas.artifact;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One input of a model, at a fixed position in the row the model reads.
 *
 * @param name the feature name (as in the training frame and the online feature vector)
 * @param type how the raw value is encoded
 */
public record ModelInput(String name, InputType type) {
  public ModelInput {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a model input needs a non-blank name");
    }
    Objects.requireNonNull(type, () -> "input '" + name + "' needs a type");
  }

  /** Refuses an empty list or a name that appears twice; returns an immutable copy. */
  public static List<ModelInput> requireValid(List<ModelInput> inputs) {
    if (inputs == null || inputs.isEmpty()) {
      throw new IllegalArgumentException("a model needs at least one input");
    }
    Set<String> seen = new HashSet<>();
    for (ModelInput in : inputs) {
      if (!seen.add(in.name())) {
        throw new IllegalArgumentException("input '" + in.name() + "' appears twice");
      }
    }
    return List.copyOf(inputs);
  }
}
