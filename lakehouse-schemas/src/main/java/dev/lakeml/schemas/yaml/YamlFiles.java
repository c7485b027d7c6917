package dev.lakeml.schemas.yaml;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

/** Reads a YAML file into a {@link ConfigNode}, turning parser failures into file:line errors. */
public final class YamlFiles {
  private YamlFiles() {}

  public static ConfigNode read(Path file) {
    String name = file.toString();
    if (!Files.isRegularFile(file)) {
      throw new ConfigException(name, "", 0, "file not found or not a regular file");
    }
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(50);
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      Node root = new Yaml(options).compose(reader);
      if (root == null) {
        throw new ConfigException(name, "", 0, "the file is empty; expected a mapping");
      }
      return new ConfigNode(name, "", root);
    } catch (MarkedYAMLException e) {
      int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
      throw new ConfigException(name, "", line, "not valid YAML: " + e.getProblem());
    } catch (YAMLException e) {
      throw new ConfigException(name, "", 0, "not valid YAML: " + e.getMessage());
    } catch (IOException e) {
      throw new ConfigException(name, "", 0, "cannot be read: " + e);
    }
  }
}
