package dev.lakeml.schemas.snapshot;

import java.io.StringReader;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * A strict reader of machine-written YAML: every key must be present and of the expected type, and
 * a key nobody asked for is an error. Errors name the origin (file or Redis key), the line and the
 * key path. Values are read from the node text, never through YAML's implicit typing (which would
 * turn timestamps into {@code java.util.Date} and {@code 010} into 8).
 */
final class StrictYaml {
  private final String origin;
  private final String path;
  private final Node node;
  private final Set<String> asked = new LinkedHashSet<>();

  private StrictYaml(String origin, String path, Node node) {
    this.origin = origin;
    this.path = path;
    this.node = node;
  }

  static StrictYaml parse(String text, String origin) {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(10);
    try {
      Node root = new Yaml(options).compose(new StringReader(text));
      if (root == null) {
        throw new SnapshotException(origin + ": is empty; expected a mapping");
      }
      return new StrictYaml(origin, "", root);
    } catch (MarkedYAMLException e) {
      int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
      throw new SnapshotException(origin + ":" + line + ": not valid YAML: " + e.getProblem(), e);
    } catch (YAMLException e) {
      throw new SnapshotException(origin + ": not valid YAML: " + e.getMessage(), e);
    }
  }

  SnapshotException error(String problem) {
    int line = node.getStartMark().getLine() + 1;
    String where = path.isEmpty() ? "" : " at '" + path + "'";
    return new SnapshotException(origin + ":" + line + ":" + where + ": " + problem);
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

  /** The node under a required key. */
  StrictYaml required(String key, String expected) {
    asked.add(key);
    Node value = entries().get(key);
    if (value == null) {
      throw error("missing key '" + key + "': expected " + expected);
    }
    StrictYaml child = new StrictYaml(origin, child(key), value);
    if (isNull(value)) {
      throw child.error("'" + key + "' is null; expected " + expected);
    }
    return child;
  }

  String string(String key) {
    return required(key, "text").scalar("text");
  }

  long longValue(String key) {
    StrictYaml n = required(key, "a whole number");
    String text = n.scalar("a whole number");
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw n.error("expected a whole number, found '" + text + "'");
    }
  }

  int intValue(String key) {
    StrictYaml n = required(key, "a whole number");
    long value = longValue(key);
    if (value != (int) value) {
      throw n.error("expected a whole number that fits 32 bits, found " + value);
    }
    return (int) value;
  }

  Instant instant(String key) {
    StrictYaml n = required(key, "an ISO-8601 instant such as 2024-05-01T00:00:00Z");
    String text = n.scalar("an ISO-8601 instant");
    try {
      return Instant.parse(text.trim());
    } catch (DateTimeParseException e) {
      throw n.error(
          "expected an ISO-8601 instant such as 2024-05-01T00:00:00Z, found '" + text + "'");
    }
  }

  /** The items under a required key holding a list (possibly empty). */
  List<StrictYaml> list(String key, String expected) {
    StrictYaml n = required(key, "a list of " + expected);
    if (!(n.node instanceof SequenceNode seq)) {
      throw n.error("expected a list of " + expected + ", found " + describe(n.node));
    }
    List<StrictYaml> out = new ArrayList<>();
    for (int i = 0; i < seq.getValue().size(); i++) {
      out.add(new StrictYaml(origin, n.path + "[" + i + "]", seq.getValue().get(i)));
    }
    return out;
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
        throw new StrictYaml(origin, child(e.getKey()), e.getValue())
            .error(
                "unknown key '" + e.getKey() + "'; expected one of: " + String.join(", ", asked));
      }
    }
  }

  /** Runs a constructor, turning its refusal into an error at this node. */
  <T> T build(java.util.function.Supplier<T> constructor) {
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
