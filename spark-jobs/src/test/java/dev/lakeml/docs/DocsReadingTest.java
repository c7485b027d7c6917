package dev.lakeml.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the docs test reads Markdown and command lines, so that its checks can fail (DocsIT). */
class DocsReadingTest {
  private static final DocCommands COMMANDS =
      DocCommands.load(
          Path.of(System.getProperty("lakeml.repo.root", "..")).toAbsolutePath().normalize());

  @Test
  void acceptsCommandsFormsTheDocsUse() {
    assertThat(COMMANDS.check("./lakeml ingest --from 2011-01-01 --to 2011-01-31 -s lines # why"))
        .isEmpty();
    assertThat(COMMANDS.check("lakeml models list M | show M [VERSION|ALIAS] | history M"))
        .isEmpty();
    assertThat(COMMANDS.check("lakeml models promote M 4 [--force --reason \"a; b # c\"]"))
        .isEmpty();
    assertThat(COMMANDS.check("lakeml training-set rebuild <build id> [--into other]")).isEmpty();
    assertThat(COMMANDS.check("LAKEML_LAKEHOUSE=./lh ./lakeml sql \"SELECT 1\" | column -t"))
        .isEmpty();
    assertThat(COMMANDS.check("./lakeml serve --port 8080")).isEmpty();
    assertThat(COMMANDS.check("lakeml ingest -qv --date=2011-01-01")).isEmpty();
  }

  @Test
  void namesUnknownSubcommandsAndOptionsWithWhatExists() {
    assertThat(COMMANDS.check("./lakeml models promot M 3"))
        .singleElement()
        .asString()
        .startsWith("`lakeml models` has no subcommand `promot` (it has: alias, history, list,");
    assertThat(COMMANDS.check("lakeml tables list | describe T | histroy T"))
        .containsExactly(
            "`lakeml tables` has no subcommand `histroy` (it has: describe, history, list)");
    assertThat(COMMANDS.check("lakeml models promote M 3 --forced --reason r"))
        .singleElement()
        .asString()
        .startsWith("`--forced` is not an option of `lakeml models promote` (it takes: --conf,");
    assertThat(COMMANDS.check("./lakeml serve --port 8080 --bogus 1"))
        .singleElement()
        .asString()
        .startsWith("`--bogus` is not an option of `lakeml serve` (it takes: --conf,")
        .contains("and the serving API's: --api-keys,");
    assertThat(
            COMMANDS.check(
                "spark-submit --master m --class dev.lakeml.cli.LakemlCli --conf a=b app.jar"
                    + " ingest --project p --datee 2011-01-01"))
        .singleElement()
        .asString()
        .startsWith("`--datee` is not an option of `lakeml ingest`");
    assertThat(COMMANDS.check("lakeml --project p ingest --date 2011-01-01"))
        .singleElement()
        .asString()
        .startsWith("`--project` is not an option of `lakeml` (it takes: -V/--version, -h/--help)");
  }

  @Test
  void findsCodeLinksAndAnchorsWithTheirLines(@TempDir Path dir) throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("page.md"),
            """
            # Migrating `by` hand: [the guide](x.md)

            Run `lakeml train
            M --variant mlp` and see [the ADR](../adr/0001.md#context "title").

            ```bash
            ./lakeml ingest \\
              --date D
            ```

            ## Migrating by hand
            [ref]: other.md
            """);
    MarkdownDoc doc = MarkdownDoc.read(dir, file);

    assertThat(doc.anchors())
        .containsExactlyInAnyOrder("migrating-by-hand-the-guide", "migrating-by-hand");
    assertThat(doc.inlineCode())
        .extracting(MarkdownDoc.Code::text, MarkdownDoc.Code::line)
        .contains(tuple("lakeml train M --variant mlp", 3));
    assertThat(doc.links())
        .extracting(MarkdownDoc.Link::destination, MarkdownDoc.Link::line)
        .containsExactly(
            tuple("x.md", 1), tuple("../adr/0001.md#context", 4), tuple("other.md", 12));
    assertThat(doc.blocks())
        .singleElement()
        .satisfies(
            b -> {
              assertThat(b.language()).isEqualTo("bash");
              assertThat(b.line()).isEqualTo(7);
              assertThat(b.lines()).containsExactly("./lakeml ingest \\", "  --date D");
            });
  }

  @Test
  void slugsHeadingsAsGithubDoes() {
    assertThat(MarkdownDoc.githubSlug("3. Generate the settings"))
        .isEqualTo("3-generate-the-settings");
    assertThat(MarkdownDoc.githubSlug("`lakeml.yaml`: the project + its models_"))
        .isEqualTo("lakemlyaml-the-project--its-models_");
    assertThat(MarkdownDoc.githubSlug("Runbook: schema changes"))
        .isEqualTo("runbook-schema-changes");
  }
}
