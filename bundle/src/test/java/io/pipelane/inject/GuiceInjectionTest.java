package io.pipelane.inject;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.sun.net.httpserver.HttpServer;

import io.pipelane.Connection;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.Request;
import io.pipelane.Response;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
