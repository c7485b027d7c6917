package dev.lakeml.sql;

import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.catalyst.plans.logical.Command;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import scala.Function1;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;

/**
 * Keeps the JDBC endpoint read-only: a check rule (installed through {@code spark.sql.extensions})
 * that refuses every analysed statement holding a command, except the commands that only read:
 * SHOW, DESCRIBE (Delta's DESCRIBE HISTORY and DETAIL too), EXPLAIN, SET and USE. Writes, DDL,
 * cache commands, ADD JAR and CREATE FUNCTION are refused before anything runs. Queries are plans
 * without commands and pass.
 *
 * <p>The rule binds no session until {@link #enforceExcept} is called; from then on it holds for
 * every session but the server's own, which registers the lakehouse's tables. Each JDBC connection
 * is a new session and is held to it.
 */
public final class ReadOnlyCheck extends AbstractFunction1<SparkSessionExtensions, BoxedUnit> {
  /** Commands that read: by the class names Spark and Delta give them after analysis. */
  static final Set<String> READING_COMMANDS =
      Set.of(
          "ShowTables",
          "ShowTablesCommand",
          "ShowTableExtended",
          "ShowNamespaces",
          "ShowNamespacesCommand",
          "ShowViews",
          "ShowViewsCommand",
          "ShowColumns",
          "ShowColumnsCommand",
          "ShowDeltaTableColumnsCommand",
          "ShowFunctions",
          "ShowFunctionsCommand",
          "ShowTableProperties",
          "ShowTablePropertiesCommand",
          "ShowCreateTable",
          "ShowCreateTableCommand",
          "ShowPartitions",
          "ShowPartitionsCommand",
          "ShowCatalogsCommand",
          "ShowCurrentNamespace",
          "ShowCurrentNamespaceCommand",
          "DescribeRelation",
          "DescribeTableCommand",
          "DescribeColumn",
          "DescribeColumnCommand",
          "DescribeNamespace",
          "DescribeDatabaseCommand",
          "DescribeFunction",
          "DescribeFunctionCommand",
          "DescribeQueryCommand",
          "DescribeDeltaHistory",
          "DescribeDeltaHistoryCommand",
          "DescribeDeltaDetailCommand",
          "ExplainCommand",
          "SetCommand",
          "ResetCommand",
          "SetCatalogAndNamespace",
          "SetCatalogCommand",
          "SetNamespaceCommand");

  private static volatile boolean enforcing;
  private static volatile SparkSession exempt;

  /** Holds every session to read-only from now on, but {@code owner}. */
  static void enforceExcept(SparkSession owner) {
    exempt = owner;
    enforcing = true;
  }

  @Override
  public BoxedUnit apply(SparkSessionExtensions extensions) {
    extensions.injectCheckRule(
        new AbstractFunction1<SparkSession, Function1<LogicalPlan, BoxedUnit>>() {
          @Override
          public Function1<LogicalPlan, BoxedUnit> apply(SparkSession session) {
            return new AbstractFunction1<LogicalPlan, BoxedUnit>() {
              @Override
              public BoxedUnit apply(LogicalPlan plan) {
                if (enforcing && session != exempt) {
                  check(plan);
                }
                return BoxedUnit.UNIT;
              }
            };
          }
        });
    return BoxedUnit.UNIT;
  }

  /**
   * Refuses {@code plan} when it holds a command that is not known to only read.
   *
   * @throws SqlServerErrors.Refused naming the command
   */
  static void check(LogicalPlan plan) {
    if (plan instanceof Command && !READING_COMMANDS.contains(plan.getClass().getSimpleName())) {
      throw SqlServerErrors.notReadOnly(plan.getClass().getSimpleName());
    }
    scala.collection.Iterator<LogicalPlan> children = plan.children().iterator();
    while (children.hasNext()) {
      check(children.next());
    }
  }
}
