package dev.lakeml.serving;

import java.util.Map;

/**
 * An error answered as {@code application/problem+json} (RFC 9457): every user-facing failure of
 * the API is built by one of the factories here, so status, type and wording stay consistent.
 */
public final class ApiException extends RuntimeException {
  static final String TYPE_BASE = "https://lakeml.dev/problems/";

  private final int status;
  private final String type;
  private final String title;
  private final Map<String, String> headers;
  private Map<String, Object> extensions = Map.of();

  ApiException(int status, String type, String title, String detail, Map<String, String> headers) {
    super(detail, null, false, false);
    this.status = status;
    this.type = type;
    this.title = title;
    this.headers = Map.copyOf(headers);
  }

  ApiException(int status, String type, String title, String detail) {
    this(status, type, title, detail, Map.of());
  }

  public int status() {
    return status;
  }

  public String type() {
    return TYPE_BASE + type;
  }

  public String title() {
    return title;
  }

  public String detail() {
    return getMessage();
  }

  public Map<String, String> headers() {
    return headers;
  }

  /** Extra members of the problem document (e.g. the list of missing features). */
  public Map<String, Object> extensions() {
    return extensions;
  }

  ApiException with(Map<String, Object> extensions) {
    this.extensions = Map.copyOf(extensions);
    return this;
  }

  static ApiException badRequest(String detail) {
    return new ApiException(400, "bad-request", "Bad request", detail);
  }

  static ApiException malformedJson(String detail) {
    return new ApiException(400, "malformed-json", "Malformed JSON", detail);
  }

  static ApiException invalidField(String field, String detail) {
    return new ApiException(400, "invalid-field", "Invalid field '" + field + "'", detail);
  }

  static ApiException unknownField(String field, String allowed) {
    return new ApiException(
        400,
        "unknown-field",
        "Unknown field '" + field + "'",
        "field '" + field + "' is not accepted here; accepted fields: " + allowed);
  }

  /** An input of the model, computed from the request, that a model cannot take. */
  static ApiException invalidInput(String input, String detail) {
    return new ApiException(422, "invalid-input", "Invalid model input '" + input + "'", detail);
  }

  /** The model gave no finite score for inputs it accepted: nothing is returned or logged. */
  static ApiException nonFiniteScore(String detail) {
    return new ApiException(422, NON_FINITE_SCORE, "No finite score", detail);
  }

  static final String NON_FINITE_SCORE = "non-finite-score";

  boolean isNonFiniteScore() {
    return type.equals(NON_FINITE_SCORE);
  }

  static ApiException invalidKey(String detail) {
    return new ApiException(400, "invalid-key", "Invalid key", detail);
  }

  static ApiException unauthorized(String detail) {
    return new ApiException(
        401,
        "unauthorized",
        "Unauthorized",
        detail,
        Map.of("WWW-Authenticate", "Bearer realm=\"lakeml\""));
  }

  static ApiException forbidden(String detail) {
    return new ApiException(403, "forbidden", "Forbidden", detail);
  }

  static ApiException notFound(String what, String detail) {
    return new ApiException(404, what + "-not-found", "Not found", detail);
  }

  static ApiException bodyTooLarge(long limit) {
    return new ApiException(
        413,
        "body-too-large",
        "Request body too large",
        "the request body exceeds the limit of " + limit + " bytes");
  }

  static ApiException unprocessable(String type, String title, String detail) {
    return new ApiException(422, type, title, detail);
  }

  static ApiException overloaded(int limit) {
    return new ApiException(
        503,
        "overloaded",
        "Overloaded",
        "the server is processing its limit of " + limit + " requests; retry shortly",
        Map.of("Retry-After", "1"));
  }

  static ApiException unavailable(String detail) {
    return new ApiException(
        503, "unavailable", "Service unavailable", detail, Map.of("Retry-After", "5"));
  }
}
