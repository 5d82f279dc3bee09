package io.inferbus.protocol.net;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Read deadlines of an HTTPS port, so that slow clients cannot hold its connections: a connection
 * must deliver a whole request head within {@code timeoutMs} of opening and of each answer (else it
 * is closed, also between kept-alive requests), then that request's whole body within the body
 * deadline of its head (else the request is answered 408 and the connection closed, however
 * steadily the bytes trickle in). The idle timeout alone lets a client that dribbles a byte now
 * and then hold a connection forever. Connections are HTTP/1.1 (no ALPN), so one request at a time.
 *
 * <p>Wired in two places: {@link #opened} as (part of) the server's connection handler, and
 * {@link #headArrived} as the first handler of every request ({@link #guard} makes it the first
 * route of a router built elsewhere). Every method runs on the server's event loop.
 */
public final class ReadDeadlines {
  private static final Logger LOG = LoggerFactory.getLogger(ReadDeadlines.class);
  public static final long DEFAULT_TIMEOUT_MS = 60_000;
  /**
   * The slowest average rate a declared body may arrive at: a body whose {@code Content-Length} needs
   * longer than {@code timeoutMs} at this rate gets that long (a 512 MiB model upload 512 s), so a
   * large upload over a slow link is not cut off while a trickled one still is.
   */
  public static final long MIN_BODY_BYTES_PER_SECOND = 1024 * 1024;
  private static final String ARMED_KEY = "inferbus.read-deadline";

  /** Answers a request whose body is overdue (a 408 in the port's error format); the connection closes after it. */
  @FunctionalInterface
  public interface OverdueAnswer {
    Future<Void> answer(RoutingContext ctx, String message);
  }

  private final Vertx vertx;
  private final long timeoutMs;
  private final OverdueAnswer overdue;
  /** Open connections waiting for a request head or body, with their deadlines. */
  private final Map<HttpConnection, Deadline> deadlines = new HashMap<>();

  public ReadDeadlines(Vertx vertx, long timeoutMs, OverdueAnswer overdue) {
    this.vertx = vertx;
    this.timeoutMs = timeoutMs;
    this.overdue = overdue;
  }

  /** The read deadline of a request head or body, in milliseconds. */
  public long timeoutMs() {
    return timeoutMs;
  }

  /** Makes {@link #headArrived} the first route of {@code router} (before any route it already has). */
  public Router guard(Router router) {
    router.route().order(Integer.MIN_VALUE).handler(this::headArrived);
    return router;
  }

  /**
   * A connection opened: its first request head must arrive within the deadline. {@code whenClosed}
   * (null: nothing) runs when it closes, since a connection has one close handler and this takes it.
   */
  public void opened(HttpConnection connection, Handler<Void> whenClosed) {
    connection.closeHandler(v -> {
      Deadline pending = deadlines.remove(connection);
      if (pending != null) {
        vertx.cancelTimer(pending.timer());
      }
      if (whenClosed != null) {
        whenClosed.handle(null);
      }
    });
    awaitHead(connection);
  }

  /**
   * First handler of every request: its head arrived. The request's body must now arrive within its
   * deadline; once the request is answered, the deadline for the next head starts, unless a
   * pipelined request already took the connection over (Vert.x starts it inside the previous
   * answer's end). A request routed again (a reroute) keeps the deadline it has.
   */
  public void headArrived(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    HttpConnection connection = request.connection();
    if (ctx.get(ARMED_KEY) == null && deadlines.containsKey(connection)) {
      ctx.put(ARMED_KEY, Boolean.TRUE);
      long bodyMs = bodyDeadlineMs(request);
      watch(connection, new Deadline(vertx.setTimer(bodyMs, t -> bodyOverdue(ctx, bodyMs)), request));
      ctx.addEndHandler(v -> {
        Deadline current = deadlines.get(connection);
        if (current == null || current.request() == request) {
          awaitHead(connection);
        }
      });
    }
    ctx.next();
  }

  /** {@code timeoutMs}, or longer for a declared body too large to arrive in it at the minimum rate. */
  long bodyDeadlineMs(HttpServerRequest request) {
    String length = request.getHeader("content-length");
    if (length == null) {
      return timeoutMs;
    }
    try {
      return Math.max(timeoutMs, Long.parseLong(length.trim()) / MIN_BODY_BYTES_PER_SECOND * 1000);
    } catch (NumberFormatException e) {
      return timeoutMs; // Vert.x refuses the request itself
    }
  }

  private void awaitHead(HttpConnection connection) {
    long timer = vertx.setTimer(timeoutMs, t -> {
      deadlines.remove(connection);
      LOG.debug("closing a connection from {}: no request within {} ms", connection.remoteAddress(), timeoutMs);
      connection.close();
    });
    watch(connection, new Deadline(timer, null));
  }

  /** Makes {@code deadline} the connection's one read deadline, cancelling the one it replaces. */
  private void watch(HttpConnection connection, Deadline deadline) {
    Deadline previous = deadlines.put(connection, deadline);
    if (previous != null) {
      vertx.cancelTimer(previous.timer());
    }
  }

  private void bodyOverdue(RoutingContext ctx, long bodyMs) {
    HttpConnection connection = ctx.request().connection();
    deadlines.remove(connection);
    if (ctx.request().isEnded() || ctx.response().ended()) {
      return; // the body arrived; the request is being served
    }
    overdue.answer(ctx, "the request body did not arrive within " + bodyMs + " ms of its head")
        .onComplete(ar -> connection.close());
  }

  /** A connection's read deadline: its timer, and the request whose body it waits for (null: a head). */
  private record Deadline(long timer, HttpServerRequest request) {}
}
