package dev.lakeml.schemas.yaml;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

/**
 * The one strict YAML reader of lakeml: project files, manifests and pointers are all read into a
 * {@link ConfigNode}, with parser failures turned into file:line errors.
 */
public final class YamlFiles {
  private YamlFiles() {}

  /** Reads a YAML file strictly; a missing file is a {@link ConfigException} like any other. */
  public static ConfigNode read(Path file) {
    String name = file.toString();
    if (!Files.isRegularFile(file)) {
      throw new ConfigException(name, "", 0, "file not found or not a regular file");
    }
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return compose(reader, name);
    } catch (IOException e) {
      throw new ConfigException(name, "", 0, "cannot be read: " + e);
    }
  }

  /**
   * Reads YAML text that did not come from a file (a Redis value, say) strictly.
   *
   * @param origin where the text came from, for messages
   */
  public static ConfigNode parse(String text, String origin) {
    return compose(new StringReader(text), origin);
  }

  /**
   * The YAML text of a tree of maps, lists and scalars, in block style with lists indented under
   * their key, after a one-line {@code # comment}: how every file lakeml writes looks.
   */
  public static String write(String comment, Map<String, ?> root) {
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setIndent(2);
    options.setIndicatorIndent(2);
    options.setIndentWithIndicator(true);
    options.setSplitLines(false);
    return "# " + comment + "\n" + new Yaml(options).dump(root);
  }

  private static ConfigNode compose(Reader reader, String name) {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(50);
    try {
      Node root = new Yaml(options).compose(reader);
      if (root == null) {
        throw new ConfigException(name, "", 0, "is empty; expected a mapping");
      }
      return new ConfigNode(name, "", root);
    } catch (MarkedYAMLException e) {
      int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
      throw new ConfigException(name, "", line, "not valid YAML: " + e.getProblem());
    } catch (YAMLException e) {
      throw new ConfigException(name, "", 0, "not valid YAML: " + e.getMessage());
    }
  }
}
