package dev.lakeml.cli;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.function.Supplier;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * Which logical dates a job runs for: {@code --date D}, {@code --from D1 --to D2} (a backfill, both
 * ends included) or {@code --all} (every date the input has). One definition for every command that
 * takes dates; used as an {@code @ArgGroup}.
 */
final class LogicalDates {
  @Option(names = "--date", description = "One logical date, yyyy-MM-dd.", required = true)
  LocalDate date;

  @ArgGroup(exclusive = false)
  Range range;

  @Option(names = "--all", description = "Every date the input has (backfill).", required = true)
  boolean all;

  /** {@code --from D1 --to D2}. */
  static final class Range {
    @Option(names = "--from", description = "First logical date, yyyy-MM-dd.", required = true)
    LocalDate from;

    @Option(
        names = "--to",
        description = "Last logical date, yyyy-MM-dd (included).",
        required = true)
    LocalDate to;
  }

  /** The dates of {@code --all}: every date the input has. */
  static LogicalDates everyDate() {
    LogicalDates d = new LogicalDates();
    d.all = true;
    return d;
  }

  /** The span named on the command line; empty for {@code --all}. */
  Optional<LocalDate[]> explicit() {
    if (date != null) {
      return Optional.of(new LocalDate[] {date, date});
    }
    if (range != null) {
      if (range.to.isBefore(range.from)) {
        throw new LakemlCli.UsageException(
            "--to " + range.to + " is before --from " + range.from + "; give the dates in order");
      }
      return Optional.of(new LocalDate[] {range.from, range.to});
    }
    return Optional.empty();
  }

  /** The span named on the command line, or the input's own span for {@code --all}. */
  LocalDate[] span(Supplier<LocalDate[]> everyDate) {
    return explicit().orElseGet(everyDate);
  }

  /** Reads {@code yyyy-MM-dd}; registered for every {@link LocalDate} option of the CLI. */
  static final class Converter implements ITypeConverter<LocalDate> {
    @Override
    public LocalDate convert(String value) {
      try {
        return LocalDate.parse(value);
      } catch (DateTimeParseException e) {
        throw new TypeConversionException("'" + value + "' is not a date; expected yyyy-MM-dd");
      }
    }
  }
}
