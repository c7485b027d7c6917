package dev.lakeml.cli;

import dev.lakeml.lakehouse.LakehouseException;
import dev.lakeml.schemas.project.Declared;
import dev.lakeml.schemas.yaml.ConfigException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code lakeml} command: one entry point for every job, run locally by {@code ./lakeml} or by
 * {@code spark-submit --class dev.lakeml.cli.LakemlCli}.
 *
 * <p>Exit codes: 0 done, 1 the job failed, 2 usage or configuration error.
 */
@Command(
    name = "lakeml",
    mixinStandardHelpOptions = true,
    version = "lakeml 0.1.0",
    description = "Batch-first machine learning on Apache Spark and Delta Lake.",
    subcommands = {
      IngestCommand.class,
      StreamCommand.class,
      FeaturesCommand.class,
      TrainingSetCommand.class,
      PublishCommand.class,
      TrainCommand.class,
      RunsCommand.class,
      ModelsCommand.class,
      PredictCommand.class,
      IngestPredictionsCommand.class,
      MonitorCommand.class,
      TablesCommand.class,
      SqlCommand.class,
      SqlServerCommand.class,
      RunCommand.class,
      AirflowCommand.class,
      ServeCommand.class,
      DemoCommand.class,
      GpuConfigCommand.class,
      CommandLine.HelpCommand.class
    })
public final class LakemlCli implements Runnable {
  public static final int OK = 0;
  public static final int FAILED = 1;
  public static final int USAGE = 2;

  /** Options every subcommand takes. */
  static final class GlobalOptions {
    @Option(
        names = {"-p", "--project"},
        description =
            "Project file or folder (env LAKEML_PROJECT; default examples/online-retail).",
        scope = CommandLine.ScopeType.INHERIT)
    String project;

    @Option(
        names = "--lakehouse",
        description =
            "Lakehouse root, a folder or URI (env LAKEML_LAKEHOUSE; default from the project).",
        scope = CommandLine.ScopeType.INHERIT)
    String lakehouse;

    @Option(
        names = "--master",
        description = "Spark master when not under spark-submit (env LAKEML_SPARK_MASTER).",
        scope = CommandLine.ScopeType.INHERIT)
    String master;

    @Option(
        names = "--conf",
        description = "Extra Spark setting key=value (repeatable; wins over the project file).",
        scope = CommandLine.ScopeType.INHERIT)
    Map<String, String> conf = new LinkedHashMap<>();

    @Option(
        names = {"-q", "--quiet"},
        description = "No progress output.",
        scope = CommandLine.ScopeType.INHERIT)
    boolean quiet;

    @Option(
        names = {"-v", "--verbose"},
        description = "Stack traces and Spark logs on errors.",
        scope = CommandLine.ScopeType.INHERIT)
    boolean verbose;
  }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(),
        "Missing subcommand: one of "
            + String.join(
                ", ",
                spec.subcommands().keySet().stream().filter(n -> !n.equals("help")).toList()));
  }

  public static void main(String[] args) {
    int code = execute(System.out, System.err, args);
    System.exit(code);
  }

  private static final ThreadLocal<PrintStream[]> STREAMS =
      ThreadLocal.withInitial(() -> new PrintStream[] {System.out, System.err});

  static PrintStream out() {
    return STREAMS.get()[0];
  }

  static PrintStream err() {
    return STREAMS.get()[1];
  }

  /** Runs a command line and returns its exit code; never throws. */
  public static int execute(PrintStream out, PrintStream err, String... args) {
    STREAMS.set(new PrintStream[] {out, err});
    try {
      return run(out, err, args);
    } finally {
      STREAMS.remove();
    }
  }

  /** The command tree with lakeml's converters, for running or for parsing a pipeline step. */
  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new LakemlCli());
    cli.registerConverter(java.time.LocalDate.class, new LogicalDates.Converter());
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    return cli;
  }

  private static int run(PrintStream out, PrintStream err, String... args) {
    CommandLine cli = commandLine();
    cli.setOut(new java.io.PrintWriter(out, true));
    cli.setErr(new java.io.PrintWriter(err, true));
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          boolean verbose =
              parseResult.hasMatchedOption("--verbose")
                  || parseResult.subcommands().stream()
                      .anyMatch(p -> p.hasMatchedOption("--verbose"))
                  || hasVerbose(parseResult);
          if (verbose) {
            e.printStackTrace(err);
          }
          err.println(
              "lakeml: "
                  + describe(e)
                  + (verbose || exitCode(e) != FAILED || e instanceof LakehouseException
                      ? ""
                      : "\n(run again with --verbose for the stack trace)"));
          return exitCode(e);
        });
    return cli.execute(args);
  }

  /** The exit code of a command that threw {@code e}: USAGE for bad input, FAILED otherwise. */
  static int exitCode(Exception e) {
    return e instanceof ConfigException
            || e instanceof UsageException
            || e instanceof Declared.UnknownNameException
        ? USAGE
        : FAILED;
  }

  /** What a user reads about {@code e}: the message of lakeml's own errors, else its first line. */
  static String describe(Exception e) {
    if (e instanceof ConfigException) {
      return "configuration error: " + e.getMessage();
    }
    if (e instanceof UsageException
        || e instanceof Declared.UnknownNameException
        || e instanceof LakehouseException) {
      return e.getMessage();
    }
    return "the job failed: " + e.getClass().getSimpleName() + ": " + firstLine(e.getMessage());
  }

  private static boolean hasVerbose(CommandLine.ParseResult result) {
    CommandLine.ParseResult r = result;
    while (r != null) {
      if (r.hasMatchedOption("-v") || r.hasMatchedOption("--verbose")) {
        return true;
      }
      r = r.subcommand();
    }
    return false;
  }

  private static String firstLine(String message) {
    return message == null ? "" : message.lines().findFirst().orElse("");
  }

  /** A command line that names something that does not exist or does not fit together. */
  static final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }
}
