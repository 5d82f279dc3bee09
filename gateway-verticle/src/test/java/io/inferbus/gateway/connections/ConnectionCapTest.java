package io.inferbus.gateway.connections;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.http.HttpConnection;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The connection cap is the node's: connections opened at once from several event loops (threads
 * here) get exactly the cap's worth of places, the rest are refused and counted, whichever thread
 * asks about them later, and a place freed is taken again.
 */
class ConnectionCapTest {
  private static final int CAP = 100;
  private static final int THREADS = 4;
  private static final int PER_THREAD = 500;

  /** A connection as the cap sees it: a key, nothing more. */
  private static HttpConnection connection() {
    return (HttpConnection) Proxy.newProxyInstance(HttpConnection.class.getClassLoader(),
        new Class<?>[] {HttpConnection.class}, (proxy, method, args) -> switch (method.getName()) {
          case "hashCode" -> System.identityHashCode(proxy);
          case "equals" -> proxy == args[0];
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }

  @Test
  void connectionsFromSeveralLoopsAtOnceGetExactlyTheCap() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ConnectionLimit limit = new ConnectionLimit(CAP, registry);
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService loops = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<List<HttpConnection>>> refusedByLoop = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        Callable<List<HttpConnection>> loop = () -> {
          go.await();
          List<HttpConnection> refused = new ArrayList<>();
          for (int i = 0; i < PER_THREAD; i++) {
            HttpConnection c = connection();
            if (!limit.opened(c)) {
              refused.add(c);
            }
          }
          return refused;
        };
        refusedByLoop.add(loops.submit(loop));
      }
      go.countDown();
      List<HttpConnection> refused = new ArrayList<>();
      for (Future<List<HttpConnection>> f : refusedByLoop) {
        refused.addAll(f.get());
      }

      assertEquals(THREADS * PER_THREAD - CAP, refused.size(), "all but the cap refused");
      assertEquals(CAP, registry.get("inferbus.gateway.connections.open").gauge().value());
      assertEquals(refused.size(), registry.get("inferbus.gateway.connections.refused").counter().count());
      for (HttpConnection c : refused) {
        assertTrue(limit.refuses(c), "a refused connection is known as such on this thread too");
      }

      limit.closed(refused.get(0), false);
      assertFalse(limit.refuses(refused.get(0)), "a refused connection that closed is forgotten");
      assertEquals(CAP, registry.get("inferbus.gateway.connections.open").gauge().value(),
          "a refused connection closing frees no place");
      HttpConnection late = connection();
      assertFalse(limit.opened(late), "still full");
      limit.closed(late, false);
      limit.closed(connection(), true); // one of the counted connections closes (only its count matters)
      assertEquals(CAP - 1, registry.get("inferbus.gateway.connections.open").gauge().value());
      assertTrue(limit.opened(connection()), "its place is taken again");
    } finally {
      loops.shutdownNow();
    }
  }
}
