package dev.lakeml.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakeml.schemas.auth.ApiKeys;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.project.ProjectLoader;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serving API: one Javalin server wired with its dependencies. All routes are registered in
 * {@link #routes}, each through one wrapper that applies draining, authentication and the in-flight
 * limit, so no route can forget them.
 */
public final class ServingServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ServingServer.class);
  static final String REQUEST_ID = "lakeml.request_id";
  static final String ROUTE = "lakeml.route";
  static final String KEY_NAME = "lakeml.key_name";
  private static final Pattern REQUEST_ID_TEXT = Pattern.compile("[A-Za-z0-9._:\\-]{1,128}");

  /** Who may call a route. */
  enum Access {
    OPEN,
    READ,
    ADMIN
  }

  /** A registered route, for the OpenAPI check. */
  record Route(String method, String path, Access access) {}

  private final ServingConfig config;
  private final Clock clock;
  private final ObjectMapper mapper = Http.mapper();
  private final ServingMetrics metrics = new ServingMetrics();
  private final ApiKeys keys;
  private final AccessLog accessLog;
  private final Project project;
  private final OnlineSnapshots snapshots;
  private final Models models;
  private final PredictionLog predictionLog;
  private final Semaphore inFlight;
  private final AtomicInteger active = new AtomicInteger();
  private final List<Route> routes = new ArrayList<>();
  private final ScheduledExecutorService poller;
  private final ScheduledExecutorService deadlines;
  private final RequestGate gate;
  private volatile boolean draining;
  private Javalin app;
  private Server jetty;

  /**
   * Builds the server: reads the project and the API keys (a {@link ServingConfig.SettingException}
   * when either is wrong) and loads what is published so far. Nothing listens until {@link
   * #start()}.
   */
  public ServingServer(ServingConfig config, Clock clock, PrintStream accessOut) {
    this.config = config;
    this.clock = clock;
    try {
      this.keys = ApiKeys.load(config.apiKeysFile(), config.apiKeys());
    } catch (ApiKeys.KeyException e) {
      throw new ServingConfig.SettingException(e.getMessage());
    }
    this.accessLog = new AccessLog(accessOut, mapper, clock);
    try {
      this.project = ProjectLoader.load(config.project());
    } catch (RuntimeException e) {
      throw new ServingConfig.SettingException(
          "cannot load the project " + config.project() + ": " + e.getMessage());
    }
    this.inFlight = new Semaphore(config.maxConcurrent());
    this.snapshots = new OnlineSnapshots(snapshotSource(config, project), clock, metrics);
    this.predictionLog =
        new PredictionLog(
            config.logDir(), config.logRotateBytes(), config.logQueue(), mapper, clock, metrics);
    this.models = new Models(config, project, snapshots, clock, metrics, mapper, predictionLog);
    this.poller = daemonScheduler("lakeml-serving-poller");
    // Not the poller: verifying a large snapshot there must not delay a request's deadline.
    this.deadlines = daemonScheduler("lakeml-serving-deadlines");
    // A body's deadline is cancelled as soon as the body is in: drop it from the queue then,
    // rather than keep one cancelled task per request for --body-timeout.
    ((java.util.concurrent.ScheduledThreadPoolExecutor) deadlines).setRemoveOnCancelPolicy(true);
    this.gate =
        new RequestGate(
            config.maxBodyBytes(),
            config.headTimeout(),
            config.bodyTimeout(),
            mapper,
            metrics,
            deadlines);
  }

  private static ScheduledExecutorService daemonScheduler(String name) {
    return new java.util.concurrent.ScheduledThreadPoolExecutor(
        1,
        r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
  }

  /** Where the online snapshots come from, by {@code --backend}. */
  static OnlineSnapshots.Source snapshotSource(ServingConfig config, Project project) {
    if (ServingConfig.BACKEND_REDIS.equals(config.backend())) {
      ServingConfig.RedisAddress redis = config.redis().orElseThrow();
      // The prefix lakeml publish --backend redis uses by default.
      String prefix = config.redisPrefix().orElse("lakeml:" + project.name());
      return OnlineSnapshots.redis(redis.host(), redis.port(), prefix);
    }
    return OnlineSnapshots.rocksDb(
        config.onlinePath(), ServingConfig.BACKEND_MEMORY.equals(config.backend()));
  }

  /** Starts listening; returns the port (useful with port 0). */
  public int start() {
    refresh();
    app = Javalin.create(this::configure);
    app.start(config.host(), config.port());
    for (Connector c : jetty.getConnectors()) {
      if (c instanceof AbstractConnector connector) {
        connector.setIdleTimeout(config.idleTimeout().toMillis());
      }
    }
    gate.watch(jetty);
    long every = config.pollInterval().toMillis();
    poller.scheduleWithFixedDelay(this::refresh, every, every, TimeUnit.MILLISECONDS);
    LOG.info("serving-api listening on {}:{}", config.host(), app.port());
    return app.port();
  }

  public int port() {
    return app.port();
  }

  /** Polls the snapshot pointer and every model's aliases once (also run on a schedule). */
  void refresh() {
    try {
      snapshots.poll();
      models.poll();
    } catch (RuntimeException e) {
      LOG.error("refresh failed: {}", e.toString());
    }
  }

  List<Route> routes() {
    return List.copyOf(routes);
  }

  ServingMetrics metrics() {
    return metrics;
  }

  OnlineSnapshots snapshots() {
    return snapshots;
  }

  Models models() {
    return models;
  }

  private void configure(JavalinConfig cfg) {
    cfg.startup.showJavalinBanner = false;
    cfg.startup.showOldJavalinVersionWarning = false;
    cfg.http.maxRequestSize = Math.max(config.maxBodyBytes() * 2, 1 << 20);
    cfg.router.ignoreTrailingSlashes = true;
    cfg.jsonMapper(new io.javalin.json.JavalinJackson(mapper, false));
    // The gate wraps everything Javalin serves (Javalin attaches its handler inside it).
    cfg.jetty.modifyServer(
        server -> {
          server.setHandler(gate);
          server.setErrorHandler(new JettyErrors(mapper));
          jetty = server;
        });
    LookupApi lookups =
        new LookupApi(snapshots, mapper, clock, config.maxBodyBytes(), config.maxBatch());
    ScoreApi score = new ScoreApi(models, mapper, config.maxBodyBytes());
    AdminApi admin = new AdminApi(snapshots, models, mapper, config.maxBodyBytes());

    cfg.routes.before(this::requestId);
    route(
        cfg,
        HandlerType.GET,
        "/health/live",
        Access.OPEN,
        ctx -> Http.json(ctx, Map.of("status", "live"), mapper));
    route(cfg, HandlerType.GET, "/health/ready", Access.OPEN, this::ready);
    route(
        cfg,
        HandlerType.GET,
        "/metrics",
        Access.READ,
        ctx ->
            ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
    route(cfg, HandlerType.GET, "/openapi.yaml", Access.OPEN, this::openApi);
    route(cfg, HandlerType.GET, "/docs", Access.OPEN, ApiDocs::page);
    route(cfg, HandlerType.GET, "/docs/{file}", Access.OPEN, ApiDocs::file);
    route(cfg, HandlerType.GET, "/v1/features/{view}/{key}", Access.READ, lookups::features);
    route(cfg, HandlerType.GET, "/v1/predictions/{model}/{key}", Access.READ, lookups::prediction);
    route(cfg, HandlerType.POST, "/v1/predictions/{model}", Access.READ, lookups::predictionBatch);
    route(cfg, HandlerType.POST, "/v1/score/{model}", Access.READ, score::score);
    route(cfg, HandlerType.POST, "/admin/rollback", Access.ADMIN, admin::rollbackSnapshot);
    route(cfg, HandlerType.GET, "/admin/models/{model}/rollout", Access.ADMIN, admin::rollout);
    route(cfg, HandlerType.PUT, "/admin/models/{model}/rollout", Access.ADMIN, admin::setRollout);

    cfg.routes.exception(ApiException.class, (e, ctx) -> Http.problem(ctx, e, mapper));
    // The online store failed under a request (Redis unreachable, a damaged file): the server's
    // side, said as such, with the store named.
    cfg.routes.exception(
        dev.lakeml.schemas.snapshot.SnapshotException.class,
        (e, ctx) -> {
          LOG.error(
              "online store read failed for {} {}: {}", ctx.method(), ctx.path(), e.getMessage());
          metrics.count("lakeml_store_errors_total", "lookups the online store failed to answer");
          Http.problem(
              ctx, ApiException.unavailable("the online store failed: " + e.getMessage()), mapper);
        });
    cfg.routes.exception(
        HttpResponseException.class,
        (e, ctx) ->
            Http.problem(
                ctx,
                e.getStatus() == 404 && ctx.attribute(ROUTE) == null
                    ? noRoute(ctx)
                    : new ApiException(
                        e.getStatus(),
                        "http-" + e.getStatus(),
                        "HTTP " + e.getStatus(),
                        e.getMessage()),
                mapper));
    cfg.routes.exception(
        Exception.class,
        (e, ctx) -> {
          LOG.error("request {} {} failed", ctx.method(), ctx.path(), e);
          Http.problem(
              ctx,
              new ApiException(
                  500,
                  "internal",
                  "Internal error",
                  "the request failed inside the server; the log holds the cause (request id "
                      + ctx.attribute(REQUEST_ID)
                      + ")"),
              mapper);
        });
    cfg.routes.error(
        404,
        ctx -> {
          if (!Http.PROBLEM_JSON.equals(ctx.res().getContentType())
              && ctx.attribute(ROUTE) == null) {
            Http.problem(ctx, noRoute(ctx), mapper);
          }
        });
    cfg.requestLogger.http(this::logRequest);
  }

  /**
   * No route for this method and path: 405 with {@code Allow} when the path is a route's under
   * another method, else 404.
   */
  private ApiException noRoute(Context ctx) {
    String path = ctx.path();
    java.util.Set<String> allowed = new java.util.TreeSet<>();
    for (Route r : routes) {
      if (matches(r.path(), path)) {
        allowed.add(r.method());
      }
    }
    if (allowed.isEmpty()) {
      return ApiException.notFound(
          "route", "no route " + ctx.method() + " " + path + "; see /openapi.yaml");
    }
    String allow = String.join(", ", allowed);
    return new ApiException(
        405,
        "method-not-allowed",
        "Method not allowed",
        path + " does not take " + ctx.method() + "; it takes " + allow,
        Map.of("Allow", allow));
  }

  /** Whether a request path fits a route template ({@code /v1/features/{view}/{key}}). */
  static boolean matches(String template, String path) {
    String[] t = template.split("/", -1);
    String trimmed =
        path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    String[] p = trimmed.split("/", -1);
    if (t.length != p.length) {
      return false;
    }
    for (int i = 0; i < t.length; i++) {
      boolean param = t[i].startsWith("{") && t[i].endsWith("}");
      if (param ? p[i].isEmpty() : !t[i].equals(p[i])) {
        return false;
      }
    }
    return true;
  }

  private void route(JavalinConfig cfg, HandlerType method, String path, Access access, Handler h) {
    routes.add(new Route(method.name(), path, access));
    cfg.routes.addHttpHandler(method, path, guarded(path, access, h));
  }

  private Handler guarded(String path, Access access, Handler h) {
    return ctx -> {
      ctx.attribute(ROUTE, path);
      active.incrementAndGet();
      try {
        if (draining) {
          ctx.header("Connection", "close");
          throw ApiException.unavailable("the server is shutting down");
        }
        if (access != Access.OPEN) {
          authenticate(ctx, access);
          if (!inFlight.tryAcquire()) {
            metrics.count("lakeml_shed_total", "requests refused because the server was full");
            throw ApiException.overloaded(config.maxConcurrent());
          }
          try {
            h.handle(ctx);
          } finally {
            inFlight.release();
          }
        } else {
          h.handle(ctx);
        }
      } finally {
        active.decrementAndGet();
      }
    };
  }

  private void authenticate(Context ctx, Access access) {
    String presented = ctx.header("X-API-Key");
    if (presented == null) {
      String auth = ctx.header("Authorization");
      if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
        presented = auth.substring(7).trim();
      }
    }
    if (presented == null || presented.isEmpty()) {
      throw ApiException.unauthorized(
          "an API key is required: send it as X-API-Key or Authorization: Bearer <key>");
    }
    Optional<ApiKeys.Caller> caller = keys.authenticate(presented);
    if (caller.isEmpty()) {
      throw ApiException.unauthorized("the API key is not known");
    }
    ctx.attribute(KEY_NAME, caller.get().name());
    ApiKeys.Role required = access == Access.ADMIN ? ApiKeys.Role.ADMIN : ApiKeys.Role.READ;
    if (!caller.get().role().allows(required)) {
      throw ApiException.forbidden(
          "key '" + caller.get().name() + "' has role read; this endpoint needs an admin key");
    }
  }

  private void requestId(Context ctx) {
    String id = ctx.header("X-Request-Id");
    if (id == null || !REQUEST_ID_TEXT.matcher(id).matches()) {
      // A random (version 4) UUID from ThreadLocalRandom: a request id is no secret, and
      // UUID.randomUUID() takes SecureRandom's lock on every request.
      ThreadLocalRandom r = ThreadLocalRandom.current();
      long msb = (r.nextLong() & ~0xF000L) | 0x4000L;
      long lsb = (r.nextLong() & ~(0xC000L << 48)) | (0x8000L << 48);
      id = new UUID(msb, lsb).toString();
    }
    ctx.attribute(REQUEST_ID, id);
    ctx.header("X-Request-Id", id);
  }

  private void logRequest(Context ctx, Float ms) {
    String route = ctx.attribute(ROUTE);
    String r = route == null ? "unmatched" : route;
    int status = ctx.status().getCode();
    metrics.request(ctx.method().name(), r, status, (long) (ms * 1_000_000L));
    accessLog.log(
        ctx.method().name(),
        ctx.path(),
        r,
        status,
        ms,
        ctx.attribute(REQUEST_ID),
        ctx.attribute(KEY_NAME));
  }

  private void ready(Context ctx) {
    List<String> missing = new ArrayList<>();
    if (snapshots.versionOrZero() == 0) {
      missing.add("online snapshot: " + snapshots.lastError());
    }
    missing.addAll(models.notReady());
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("snapshot_version", snapshots.versionOrZero());
    body.put("models", models.summary());
    if (!missing.isEmpty()) {
      body.put("missing", missing);
      throw new ApiException(
              503,
              "not-ready",
              "Not ready",
              "not ready: " + String.join("; ", missing),
              Map.of("Retry-After", "5"))
          .with(body);
    }
    body.put("status", "ready");
    Http.json(ctx, body, mapper);
  }

  private void openApi(Context ctx) throws Exception {
    try (InputStream in = ServingServer.class.getResourceAsStream("/openapi.yaml")) {
      if (in == null) {
        throw ApiException.notFound("document", "openapi.yaml is not bundled");
      }
      ctx.contentType("application/yaml; charset=utf-8").result(in.readAllBytes());
    }
  }

  /**
   * Stops gracefully: new requests are answered 503 at once, requests in flight get up to the drain
   * timeout to finish, then the listener stops and the snapshot, models and log are closed.
   */
  @Override
  public void close() {
    draining = true;
    poller.shutdownNow();
    gate.stopWatching();
    long deadline = System.nanoTime() + config.drainTimeout().toNanos();
    while (active.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (active.get() > 0) {
      LOG.warn(
          "{} request(s) still running after the drain timeout; stopping anyway", active.get());
    }
    if (app != null) {
      app.stop();
    }
    deadlines.shutdownNow();
    models.close();
    snapshots.close();
    predictionLog.close();
    accessLog.close();
  }

  /** Waits until the access log lines queued so far are written (for tests). */
  void flushAccessLog() {
    accessLog.flush();
  }
}
