package dev.lakeml.schemas.yaml;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A typed, strict view of one YAML node that remembers its file and key path, so that every error
 * can say where it is and what was expected. Mapping readers must call {@link #finish()} to refuse
 * keys nobody asked for.
 */
public final class ConfigNode {
  private final String file;
  private final String path;
  private final Node node;
  private final Set<String> consumed = new LinkedHashSet<>();

  ConfigNode(String file, String path, Node node) {
    this.file = file;
    this.path = path;
    this.node = node;
  }

  public String file() {
    return file;
  }

  public String path() {
    return path;
  }

  public int line() {
    return node == null ? 0 : node.getStartMark().getLine() + 1;
  }

  /** An error about this node. */
  public ConfigException error(String problem) {
    return new ConfigException(file, path, line(), problem);
  }

  private String child(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private Map<String, NodeTuple> entries() {
    if (!(node instanceof MappingNode mapping)) {
      throw error("expected a mapping (key: value lines), found " + describe(node));
    }
    Map<String, NodeTuple> out = new LinkedHashMap<>();
    for (NodeTuple tuple : mapping.getValue()) {
      if (!(tuple.getKeyNode() instanceof ScalarNode key)) {
        throw error("expected plain text keys");
      }
      if (out.put(key.getValue(), tuple) != null) {
        throw new ConfigException(
            file, child(key.getValue()), key.getStartMark().getLine() + 1, "key is repeated");
      }
    }
    return out;
  }

  /** The child node under a key, or empty when the key is absent or null. */
  public Optional<ConfigNode> optional(String key) {
    consumed.add(key);
    NodeTuple tuple = entries().get(key);
    if (tuple == null || isNull(tuple.getValueNode())) {
      return Optional.empty();
    }
    return Optional.of(new ConfigNode(file, child(key), tuple.getValueNode()));
  }

  /** The keys of this mapping, in file order. */
  public List<String> keys() {
    return new java.util.ArrayList<>(entries().keySet());
  }

  /** Whether this node is a YAML mapping (key: value lines). */
  public boolean isMapping() {
    return node instanceof MappingNode;
  }

  /** Whether this node is a YAML list. */
  public boolean isList() {
    return node instanceof org.yaml.snakeyaml.nodes.SequenceNode;
  }

  /** The child node under a required key. */
  public ConfigNode required(String key, String expected) {
    return optional(key)
        .orElseThrow(() -> error("missing required key '" + key + "': " + expected));
  }

  private static final java.util.regex.Pattern IDENTIFIER =
      java.util.regex.Pattern.compile("[a-z][a-z0-9_]{0,62}");

  /** What a name in the project file must look like (it becomes a table or column name). */
  public static final String IDENTIFIER_TEXT =
      "a lower-case name of letters, digits and '_', starting with a letter";

  /** A required name that can be used as a table or column name. */
  public String requiredIdentifier(String key, String what) {
    return required(key, what + " (" + IDENTIFIER_TEXT + ")").identifier(what);
  }

  /** This node as a name that can be used as a table or column name. */
  public String identifier(String what) {
    String value = string(what);
    if (!IDENTIFIER.matcher(value).matches()) {
      throw error("'" + value + "' is not a valid " + what + "; expected " + IDENTIFIER_TEXT);
    }
    return value;
  }

  public String requiredString(String key, String expected) {
    return required(key, expected).string(expected);
  }

  public Optional<String> optionalString(String key, String expected) {
    return optional(key).map(n -> n.string(expected));
  }

  /** This node as text; numbers and booleans are accepted as their text. */
  public String string(String expected) {
    if (!(node instanceof ScalarNode scalar)) {
      throw error("expected " + expected + ", found " + describe(node));
    }
    return scalar.getValue();
  }

  public int integer(String expected) {
    String text = string(expected);
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw error("expected " + expected + ", found '" + text + "'");
    }
  }

  /** This node as a whole number (64 bits). */
  public long longValue(String expected) {
    String text = string(expected);
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw error("expected " + expected + ", found '" + text + "'");
    }
  }

  /** This node as a finite number (NaN and infinities refused). */
  public double finite(String expected) {
    String text = string(expected);
    try {
      double value = Double.parseDouble(text.trim());
      if (Double.isFinite(value)) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw error("expected " + expected + ", found '" + text + "'");
  }

  /** This node as an ISO-8601 instant such as {@code 2024-05-01T00:00:00Z}. */
  public java.time.Instant instant() {
    String text = string("an ISO-8601 instant");
    try {
      return java.time.Instant.parse(text.trim());
    } catch (java.time.format.DateTimeParseException e) {
      throw error(
          "expected an ISO-8601 instant such as 2024-05-01T00:00:00Z, found '" + text + "'");
    }
  }

  /**
   * Runs a validating constructor, turning its refusal ({@link IllegalArgumentException} or a null
   * check) into an error at this node.
   */
  public <T> T build(java.util.function.Supplier<T> constructor) {
    try {
      return constructor.get();
    } catch (IllegalArgumentException | NullPointerException e) {
      throw error(e.getMessage());
    }
  }

  public boolean bool(String expected) {
    String text = string(expected).trim().toLowerCase(java.util.Locale.ROOT);
    return switch (text) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> throw error("expected " + expected + " (true or false), found '" + text + "'");
    };
  }

  public Optional<Boolean> optionalBool(String key, String expected) {
    return optional(key).map(n -> n.bool(expected));
  }

  /** The items of a sequence node; a single scalar is read as a one-item list. */
  public List<ConfigNode> list(String expected) {
    if (node instanceof ScalarNode) {
      return List.of(this);
    }
    if (!(node instanceof SequenceNode seq)) {
      throw error("expected " + expected + " (a list), found " + describe(node));
    }
    List<ConfigNode> out = new ArrayList<>();
    for (int i = 0; i < seq.getValue().size(); i++) {
      out.add(new ConfigNode(file, path + "[" + i + "]", seq.getValue().get(i)));
    }
    return out;
  }

  public List<String> stringList(String expected) {
    return list(expected).stream().map(n -> n.string(expected)).toList();
  }

  /** A mapping of text to text, e.g. free-form Spark settings. */
  public Map<String, String> stringMap(String expected) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String key : entries().keySet()) {
      out.put(key, optional(key).map(n -> n.string(expected)).orElse(""));
    }
    return out;
  }

  /** Refuses keys that no reader asked for: a misspelt key must not be ignored silently. */
  public void finish(String allowedDescription) {
    for (Map.Entry<String, NodeTuple> e : entries().entrySet()) {
      if (!consumed.contains(e.getKey())) {
        throw new ConfigException(
            file,
            child(e.getKey()),
            e.getValue().getKeyNode().getStartMark().getLine() + 1,
            "unknown key '" + e.getKey() + "'; expected one of: " + allowedDescription);
      }
    }
  }

  /** Like {@link #finish(String)}, listing the keys that were asked for. */
  public void finish() {
    finish(String.join(", ", consumed));
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
    if (n instanceof ScalarNode s) {
      return "'" + s.getValue() + "'";
    }
    return "nothing";
  }
}
