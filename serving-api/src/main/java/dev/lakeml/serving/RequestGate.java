package dev.lakeml.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.Callback;

/**
 * What a request must get past before any route sees it, so that slow or careless clients cost the
 * server no worker thread and no in-flight slot.
 *
 * <ul>
 *   <li><b>Head deadline</b>: a connection that has sent part of a request head (request line and
 *       headers) and not finished it within {@code headTimeout} is closed, however steadily it
 *       trickles bytes (slowloris). A scan of the open connections every {@code headTimeout / 4}
 *       finds them from the HTTP parser's state; no thread waits on a slow head.
 *   <li><b>Body deadline</b>: the body is read without blocking a thread (Jetty calls back when
 *       bytes arrive) into a buffer of at most {@code maxBodyBytes}; one that is not complete
 *       within {@code bodyTimeout} of its head is answered 408 (problem+json) and the connection
 *       closed; one that is larger is answered 413. Only a complete body goes on to the route, so
 *       the in-flight slot of {@link ServingServer} is held for processing only.
 *   <li>{@code X-HTTP-Method-Override} is removed: the method is the request line's, always.
 * </ul>
 *
 * Idle keep-alive connections are closed by the connector's idle timeout ({@code --idle-timeout}).
 */
final class RequestGate extends Handler.Wrapper {
  static final String METHOD_OVERRIDE = "X-HTTP-Method-Override";

  private final long maxBodyBytes;
  private final Duration headTimeout;
  private final Duration bodyTimeout;
  private final ObjectMapper mapper;
  private final ServingMetrics metrics;
  private final ScheduledExecutorService timer;
  private final Map<EndPoint, Started> heads = new ConcurrentHashMap<>();
  private ScheduledFuture<?> scan;

  /** When a connection was first seen part-way through a request head. */
  private record Started(long messagesIn, long nanos) {}

  RequestGate(
      long maxBodyBytes,
      Duration headTimeout,
      Duration bodyTimeout,
      ObjectMapper mapper,
      ServingMetrics metrics,
      ScheduledExecutorService timer) {
    this.maxBodyBytes = maxBodyBytes;
    this.headTimeout = headTimeout;
    this.bodyTimeout = bodyTimeout;
    this.mapper = mapper;
    this.metrics = metrics;
    this.timer = timer;
  }

  /** Starts the scan for slow heads over the server's connectors. */
  void watch(Server server) {
    long every = Math.max(10, headTimeout.toMillis() / 4);
    scan =
        timer.scheduleWithFixedDelay(() -> scanHeads(server), every, every, TimeUnit.MILLISECONDS);
  }

  void stopWatching() {
    if (scan != null) {
      scan.cancel(false);
    }
    heads.clear();
  }

  private void scanHeads(Server server) {
    long now = System.nanoTime();
    java.util.Set<EndPoint> seen = new java.util.HashSet<>();
    for (Connector connector : server.getConnectors()) {
      for (EndPoint endPoint : connector.getConnectedEndPoints()) {
        Connection c = endPoint.getConnection();
        if (!(c instanceof HttpConnection http) || !inHead(http.getParser().getState())) {
          continue;
        }
        seen.add(endPoint);
        long messages = http.getMessagesIn();
        Started started = heads.get(endPoint);
        if (started == null || started.messagesIn() != messages) {
          heads.put(endPoint, new Started(messages, now));
        } else if (now - started.nanos() > headTimeout.toNanos()) {
          heads.remove(endPoint);
          metrics.count(
              "lakeml_slow_requests_total",
              "requests refused for not arriving within their deadline",
              "part",
              "head");
          endPoint.close();
        }
      }
    }
    heads.keySet().retainAll(seen);
  }

  /** The parser has begun a request and not yet read all of its head. */
  static boolean inHead(HttpParser.State state) {
    return state.ordinal() > HttpParser.State.START.ordinal()
        && state.ordinal() <= HttpParser.State.HEADER.ordinal();
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    HttpFields headers = request.getHeaders();
    boolean override = headers.contains(METHOD_OVERRIDE);
    long length = request.getLength();
    boolean body = length > 0 || (length < 0 && headers.contains(HttpHeader.TRANSFER_ENCODING));
    if (!override && !body) {
      return super.handle(request, response, callback);
    }
    if (override) {
      headers = HttpFields.build(headers).remove(METHOD_OVERRIDE).asImmutable();
    }
    if (!body) {
      return super.handle(new Buffered(request, headers, null), response, callback);
    }
    if (length > maxBodyBytes) {
      refuse(request, response, callback, ApiException.bodyTooLarge(maxBodyBytes));
      return true;
    }
    new BodyRead(request, response, callback, headers).start();
    return true;
  }

  /** Answers with a problem document and closes the connection (the body was not all read). */
  private void refuse(Request request, Response response, Callback callback, ApiException e) {
    response.setStatus(e.status());
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, Http.PROBLEM_JSON);
    response.getHeaders().put(HttpHeader.CONNECTION, "close");
    e.headers().forEach((k, v) -> response.getHeaders().put(k, v));
    byte[] bytes = Http.problemBytes(e, Request.getPathInContext(request), null, mapper);
    response.write(true, ByteBuffer.wrap(bytes), callback);
  }

  /** One body being read as it arrives, then handed to the routes, or refused. */
  private final class BodyRead {
    private final Request request;
    private final Response response;
    private final Callback callback;
    private final HttpFields headers;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final AtomicBoolean done = new AtomicBoolean();
    private ScheduledFuture<?> deadline;

    BodyRead(Request request, Response response, Callback callback, HttpFields headers) {
      this.request = request;
      this.response = response;
      this.callback = callback;
      this.headers = headers;
    }

    void start() {
      long elapsed = System.nanoTime() - request.getHeadersNanoTime();
      long left = Math.max(0, bodyTimeout.toNanos() - elapsed);
      deadline = timer.schedule(this::tooSlow, left, TimeUnit.NANOSECONDS);
      read();
    }

    private void tooSlow() {
      if (done.compareAndSet(false, true)) {
        metrics.count(
            "lakeml_slow_requests_total",
            "requests refused for not arriving within their deadline",
            "part",
            "body");
        refuse(
            request,
            response,
            callback,
            new ApiException(
                408,
                "request-timeout",
                "Request timeout",
                "the request body did not arrive within "
                    + bodyTimeout.toMillis()
                    + " ms of its head ("
                    + bytes.size()
                    + " bytes arrived)"));
      }
    }

    private void read() {
      while (!done.get()) {
        Content.Chunk chunk = request.read();
        if (chunk == null) {
          request.demand(this::read);
          return;
        }
        if (Content.Chunk.isFailure(chunk)) {
          if (done.compareAndSet(false, true)) {
            deadline.cancel(false);
            callback.failed(chunk.getFailure());
          }
          return;
        }
        ByteBuffer buffer = chunk.getByteBuffer();
        boolean tooLarge = bytes.size() + (long) buffer.remaining() > maxBodyBytes;
        if (!tooLarge) {
          byte[] part = new byte[buffer.remaining()];
          buffer.get(part);
          bytes.write(part, 0, part.length);
        }
        boolean last = chunk.isLast();
        chunk.release();
        if (tooLarge) {
          if (done.compareAndSet(false, true)) {
            deadline.cancel(false);
            refuse(request, response, callback, ApiException.bodyTooLarge(maxBodyBytes));
          }
          return;
        }
        if (last) {
          if (done.compareAndSet(false, true)) {
            deadline.cancel(false);
            dispatch();
          }
          return;
        }
      }
    }

    private void dispatch() {
      try {
        if (!RequestGate.super.handle(
            new Buffered(request, headers, bytes.toByteArray()), response, callback)) {
          Response.writeError(request, response, callback, 404);
        }
      } catch (Throwable t) {
        callback.failed(t);
      }
    }
  }

  /** The request as the routes see it: its headers (without the override) and the whole body. */
  private static final class Buffered extends Request.Wrapper {
    private final HttpFields headers;
    private Content.Chunk next;

    Buffered(Request request, HttpFields headers, byte[] body) {
      super(request);
      this.headers = headers;
      this.next = body == null ? null : Content.Chunk.from(ByteBuffer.wrap(body), true);
    }

    @Override
    public HttpFields getHeaders() {
      return headers;
    }

    @Override
    public synchronized Content.Chunk read() {
      if (next == null) {
        return super.read();
      }
      Content.Chunk out = next;
      next = Content.Chunk.EOF;
      return out;
    }

    @Override
    public void demand(Runnable demandCallback) {
      synchronized (this) {
        if (next == null) {
          super.demand(demandCallback);
          return;
        }
      }
      demandCallback.run();
    }
  }
}
