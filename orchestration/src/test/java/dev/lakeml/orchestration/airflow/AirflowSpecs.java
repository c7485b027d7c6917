package dev.lakeml.orchestration.airflow;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Airflow's published OpenAPI documents (copies under {@code src/test/resources/airflow/}) as
 * request/response validators (swagger-request-validator).
 *
 * <p>Airflow 2.10's document is OpenAPI 3.0.3 and loads as it is; its {@code servers} URL {@code
 * /api/v1} is the base path of its paths. Its collections are {@code allOf} compositions, which the
 * validator checks correctly only with combinators resolved (its FAQ: it adds {@code
 * additionalProperties: false} to each part otherwise).
 *
 * <p>Airflow 3.2's document says {@code openapi: 3.1.0}. swagger-request-validator 2.44.1 loads it,
 * but validates 3.1 schemas wrongly: swagger-parser's 3.1 model keeps types in {@code types} and
 * leaves {@code type} empty, so the validator parses every string path and query parameter as JSON
 * (false errors), checks no types at all in bodies, and drops {@code additionalProperties: true}
 * (false errors on every {@code conf}). The copy's schemas are written in OpenAPI 3.0 terms ({@code
 * nullable: true}, one {@code type}; nullability is never written as 3.1's {@code type: [...,
 * "null"]} in the schemas the client uses), so it is parsed as 3.0 instead: the {@code openapi}
 * line is read as {@code 3.0.3}, and the parser's complaints must be exactly {@link
 * #V2_KNOWN_31_ONLY_KEYWORDS}, 3.1-only keywords ({@code const}, {@code prefixItems}) in schemas of
 * operations the client does not call. One more adjustment: a path parameter whose schema has no
 * type (Airflow 3's {@code POST /dags/{dag_id}/dagRuns} declares {@code dag_id} with a title only)
 * gets {@code type: string} — a path segment is always a string, and a schema without a type
 * accepts every string, so this changes no verdict; without it the validator tries to parse the
 * segment as JSON.
 */
final class AirflowSpecs {
  static final String V1_RESOURCE = "/airflow/airflow-2.10.0-v1.yaml";
  static final String V2_RESOURCE = "/airflow/airflow-3.2.1-v2.yaml";

  /** What swagger-parser reports when the 3.x document is parsed as OpenAPI 3.0. */
  static final Set<String> V2_KNOWN_31_ONLY_KEYWORDS =
      Set.of(
          "attribute components.schemas.BulkCreateAction_BulkTaskInstanceBody_.const is unexpected",
          "attribute components.schemas.BulkCreateAction_ConnectionBody_.const is unexpected",
          "attribute components.schemas.BulkCreateAction_PoolBody_.const is unexpected",
          "attribute components.schemas.BulkCreateAction_VariableBody_.const is unexpected",
          "attribute components.schemas.BulkDeleteAction_BulkTaskInstanceBody_.const is unexpected",
          "attribute components.schemas.BulkDeleteAction_ConnectionBody_.const is unexpected",
          "attribute components.schemas.BulkDeleteAction_PoolBody_.const is unexpected",
          "attribute components.schemas.BulkDeleteAction_VariableBody_.const is unexpected",
          "attribute components.schemas.BulkUpdateAction_BulkTaskInstanceBody_.const is unexpected",
          "attribute components.schemas.BulkUpdateAction_ConnectionBody_.const is unexpected",
          "attribute components.schemas.BulkUpdateAction_PoolBody_.const is unexpected",
          "attribute components.schemas.BulkUpdateAction_VariableBody_.const is unexpected",
          "attribute components.schemas.ClearTaskInstancesBody.prefixItems is unexpected",
          "attribute components.schemas.ConfigOption.prefixItems is unexpected",
          "attribute paths.'/api/v2/dags/{dag_id}/dagRuns/list'(post).parameters.[dag_id]"
              + ".schemas.const is unexpected",
          "attribute paths.'/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/list'(post)"
              + ".parameters.[dag_id].schemas.const is unexpected",
          "attribute paths.'/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/list'(post)"
              + ".parameters.[dag_run_id].schemas.const is unexpected",
          "attribute components.schemas.ClearTaskInstancesBody.items is missing",
          "attribute components.schemas.ConfigOption.items is missing");

  private static OpenApiInteractionValidator v1;
  private static OpenApiInteractionValidator v2;
  private static List<String> typedPathParameters;

  private AirflowSpecs() {}

  /** Airflow 2.10's {@code /api/v1}. */
  static synchronized OpenApiInteractionValidator v1() {
    if (v1 == null) {
      v1 =
          OpenApiInteractionValidator.createForSpecificationUrl(
                  AirflowSpecs.class.getResource(V1_RESOURCE).toString())
              .withBasePathOverride("/api/v1")
              // DAGRunCollection is allOf(dag_runs, CollectionInfo): merge it into one schema, the
              // validator FAQ's remedy for allOf with its injected additionalProperties: false.
              .withResolveCombinators(true)
              .build();
    }
    return v1;
  }

  /** Airflow 3.2's {@code /api/v2}, parsed as OpenAPI 3.0 (see the class comment). */
  static synchronized OpenApiInteractionValidator v2() {
    if (v2 == null) {
      String text = read(V2_RESOURCE);
      String declared = "\nopenapi: 3.1.0\n";
      if (!text.contains(declared)) {
        throw new IllegalStateException(V2_RESOURCE + " no longer declares openapi: 3.1.0");
      }
      ParseOptions options = new ParseOptions(); // as the validator's own defaults
      options.setResolve(true);
      options.setResolveFully(true);
      options.setResolveCombinators(false);
      SwaggerParseResult parsed =
          new OpenAPIParser()
              .readContents(text.replace(declared, "\nopenapi: 3.0.3\n"), null, options);
      Set<String> unexpected = new TreeSet<>(parsed.getMessages());
      unexpected.removeAll(V2_KNOWN_31_ONLY_KEYWORDS);
      if (!unexpected.isEmpty() || parsed.getOpenAPI() == null) {
        throw new IllegalStateException(
            V2_RESOURCE + " parsed as OpenAPI 3.0 with new complaints: " + unexpected);
      }
      typedPathParameters = typeUntypedPathParameters(parsed.getOpenAPI());
      v2 = OpenApiInteractionValidator.createFor(parsed.getOpenAPI()).build();
    }
    return v2;
  }

  /** The path parameters {@link #v2()} gave {@code type: string}, as "METHOD path name". */
  static synchronized List<String> typedPathParameters() {
    v2();
    return typedPathParameters;
  }

  static OpenApiInteractionValidator forApi(String apiPath) {
    return AirflowVersion.V1.equals(apiPath) ? v1() : v2();
  }

  /** The validator's verdict on a request. */
  static ValidationReport validateRequest(
      OpenApiInteractionValidator validator,
      String method,
      String rawPath,
      Map<String, List<String>> query,
      Map<String, List<String>> headers,
      String body) {
    SimpleRequest.Builder b = new SimpleRequest.Builder(method, rawPath);
    headers.forEach(b::withHeader);
    query.forEach(b::withQueryParam);
    if (body != null && !body.isEmpty()) {
      b.withBody(body);
    }
    synchronized (validator) {
      return validator.validateRequest(b.build());
    }
  }

  /** The validator's verdict on a response. */
  static ValidationReport validateResponse(
      OpenApiInteractionValidator validator,
      String method,
      String rawPath,
      int status,
      String contentType,
      String body) {
    SimpleResponse.Builder b = SimpleResponse.Builder.status(status);
    if (contentType != null) {
      b.withContentType(contentType);
    }
    if (body != null) {
      b.withBody(body);
    }
    synchronized (validator) {
      return validator.validateResponse(rawPath, Request.Method.valueOf(method), b.build());
    }
  }

  private static List<String> typeUntypedPathParameters(OpenAPI api) {
    List<String> typed = new ArrayList<>();
    for (Map.Entry<String, PathItem> p : api.getPaths().entrySet()) {
      List<Parameter> shared = p.getValue().getParameters();
      typeUntyped(shared, "*", p.getKey(), typed);
      for (Map.Entry<PathItem.HttpMethod, Operation> o :
          p.getValue().readOperationsMap().entrySet()) {
        typeUntyped(o.getValue().getParameters(), o.getKey().name(), p.getKey(), typed);
      }
    }
    return typed;
  }

  private static void typeUntyped(
      List<Parameter> parameters, String method, String path, List<String> typed) {
    if (parameters == null) {
      return;
    }
    for (Parameter parameter : parameters) {
      var schema = parameter.getSchema();
      if ("path".equals(parameter.getIn())
          && schema != null
          && schema.getType() == null
          && schema.get$ref() == null
          && schema.getAllOf() == null
          && schema.getAnyOf() == null
          && schema.getOneOf() == null) {
        schema.setType("string");
        typed.add(method + " " + path + " " + parameter.getName());
      }
    }
  }

  private static String read(String resource) {
    try (InputStream in = AirflowSpecs.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
