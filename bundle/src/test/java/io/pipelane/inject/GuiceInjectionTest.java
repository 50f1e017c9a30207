package io.pipelane.inject;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.sun.net.httpserver.HttpServer;

import io.pipelane.BodyHandlers;
import io.pipelane.CacheMetrics;
import io.pipelane.Connection;
import io.pipelane.ConnectionCache;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.Request;
import io.pipelane.Response;
import io.pipelane.testing.ScriptedServer;
import io.pipelane.testing.TestProxy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The default factory injected by a real JSR-330 container (Guice 7, jakarta.inject). */
class GuiceInjectionTest {
    private HttpServer server;
    private ExecutorService serverThreads;
    private final AtomicInteger requests = new AtomicInteger();

    @BeforeEach
    void startServer() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = ("hello " + requests.incrementAndGet() + " " + exchange.getRequestURI())
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        serverThreads = Executors.newFixedThreadPool(2);
        server.setExecutor(serverThreads);
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
        serverThreads.shutdownNow();
    }

    @Test
    void injectedWithConfiguredSettingsSendsRealRequestsAndCloses() throws Exception {
        String uri = "http://127.0.0.1:" + server.getAddress().getPort();
        Injector injector = Guice.createInjector(new AbstractModule() {
            @Override
            protected void configure() {
                bind(PipelaneSettings.class).toInstance(new PipelaneSettings()
                        .withEndpoint("local", uri)
                        .withDefaultOptions(Map.of("responseTimeout", "5s", "persistence", "TRUE")));
                bind(ConnectionFactory.class).to(DefaultConnectionFactory.class);
            }
        });
        ConnectionFactory factory = injector.getInstance(ConnectionFactory.class);
        assertSame(factory, injector.getInstance(DefaultConnectionFactory.class), "a singleton");
        assertEquals(Duration.ofSeconds(5), factory.defaultOptions().responseTimeout());
        try {
            Connection c = factory.create("local");
            List<CompletableFuture<Response<byte[]>>> responses = new ArrayList<>();
            for (int i = 0; i < 4; i++) responses.add(c.call(Request.get("/r" + i)));
            for (int i = 0; i < 4; i++) {
                Response<byte[]> r = responses.get(i).get(10, TimeUnit.SECONDS);
                assertEquals(200, r.status());
                assertTrue(new String(r.body(), StandardCharsets.UTF_8).endsWith(" /r" + i));
            }
            assertTrue(c.isPipelining());
            c.close();
        } finally {
            factory.close();
        }
        assertNoPipelaneThreads();
    }

    @Test
    void injectedWithoutAnyBindingUsesSafeDefaults() throws Exception {
        Injector injector = Guice.createInjector();
        DefaultConnectionFactory factory = injector.getInstance(DefaultConnectionFactory.class);
        try {
            assertEquals(ConnectionOptions.defaults().toString(), factory.defaultOptions().toString());
            Response<byte[]> r = factory.connect(io.pipelane.Endpoint.http("127.0.0.1", server.getAddress().getPort()))
                    .toCompletableFuture().get(10, TimeUnit.SECONDS)
                    .call(Request.get("/")).get(10, TimeUnit.SECONDS);
            assertEquals(200, r.status());
        } finally {
            factory.close();
        }
        assertNoPipelaneThreads();
    }

    @Test
    void cacheKeysOfTheSettingsLimitTheInjectedFactorysCache() throws Exception {
        // A server on real sockets that holds every answer until told, counting connections and requests in flight.
        Semaphore answers = new Semaphore(0);
        Semaphore arrivals = new Semaphore(0);
        AtomicInteger maxInFlight = new AtomicInteger();
        ScriptedServer holding = new ScriptedServer(peer -> {
            BlockingQueue<ScriptedServer.RecordedRequest> toAnswer = new LinkedBlockingQueue<>();
            AtomicInteger inFlight = new AtomicInteger();
            Thread responder = new Thread(() -> {
                try {
                    while (true) {
                        ScriptedServer.RecordedRequest r = toAnswer.take();
                        answers.acquire();
                        inFlight.decrementAndGet();
                        peer.respond(200, r.target);
                    }
                } catch (InterruptedException | java.io.IOException e) {
                    // the connection or the test ended
                }
            });
            responder.setDaemon(true);
            responder.start();
            try {
                for (ScriptedServer.RecordedRequest r; (r = peer.readRequest()) != null; ) {
                    maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                    toAnswer.add(r);
                    arrivals.release();
                }
            } finally {
                responder.interrupt();
            }
        });
        Injector injector = Guice.createInjector(new AbstractModule() {
            @Override
            protected void configure() {
                bind(PipelaneSettings.class).toInstance(new PipelaneSettings().withDefaultOptions(Map.of(
                        "persistence", "TRUE", "parallel", "2", "depth", 3, "waitTimeout", "20s", "retry", "0")));
            }
        });
        DefaultConnectionFactory factory = injector.getInstance(DefaultConnectionFactory.class);
        try {
            ConnectionCache cache = factory.cache();
            assertEquals(2, cache.options().parallel());
            assertEquals(3, cache.options().depth());
            Endpoint ep = Endpoint.http("127.0.0.1", holding.port());
            List<CompletableFuture<Response<String>>> rs = new ArrayList<>();
            for (int i = 0; i < 8; i++) rs.add(cache.call(ep, Request.get("/" + i), BodyHandlers.ofString()));
            assertTrue(arrivals.tryAcquire(6, 10, TimeUnit.SECONDS), "the server read 6 requests");
            CacheMetrics m = cache.metrics().get(0);
            assertEquals(2, holding.connections(), "parallel 2: two connections, not the default four");
            assertEquals(3, maxInFlight.get(), "depth 3 on each");
            assertEquals(2, m.waiting(), "the other two wait in the cache");
            answers.release(100);
            for (int i = 0; i < 8; i++) assertEquals("/" + i, rs.get(i).get(20, TimeUnit.SECONDS).body());
            assertEquals(2, holding.connections(), "never more than parallel connections");
            assertEquals(3, maxInFlight.get(), "never more than depth requests on a connection");
        } finally {
            factory.close();
            holding.close();
        }
        assertNoPipelaneThreads();
    }

    @Test
    void proxyKeysOfTheSettingsReachTheCacheAndTheNamedEndpoints() throws Exception {
        String uri = "http://127.0.0.1:" + server.getAddress().getPort();
        try (TestProxy proxy = new TestProxy(null)) {
            Injector injector = Guice.createInjector(new AbstractModule() {
                @Override
                protected void configure() {
                    bind(PipelaneSettings.class).toInstance(new PipelaneSettings()
                            .withEndpoint("local", uri)
                            .withDefaultOptions(Map.of("proxy.host", "127.0.0.1", "proxy.port", proxy.port(),
                                    "proxy.tunnel", true)));
                }
            });
            DefaultConnectionFactory factory = injector.getInstance(DefaultConnectionFactory.class);
            try {
                assertEquals(200, factory.cache().call(Endpoint.of(uri), Request.get("/a"), BodyHandlers.ofString())
                        .get(10, TimeUnit.SECONDS).status());
                assertEquals(200, factory.cache().call("local", Request.get("/b"), BodyHandlers.ofString())
                        .get(10, TimeUnit.SECONDS).status());
                List<String> seen = proxy.seen().stream().map(Object::toString).toList();
                assertEquals(List.of("CONNECT 127.0.0.1:" + server.getAddress().getPort(),
                        "CONNECT 127.0.0.1:" + server.getAddress().getPort()), seen,
                        "both through a tunnel: proxy.tunnel applies to http endpoints");
                assertNull(factory.defaultOptions().proxy(), "the default options name no proxy, as in OSGi");
            } finally {
                factory.close();
            }
        }
        assertNoPipelaneThreads();
    }

    @Test
    void unknownSettingsKeysAreRefusedNamingThem() {
        PipelaneSettings s = new PipelaneSettings();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> s.withDefaultOptions(Map.of("paralel", "2")));
        assertTrue(e.getMessage().contains("key 'paralel'"), e.getMessage());
        assertTrue(e.getMessage().contains("parallel"), "the known keys are listed: " + e.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> s.withDefaultOptions(Map.of("proxy.host", "p.example", "proxy.port", "1", "proxy.user", "u",
                        "proxy.password", "s3cr3t", "depth", "0")));
        assertTrue(bad.getMessage().contains("key 'depth'"), bad.getMessage());
        assertEquals(4, s.withDefaultOptions(Map.of("retry", "4")).cacheOptions().retry());
    }

    static void assertNoPipelaneThreads() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> names;
        do {
            names = new ArrayList<>();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.isAlive() && t.getName().startsWith("pipelane")) names.add(t.getName());
            }
            if (names.isEmpty()) return;
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("Pipelane threads still running after close: " + names);
    }
}
