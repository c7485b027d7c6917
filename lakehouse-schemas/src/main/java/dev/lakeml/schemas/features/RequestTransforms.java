package dev.lakeml.schemas.features;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BinaryOperator;

/** The built-in request-time transforms. */
final class RequestTransforms {
  private RequestTransforms() {}

  /** A transform of two named inputs. */
  private record Binary(String name, String first, String second, BinaryOperator<Double> function)
      implements RequestTransform {
    @Override
    public List<String> parameters() {
      return List.of(first, second);
    }

    @Override
    public Optional<Double> apply(Map<String, Double> inputs) {
      Double a = inputs.get(first);
      Double b = inputs.get(second);
      if (a == null || b == null) {
        return Optional.empty();
      }
      Double result = function.apply(a, b);
      return result == null || result.isNaN() || result.isInfinite()
          ? Optional.empty()
          : Optional.of(result);
    }
  }

  static final Map<String, RequestTransform> BUILT_INS;

  static {
    Map<String, RequestTransform> all = new LinkedHashMap<>();
    for (RequestTransform t :
        List.<RequestTransform>of(
            // e.g. a line's unit price divided by the product's average price
            new Binary("ratio", "numerator", "denominator", (a, b) -> b == 0.0 ? null : a / b),
            new Binary("difference", "minuend", "subtrahend", (a, b) -> a - b),
            // both as epoch seconds, e.g. the request time and the customer's last purchase
            new Binary("days_between", "later", "earlier", (a, b) -> (a - b) / 86_400.0))) {
      all.put(t.name(), t);
    }
    BUILT_INS = Map.copyOf(all);
  }
}
