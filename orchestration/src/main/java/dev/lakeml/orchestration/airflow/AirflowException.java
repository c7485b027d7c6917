package dev.lakeml.orchestration.airflow;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A call to Airflow that did not succeed. It carries the HTTP status (none when Airflow could not
 * be reached or did not answer in time), the method and path of the request, Airflow's own
 * explanation when it sent one, and a message that says what to fix.
 *
 * <p>Messages never contain a password or token.
 */
public class AirflowException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong. */
  public enum Kind {
    /** Airflow answered with an error status; see {@link #status()}. */
    HTTP,
    /** No connection to Airflow (after the retries). */
    UNREACHABLE,
    /** Airflow did not answer within the request timeout (after the retries). */
    TIMEOUT,
    /** Airflow answered, but not with what its API specifies. */
    INVALID_RESPONSE,
    /** A DAG run did not finish in time; see {@link AirflowWaitTimeoutException}. */
    WAIT_TIMEOUT,
    /** The calling thread was interrupted while waiting. */
    INTERRUPTED
  }

  private final Kind kind;
  private final Integer status;
  private final String method;
  private final String path;
  private final String detail;

  AirflowException(
      Kind kind,
      Integer status,
      String method,
      String path,
      String detail,
      String message,
      Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.status = status;
    this.method = method;
    this.path = path;
    this.detail = detail;
  }

  public Kind kind() {
    return kind;
  }

  /** The HTTP status Airflow answered with; empty when there was no answer. */
  public OptionalInt status() {
    return status == null ? OptionalInt.empty() : OptionalInt.of(status);
  }

  /** The HTTP method of the failed request, e.g. {@code POST}. */
  public String method() {
    return method;
  }

  /** The path of the failed request, e.g. {@code /api/v2/dags/nightly/dagRuns}. */
  public String path() {
    return path;
  }

  /**
   * Airflow's explanation: the title and detail of a 2.x problem document, the detail of a 3.x
   * error, or a 3.x validation error's fields and messages ({@code field: message}).
   */
  public Optional<String> detail() {
    return Optional.ofNullable(detail);
  }

  /** What a request was for, to name it in messages. */
  record Call(String operation, String dagId, String dagRunId) {
    static Call of(String operation, String dagId) {
      return new Call(operation, dagId, null);
    }
  }

  /** Airflow answered {@code status} after {@code attempts} attempts. */
  static AirflowException forStatus(
      Call call, String method, String path, int status, String detail, int attempts) {
    String request = method + " " + path + " answered " + status + reason(status);
    String said = detail == null ? "" : " Airflow said: " + detail;
    String message;
    switch (status) {
      case 401:
        message =
            "Airflow rejected the credentials ("
                + request
                + "): check "
                + AirflowSettings.USERNAME
                + " and "
                + AirflowSettings.PASSWORD
                + ", or "
                + AirflowSettings.TOKEN
                + " (a wrong or expired token)."
                + said;
        break;
      case 403:
        message =
            "The Airflow user lacks permission to "
                + call.operation()
                + " ("
                + request
                + "): give the user's role that permission"
                + (call.dagId() == null ? "" : " on DAG '" + call.dagId() + "'")
                + " in Airflow."
                + said;
        break;
      case 404:
        message = notFound(call, request) + said;
        break;
      case 400:
      case 422:
        message =
            "Airflow refused to "
                + call.operation()
                + " ("
                + request
                + "): "
                + (detail == null ? "no reason given" : detail);
        break;
      case 429:
        message =
            "Airflow kept refusing to "
                + call.operation()
                + " for too many requests ("
                + request
                + ") after "
                + attempts(attempts)
                + "; try again later."
                + said;
        break;
      default:
        message =
            (status >= 500 ? "Airflow failed to " : "Airflow could not ")
                + call.operation()
                + " ("
                + request
                + (status >= 500 ? ") after " + attempts(attempts) + "." : ").")
                + said;
    }
    return new AirflowException(Kind.HTTP, status, method, path, detail, message, null);
  }

  static AirflowException unreachable(
      Call call, String method, String path, URI baseUrl, Throwable cause, int attempts) {
    return new AirflowException(
        Kind.UNREACHABLE,
        null,
        method,
        path,
        null,
        "Cannot reach Airflow at "
            + baseUrl
            + " ("
            + AirflowSettings.URL
            + ") to "
            + call.operation()
            + " ("
            + method
            + " "
            + path
            + ") after "
            + attempts(attempts)
            + ": "
            + describe(cause)
            + ". Is Airflow running, and is the URL right?",
        cause);
  }

  static AirflowException timeout(
      Call call, String method, String path, Duration timeout, Throwable cause, int attempts) {
    return new AirflowException(
        Kind.TIMEOUT,
        null,
        method,
        path,
        null,
        "Airflow did not answer "
            + method
            + " "
            + path
            + " (to "
            + call.operation()
            + ") within the timeout of "
            + AirflowSettings.describe(timeout)
            + " ("
            + AirflowSettings.TIMEOUT
            + "), after "
            + attempts(attempts)
            + ".",
        cause);
  }

  static AirflowException invalidResponse(
      Call call, String method, String path, int status, String what) {
    return new AirflowException(
        Kind.INVALID_RESPONSE,
        status,
        method,
        path,
        null,
        "Airflow's answer to "
            + method
            + " "
            + path
            + " (to "
            + call.operation()
            + ", status "
            + status
            + ") is not what its API specifies: "
            + what
            + ". Is "
            + AirflowSettings.URL
            + " Airflow's base URL?",
        null);
  }

  static AirflowException interrupted(Call call, String method, String path, Throwable cause) {
    return new AirflowException(
        Kind.INTERRUPTED,
        null,
        method,
        path,
        null,
        "Interrupted while waiting to " + call.operation() + " (" + method + " " + path + ")",
        cause);
  }

  private static String notFound(Call call, String request) {
    if (call.dagRunId() != null) {
      return "Airflow has no run '"
          + call.dagRunId()
          + "' of DAG '"
          + call.dagId()
          + "' ("
          + request
          + "): check the run id, and that the DAG file of '"
          + call.dagId()
          + "' is deployed.";
    }
    if (call.dagId() != null) {
      return "Airflow does not know DAG '"
          + call.dagId()
          + "' ("
          + request
          + "): is the DAG file deployed to Airflow's DAGs folder and parsed without import"
          + " errors? Check the DAG id (lakeml's DAG ids are <project>__<pipeline>).";
    }
    return "Airflow has no such resource (" + request + "): check " + AirflowSettings.URL + ".";
  }

  private static String attempts(int n) {
    return n == 1 ? "1 attempt" : n + " attempts";
  }

  private static String reason(int status) {
    switch (status) {
      case 400:
        return " Bad Request";
      case 401:
        return " Unauthorized";
      case 403:
        return " Forbidden";
      case 404:
        return " Not Found";
      case 409:
        return " Conflict";
      case 422:
        return " Unprocessable Entity";
      case 429:
        return " Too Many Requests";
      case 500:
        return " Internal Server Error";
      case 502:
        return " Bad Gateway";
      case 503:
        return " Service Unavailable";
      case 504:
        return " Gateway Timeout";
      default:
        return "";
    }
  }

  /** The most telling message in a chain of causes (the JDK's are often null at the top). */
  private static String describe(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c.getMessage() != null && !c.getMessage().isBlank()) {
        return c.getClass().getSimpleName() + ": " + c.getMessage();
      }
    }
    return t == null ? "unknown cause" : t.getClass().getSimpleName();
  }
}
