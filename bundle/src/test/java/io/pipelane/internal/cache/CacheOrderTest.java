package io.pipelane.internal.cache;

import io.pipelane.BodyHandlers;
import io.pipelane.CacheOptions;
import io.pipelane.Connection;
import io.pipelane.ConnectionCache;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.Request;
import io.pipelane.RequestBody;
import io.pipelane.Response;
import io.pipelane.testing.ScriptedServer;
import io.pipelane.testing.ScriptedServer.RecordedRequest;
import io.pipelane.testing.TestResources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Requests reach the wire in the order {@code call} was made. The report: with {@code Persistence.TRUE} and
 * {@code parallel=1}, four GETs and a POST made back to back sometimes went out with the POST second (about one
 * burst in 300). The cause was the cache: the requests placed while the connection was being opened were sent by
 * the thread that completed the connection, while the caller's thread sent the later ones directly, so the two
 * raced. The test makes that moment happen in every burst: the connection is handed to the cache by another
 * thread, released just as the caller makes its next calls.
 */
class CacheOrderTest {
    private static final int BURSTS = 1000;

    private final TestResources resources = new TestResources();

    @AfterEach
    void tearDown() throws Exception {
        resources.close();
    }

    @Test
    void fourGetsAndAPostMadeBackToBackReachTheServerInCallOrder() throws Exception {
        Map<Integer, List<String>> seen = new ConcurrentHashMap<>();
        AtomicInteger ids = new AtomicInteger();
        ScriptedServer server = resources.server(peer -> {
            List<String> order = new ArrayList<>();
            seen.put(ids.incrementAndGet(), order);
            for (RecordedRequest r; (r = peer.readRequest()) != null; ) {
                synchronized (order) {
                    order.add(r.method + " " + r.target);
                }
                peer.respond(200, r.target);
            }
        });
        Endpoint endpoint = Endpoint.http(server.host(), server.port());
        ConnectionOptions pipelined = ConnectionOptions.builder().persistence(Persistence.TRUE).build();
        for (int burst = 0; burst < BURSTS; burst++) {
            HeldConnects factory = new HeldConnects(resources.factory);
            try (ConnectionCache cache = ConnectionCache.create(factory, CacheOptions.builder().parallel(1)
                    .connectionOptions(pipelined).build(), Map.of())) {
                List<CompletableFuture<Response<String>>> rs = new ArrayList<>();
                rs.add(cache.call(endpoint, Request.get("/1"), BodyHandlers.ofString()));
                factory.releaseOnAnotherThread(); // the connection arrives while the next calls are made
                for (int i = 2; i <= 4; i++) rs.add(cache.call(endpoint, Request.get("/" + i), BodyHandlers.ofString()));
                rs.add(cache.call(endpoint, Request.post("/5", RequestBody.of("five")), BodyHandlers.ofString()));
                for (int i = 0; i < 5; i++) assertEquals("/" + (i + 1), rs.get(i).get(20, TimeUnit.SECONDS).body());
            }
            List<String> order = seen.get(burst + 1);
            synchronized (order) {
                assertEquals(List.of("GET /1", "GET /2", "GET /3", "GET /4", "POST /5"), order,
                        "burst " + burst + " reached the server out of call order");
            }
        }
    }

    /**
     * A real factory whose {@code connect} hands over the connection only when the test releases it, from a
     * thread of its own, waiting for the test's signal. Everything else is the real factory's.
     */
    private static final class HeldConnects implements ConnectionFactory {
        private final ConnectionFactory real;
        private final CompletableFuture<Connection> held = new CompletableFuture<>();
        private final CountDownLatch go = new CountDownLatch(1);

        HeldConnects(ConnectionFactory real) {
            this.real = real;
        }

        /** Starts a thread that waits until the real connection is up, then for the signal, then hands it over. */
        void releaseOnAnotherThread() throws Exception {
            Connection c = pending.get(10, TimeUnit.SECONDS).toCompletableFuture().get(10, TimeUnit.SECONDS);
            CountDownLatch started = new CountDownLatch(1);
            Thread t = new Thread(() -> {
                started.countDown();
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                held.complete(c);
            }, "release-connection");
            t.start();
            started.await();
            go.countDown();
        }

        private final CompletableFuture<CompletionStage<Connection>> pending = new CompletableFuture<>();

        @Override
        public CompletionStage<Connection> connect(Endpoint endpoint, ConnectionOptions options) {
            pending.complete(real.connect(endpoint, options));
            return held;
        }

        @Override
        public Connection create(Endpoint endpoint, ConnectionOptions options) {
            return real.create(endpoint, options);
        }

        @Override
        public Connection create(String endpointName) {
            return real.create(endpointName);
        }

        @Override
        public CompletionStage<Connection> connect(String endpointName) {
            return real.connect(endpointName);
        }

        @Override
        public ConnectionCache cache() {
            return real.cache();
        }

        @Override
        public ConnectionOptions defaultOptions() {
            return real.defaultOptions();
        }

        @Override
        public void close() {
            // the real factory is the test's
        }
    }
}
