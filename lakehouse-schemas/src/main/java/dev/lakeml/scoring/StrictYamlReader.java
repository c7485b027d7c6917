package dev.lakeml.scoring;

import java.io.StringReader;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A strict reader of {@code model.yaml}: a missing key, a key nobody asked for or a value of the
 * wrong type is a {@link ModelArtifactException} naming the file, the line and the key path. Values
 * are read from the node text, never through YAML's implicit typing.
 *
 * <p>The same rules as the online store's manifest reader ({@code dev.lakeml.online.StrictYaml}),
 * which is private to its package and throws that package's exception.
 */
final class StrictYamlReader {
  private final String origin;
  private final String path;
  private final Node node;
  private final Set<String> asked = new LinkedHashSet<>();

  private StrictYamlReader(String origin, String path, Node node) {
    this.origin = origin;
    this.path = path;
    this.node = node;
  }

  static StrictYamlReader parse(String text, String origin) {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(10);
    try {
      Node root = new Yaml(options).compose(new StringReader(text));
      if (root == null) {
        throw new ModelArtifactException(origin + ": is empty; expected a mapping");
      }
      return new StrictYamlReader(origin, "", root);
    } catch (MarkedYAMLException e) {
      int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
      throw new ModelArtifactException(
          origin + ":" + line + ": not valid YAML: " + e.getProblem(), e);
    } catch (YAMLException e) {
      throw new ModelArtifactException(origin + ": not valid YAML: " + e.getMessage(), e);
    }
  }

  ModelArtifactException error(String problem) {
    int line = node.getStartMark().getLine() + 1;
    String where = path.isEmpty() ? "" : " at '" + path + "'";
    return new ModelArtifactException(origin + ":" + line + ":" + where + ": " + problem);
  }

  private String child(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private Map<String, Node> entries() {
    if (!(node instanceof MappingNode mapping)) {
      throw error("expected a mapping, found " + describe(node));
    }
    Map<String, Node> out = new LinkedHashMap<>();
    for (NodeTuple t : mapping.getValue()) {
      if (!(t.getKeyNode() instanceof ScalarNode key)) {
        throw error("expected plain text keys");
      }
      out.put(key.getValue(), t.getValueNode());
    }
    return out;
  }

  StrictYamlReader required(String key, String expected) {
    asked.add(key);
    Node value = entries().get(key);
    if (value == null) {
      throw error("missing key '" + key + "': expected " + expected);
    }
    StrictYamlReader child = new StrictYamlReader(origin, child(key), value);
    if (isNull(value)) {
      throw child.error("'" + key + "' is null; expected " + expected);
    }
    return child;
  }

  /** Whether the mapping has this key (marking it as asked for). */
  boolean has(String key) {
    asked.add(key);
    return entries().containsKey(key);
  }

  String string(String key) {
    return required(key, "text").scalar("text");
  }

  long longValue(String key) {
    StrictYamlReader n = required(key, "a whole number");
    String text = n.scalar("a whole number");
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw n.error("expected a whole number, found '" + text + "'");
    }
  }

  double doubleValue(String key) {
    StrictYamlReader n = required(key, "a finite number");
    String text = n.scalar("a finite number");
    try {
      double value = Double.parseDouble(text.trim());
      if (Double.isFinite(value)) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw n.error("expected a finite number, found '" + text + "'");
  }

  Instant instant(String key) {
    StrictYamlReader n = required(key, "an ISO-8601 instant such as 2024-05-01T00:00:00Z");
    String text = n.scalar("an ISO-8601 instant");
    try {
      return Instant.parse(text.trim());
    } catch (DateTimeParseException e) {
      throw n.error(
          "expected an ISO-8601 instant such as 2024-05-01T00:00:00Z, found '" + text + "'");
    }
  }

  /** The items under a required key holding a list (possibly empty). */
  List<StrictYamlReader> list(String key, String expected) {
    StrictYamlReader n = required(key, "a list of " + expected);
    if (!(n.node instanceof SequenceNode seq)) {
      throw n.error("expected a list of " + expected + ", found " + describe(n.node));
    }
    List<StrictYamlReader> out = new ArrayList<>();
    for (int i = 0; i < seq.getValue().size(); i++) {
      out.add(new StrictYamlReader(origin, n.path + "[" + i + "]", seq.getValue().get(i)));
    }
    return out;
  }

  /** The entries of a mapping whose keys are data (file names, input names), in file order. */
  Map<String, StrictYamlReader> mapping(String key, String expected) {
    StrictYamlReader n = required(key, "a mapping of " + expected);
    Map<String, StrictYamlReader> out = new LinkedHashMap<>();
    for (Map.Entry<String, Node> e : n.entries().entrySet()) {
      out.put(e.getKey(), new StrictYamlReader(origin, n.child(e.getKey()), e.getValue()));
    }
    return out;
  }

  /** This node as text. */
  String text(String expected) {
    if (isNull(node)) {
      throw error("is null; expected " + expected);
    }
    return scalar(expected);
  }

  private String scalar(String expected) {
    if (!(node instanceof ScalarNode s)) {
      throw error("expected " + expected + ", found " + describe(node));
    }
    return s.getValue();
  }

  /** Refuses keys that no reader asked for. */
  void finish() {
    for (Map.Entry<String, Node> e : entries().entrySet()) {
      if (!asked.contains(e.getKey())) {
        throw new StrictYamlReader(origin, child(e.getKey()), e.getValue())
            .error(
                "unknown key '" + e.getKey() + "'; expected one of: " + String.join(", ", asked));
      }
    }
  }

  /** Runs a constructor, turning its refusal into an error at this node. */
  <T> T build(Supplier<T> constructor) {
    try {
      return constructor.get();
    } catch (IllegalArgumentException | NullPointerException e) {
      throw error(e.getMessage());
    }
  }

  private static boolean isNull(Node n) {
    return n instanceof ScalarNode s && "tag:yaml.org,2002:null".equals(s.getTag().getValue());
  }

  private static String describe(Node n) {
    if (n instanceof MappingNode) {
      return "a mapping";
    }
    if (n instanceof SequenceNode) {
      return "a list";
    }
    return "'" + ((ScalarNode) n).getValue() + "'";
  }
}
