package dev.lakeml.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;

/**
 * A subcommand that works on the lakehouse: it takes the global options, opens the context (the
 * project, the Spark session, the lakehouse with its tables registered) once, hands it to {@link
 * #run}, and closes it whatever happens. Checks that need no Spark go in {@link #check}, so a usage
 * error is reported before a session starts.
 */
abstract class SparkCommand implements Callable<Integer> {
  @Mixin LakemlCli.GlobalOptions global = new LakemlCli.GlobalOptions();

  /** Refuses arguments that do not fit together, before any Spark work; nothing by default. */
  void check() {}

  /**
   * The command's work.
   *
   * @return the exit code ({@link LakemlCli#OK} or {@link LakemlCli#FAILED})
   */
  abstract int run(LakemlContext ctx) throws Exception;

  @Override
  public final Integer call() throws Exception {
    check();
    return withContext(global, this::run);
  }

  /** The work of a command, given the context. */
  @FunctionalInterface
  interface Work {
    int run(LakemlContext ctx) throws Exception;
  }

  /**
   * Opens the context from {@code options}, runs {@code work} and closes the context: the one place
   * that does it, also for subcommands whose global options are their parent's.
   */
  static int withContext(LakemlCli.GlobalOptions options, Work work) throws Exception {
    try (LakemlContext ctx = LakemlContext.open(options, LakemlCli.out(), LakemlCli.err())) {
      return work.run(ctx);
    }
  }
}
