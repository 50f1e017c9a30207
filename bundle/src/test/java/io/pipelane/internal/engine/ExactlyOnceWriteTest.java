package io.pipelane.internal.engine;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.Request;
import io.pipelane.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every request reaches the server exactly once: many pipelined bursts, from concurrent callers and from
 * callbacks (which call again from the thread that completes a response), each request with its own path,
 * counted on the server side (the JDK's HTTP server, as in the OSGi integration tests). A request written twice
 * (an inline write racing the writer task over the same exchanges or the same batch bytes, a batch flushed twice)
 * shows as a path counted twice, or as a response whose body names another request. Bounded in rounds.
 */
class ExactlyOnceWriteTest {
    private static final int ROUNDS = 150;
    private static final int CALLERS = 4;
    private static final int PER_CALLER = 8;

    private HttpServer server;
    private ExecutorService serverThreads;
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();
    private Endpoint endpoint;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        serverThreads = Executors.newFixedThreadPool(4);
        server.createContext("/", this::handle);
        server.setExecutor(serverThreads);
        server.start();
        endpoint = Endpoint.http("127.0.0.1", server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        server.stop(0);
        serverThreads.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            in.readAllBytes();
        }
        String path = exchange.getRequestURI().getPath();
        counts.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
        total.incrementAndGet();
        byte[] body = path.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    /** The console's {@code pipelane:get}: a burst from one thread, then shutdown, then the responses. */
    @Test
    @Timeout(120)
    void aBurstThenShutdownWritesEachRequestOnce() throws Exception {
        try (ConnectionFactory factory = ConnectionFactory.builder().build()) {
            List<String> expected = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                Connection c = factory.create(endpoint);
                List<CompletableFuture<Response<String>>> rs = new ArrayList<>();
                List<String> paths = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    String path = "/burst/" + round + "/" + i;
                    paths.add(path);
                    rs.add(c.call(Request.get(path), BodyHandlers.ofString()));
                }
                c.shutdown();
                for (int i = 0; i < rs.size(); i++) {
                    assertEquals(paths.get(i), rs.get(i).get(30, TimeUnit.SECONDS).body(), "round " + round);
                }
                c.close();
                expected.addAll(paths);
            }
            assertEachOnce(expected);
        }
    }

    /**
     * Concurrent callers on one connection, each response's callback calling again (from the thread that
     * completes it), Persistence AUTO and TRUE: the inline writes on callers and reader and the writer task all
     * take from the same queue.
     */
    @Test
    @Timeout(120)
    void concurrentCallersAndCallbacksWriteEachRequestOnce() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
        try (ConnectionFactory factory = ConnectionFactory.builder().build()) {
            List<String> expected = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int round = 0; round < ROUNDS / 3; round++) {
                Persistence p = round % 2 == 0 ? Persistence.AUTO : Persistence.TRUE;
                Connection c = factory.create(endpoint, ConnectionOptions.builder().persistence(p).build());
                List<CompletableFuture<?>> all = java.util.Collections.synchronizedList(new ArrayList<>());
                CountDownLatch go = new CountDownLatch(1);
                List<Future<?>> started = new ArrayList<>();
                int r = round;
                for (int t = 0; t < CALLERS; t++) {
                    int thread = t;
                    started.add(callers.submit(() -> {
                        go.await();
                        for (int i = 0; i < PER_CALLER; i++) {
                            String path = "/c/" + r + "/" + thread + "/" + i;
                            String again = path + "/again";
                            expected.add(path);
                            expected.add(again);
                            CompletableFuture<Response<String>> f = c.call(Request.get(path), BodyHandlers.ofString());
                            all.add(f.thenCompose(resp -> {
                                assertEquals(path, resp.body());
                                return c.call(Request.get(again), BodyHandlers.ofString());
                            }).thenAccept(resp -> assertEquals(again, resp.body())));
                        }
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> f : started) f.get(30, TimeUnit.SECONDS);
                // Each callback's call is made before its future completes, so `all` is complete here.
                CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
                c.close();
            }
            assertEachOnce(expected);
        } finally {
            callers.shutdownNow();
        }
    }

    private void assertEachOnce(List<String> expected) {
        Map<String, Integer> twice = new TreeMap<>();
        counts.forEach((path, n) -> {
            if (n.get() != 1) twice.put(path, n.get());
        });
        assertTrue(twice.isEmpty(), "requests counted more than once: " + twice);
        assertEquals(expected.size(), total.get(), "requests the server counted");
        for (String p : expected) assertEquals(1, counts.get(p).get(), p);
    }
}
