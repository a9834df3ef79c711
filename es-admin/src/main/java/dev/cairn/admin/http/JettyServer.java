package dev.cairn.admin.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves an {@link ApiHandler} on Jetty 12's core server (no servlets), within {@link HttpLimits}.
 *
 * <p>Why Jetty: the JDK's HttpServer reads each request's headers and body on a worker thread with
 * no deadline, so eight clients that send a byte a second stop it, and its only limits are
 * JVM-wide system properties, which a library must not set. Jetty reads without holding a thread
 * (a slow client costs a buffer, not a worker), has per-server limits (header size, idle timeout,
 * connection count), is on Maven Central, is maintained with frequent releases, and its core
 * module is small (server, http, io, util: about 2 MB, no servlet API). Undertow would have done as
 * well; Jetty 12's core handler API ({@code handle(request, response, callback)}) maps one to one
 * onto a request-to-response handler.
 *
 * <p>What this adapter adds to Jetty: a deadline for headers ({@link HeaderDeadline}) and for the
 * body (408), a body size limit (413, before reading when the length is declared), a bounded
 * worker pool whose overflow is a 503 with {@code Retry-After}, and JSON for every error,
 * including those Jetty answers itself (a malformed request line, headers too large).
 */
public final class JettyServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(JettyServer.class);

  private final Server server;
  private final ServerConnector connector;
  private final ThreadPoolExecutor workers;

  /**
   * Creates the server; {@link #start()} opens the port.
   *
   * @param handler what answers the requests
   * @param host the address to listen on, e.g. {@code 127.0.0.1}
   * @param port the port; 0 picks a free one
   * @param limits what one client is allowed
   */
  public JettyServer(ApiHandler handler, String host, int port, HttpLimits limits) {
    AtomicInteger ids = new AtomicInteger();
    this.workers =
        new ThreadPoolExecutor(
            limits.workers(),
            limits.workers(),
            60,
            TimeUnit.SECONDS,
            limits.queue() == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(limits.queue()),
            r -> {
              Thread t = new Thread(r, "cairn-api-" + ids.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    QueuedThreadPool io = new QueuedThreadPool(32, 4);
    io.setName("cairn-http");
    this.server = new Server(io);
    HttpConfiguration config = new HttpConfiguration();
    config.setSendServerVersion(false);
    config.setRequestHeaderSize(8 * 1024);
    this.connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(config));
    connector.setHost(host);
    connector.setPort(port);
    connector.setIdleTimeout(limits.idleTimeout().toMillis());
    connector.addBean(new HeaderDeadline(limits.headerTimeout()));
    server.addConnector(connector);
    server.addBean(new NetworkConnectionLimit(limits.maxConnections(), server));
    server.setErrorHandler(new JsonErrors());
    server.setHandler(new Adapter(handler, limits, workers));
  }

  /**
   * Opens the port and starts serving.
   *
   * @throws IllegalStateException if the server cannot start (the port is taken, say)
   */
  public void start() {
    try {
      server.start();
    } catch (Exception e) {
      throw new IllegalStateException("the HTTP server could not start on port " + connector.getPort() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Returns the port it listens on.
   *
   * @return the local port
   */
  public int port() {
    return connector.getLocalPort();
  }

  /** Stops serving and ends the workers. */
  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      LOG.warn("stopping the HTTP server failed: {}", e.toString());
    }
    workers.shutdownNow();
  }

  /** Reads the body within the limits, then runs the handler on a worker. */
  private static final class Adapter extends Handler.Abstract {

    /** The most of an oversized body read and discarded before answering 413 (see refuseTooLarge). */
    private static final long SWALLOW_BYTES = 256L << 20;

    private final ApiHandler handler;
    private final HttpLimits limits;
    private final ThreadPoolExecutor workers;

    Adapter(ApiHandler handler, HttpLimits limits, ThreadPoolExecutor workers) {
      super(InvocationType.NON_BLOCKING);
      this.handler = handler;
      this.limits = limits;
      this.workers = workers;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      long declared = request.getLength();
      if (declared > limits.maxBodyBytes()) {
        refuseTooLarge(request, response, callback, 0);
        return true;
      }
      CompletableFuture<byte[]> body = new CompletableFuture<>();
      if (declared == 0 || (declared < 0 && !request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING))) {
        body.complete(new byte[0]);
      } else {
        read(request, new ByteArrayOutputStream(declared > 0 ? (int) declared : 1024), body);
        body.orTimeout(limits.bodyTimeout().toMillis(), TimeUnit.MILLISECONDS);
      }
      body.whenComplete(
          (bytes, failure) -> {
            if (failure != null) {
              answerReadFailure(request, response, callback, failure);
              return;
            }
            try {
              workers.execute(() -> run(request, response, callback, bytes));
            } catch (RejectedExecutionException e) {
              ApiResponse busy =
                  ApiResponse.error(503, "overloaded", "the server has " + limits.workers() + " requests running and "
                          + limits.queue() + " waiting; try again shortly")
                      .withHeader("Retry-After", "1");
              write(response, callback, busy, false);
            }
          });
      return true;
    }

    private void read(Request request, ByteArrayOutputStream buffer, CompletableFuture<byte[]> done) {
      while (!done.isDone()) {
        Content.Chunk chunk = request.read();
        if (chunk == null) {
          request.demand(() -> read(request, buffer, done));
          return;
        }
        if (Content.Chunk.isFailure(chunk)) {
          done.completeExceptionally(chunk.getFailure());
          return;
        }
        ByteBuffer bytes = chunk.getByteBuffer();
        if (buffer.size() + (long) bytes.remaining() > limits.maxBodyBytes()) {
          long read = buffer.size() + (long) bytes.remaining();
          boolean last = chunk.isLast();
          chunk.release();
          done.completeExceptionally(new BodyTooLarge(last ? -1 : read));
          return;
        }
        byte[] copy = new byte[bytes.remaining()];
        bytes.get(copy);
        buffer.writeBytes(copy);
        boolean last = chunk.isLast();
        chunk.release();
        if (last) {
          done.complete(buffer.toByteArray());
          return;
        }
      }
    }

    private void answerReadFailure(Request request, Response response, Callback callback, Throwable failure) {
      Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
      if (cause instanceof BodyTooLarge tooLarge) {
        refuseTooLarge(request, response, callback, tooLarge.read);
      } else if (cause instanceof TimeoutException) {
        write(response, callback,
            ApiResponse.error(408, "request_timeout", "the request body did not arrive within " + limits.bodyTimeout()), true);
      } else {
        // The client went away or sent a malformed body (a bad chunk, say).
        write(response, callback, ApiResponse.error(400, "invalid_request", "the request body could not be read: " + cause), true);
      }
    }

    private void run(Request request, Response response, Callback callback, byte[] body) {
      ApiResponse answer;
      try {
        Map<String, String> headers = new LinkedHashMap<>();
        for (HttpField field : request.getHeaders()) {
          headers.putIfAbsent(field.getLowerCaseName(), field.getValue());
        }
        answer =
            handler.handle(
                ApiRequest.of(
                    request.getMethod(), request.getHttpURI().getPath(), request.getHttpURI().getQuery(), headers, body,
                    Request.getRemoteAddr(request)));
      } catch (ApiException e) {
        answer = e.response();
      } catch (RuntimeException e) {
        LOG.error("{} {} failed", request.getMethod(), request.getHttpURI().getPath(), e);
        answer = ApiResponse.error(500, "internal_error", "the server failed; see its log");
      }
      write(response, callback, answer, false);
    }

    /**
     * Answers 413 after reading and discarding the rest of the body, up to {@link #SWALLOW_BYTES}
     * and the body timeout, then closes. A server that answers and closes while the client is
     * still sending makes the client's TCP stack see a reset, and the client loses the 413 (the
     * JDK client reported "header parser received no bytes" for a 10 MB body). Past the bound it
     * answers and closes at once: a client sending more than that gets a reset, not our memory.
     *
     * @param alreadyRead bytes of the body read so far, or -1 if the body has ended
     */
    private void refuseTooLarge(Request request, Response response, Callback callback, long alreadyRead) {
      if (alreadyRead < 0) {
        write(response, callback, tooLarge(), true);
        return;
      }
      CompletableFuture<Void> drained = new CompletableFuture<>();
      swallow(request, alreadyRead, drained);
      drained
          .orTimeout(limits.bodyTimeout().toMillis(), TimeUnit.MILLISECONDS)
          .whenComplete((ignored, failure) -> write(response, callback, tooLarge(), true));
    }

    private void swallow(Request request, long read, CompletableFuture<Void> done) {
      long total = read;
      while (!done.isDone()) {
        Content.Chunk chunk = request.read();
        if (chunk == null) {
          long soFar = total;
          request.demand(() -> swallow(request, soFar, done));
          return;
        }
        if (Content.Chunk.isFailure(chunk)) {
          done.complete(null);
          return;
        }
        total += chunk.getByteBuffer().remaining();
        boolean last = chunk.isLast();
        chunk.release();
        if (last || total > SWALLOW_BYTES) {
          done.complete(null);
          return;
        }
      }
    }

    private ApiResponse tooLarge() {
      return ApiResponse.error(413, "body_too_large", "the request body is larger than " + limits.maxBodyBytes() + " bytes");
    }

    private static void write(Response response, Callback callback, ApiResponse sent, boolean close) {
      response.setStatus(sent.status());
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, ApiResponse.JSON);
      sent.headers().forEach((name, value) -> response.getHeaders().put(name, value));
      if (close) {
        // The rest of the body is not read: the connection cannot carry another request.
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
      }
      // For HEAD, Jetty sends the headers (with the length GET would have) and drops the body.
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, sent.body().length);
      response.write(true, ByteBuffer.wrap(sent.body()), callback);
    }
  }

  /** A body over the limit. */
  private static final class BodyTooLarge extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Bytes of the body read when the limit was passed, or -1 if the body had ended. */
    final long read;

    BodyTooLarge(long read) {
      super("body too large", null, false, false);
      this.read = read;
    }
  }

  /** Jetty's own errors (a bad request line, headers too large, a bad escape) as JSON. */
  private static final class JsonErrors extends ErrorHandler {

    @Override
    protected void generateResponse(
        Request request,
        Response response,
        int code,
        @Nullable String message,
        @Nullable Throwable cause,
        Callback callback) {
      String error = switch (code) {
        case 400 -> "invalid_request";
        case 408 -> "request_timeout";
        case 413 -> "body_too_large";
        case 414 -> "uri_too_long";
        case 431 -> "headers_too_large";
        case 503 -> "unavailable";
        default -> "http_" + code;
      };
      ApiResponse answer = ApiResponse.error(code, error, message == null || message.isBlank() ? "HTTP " + code : message);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, ApiResponse.JSON);
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, answer.body().length);
      response.write(true, ByteBuffer.wrap(answer.body()), callback);
    }
  }
}
