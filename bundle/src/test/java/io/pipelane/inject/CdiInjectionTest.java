package io.pipelane.inject;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionCache;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.Persistence;
import io.pipelane.Request;
import io.pipelane.Response;
import io.pipelane.testing.ScriptedServer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.BeforeDestroyed;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The default factory in a CDI container (Weld SE): CDI builds {@link DefaultConnectionFactory} through its
 * {@code jakarta.inject} constructor; the application adds the few lines CDI needs (the settings, the cache as a
 * bean, closing the factory at shutdown: {@link PipelaneCdi}), and its beans simply {@code @Inject} them.
 */
class CdiInjectionTest {
    private static volatile String uri;
    private ScriptedServer server;

    @AfterEach
    void stopServer() throws Exception {
        if (server != null) server.close();
    }

    /** What an application writes once for CDI (the README shows it). */
    @ApplicationScoped
    public static class PipelaneCdi {
        @Produces
        PipelaneSettings settings() {
            return new PipelaneSettings()
                    .withDefaultOptions(ConnectionOptions.builder().persistence(Persistence.TRUE).build())
                    .withEndpoint("catalog", uri);
        }

        @Produces
        @Dependent
        ConnectionCache cache(ConnectionFactory factory) {
            return factory.cache(); // the factory's own cache: closed with it
        }

        void close(@Observes @BeforeDestroyed(ApplicationScoped.class) Object shutdown, ConnectionFactory factory) {
            factory.close();
        }
    }

    /** An application bean. */
    @ApplicationScoped
    public static class CatalogClient {
        @Inject
        ConnectionFactory factory;
        @Inject
        ConnectionCache cache;
        Connection connection;

        ConnectionFactory factory() {
            return factory;
        }

        ConnectionCache cache() {
            return cache;
        }

        Connection connection() {
            return connection;
        }

        List<CompletableFuture<Response<String>>> pipelined(int n) {
            connection = factory.create("catalog");
            List<CompletableFuture<Response<String>>> out = new ArrayList<>();
            for (int i = 0; i < n; i++) out.add(connection.call(Request.get("/item/" + i), BodyHandlers.ofString()));
            return out;
        }
    }

    @Test
    void anApplicationBeanGetsTheFactoryAndTheCachePipelinesAndTheContainerClosesThem() throws Exception {
        java.util.concurrent.atomic.AtomicInteger peers = new java.util.concurrent.atomic.AtomicInteger();
        server = new ScriptedServer(peer -> {
            if (peers.incrementAndGet() == 1) {
                // All five requests arrive before any answer: they were pipelined on one connection.
                List<ScriptedServer.RecordedRequest> all = peer.readRequests(5);
                for (ScriptedServer.RecordedRequest r : all) peer.respond(200, r.target);
            }
            ScriptedServer.RecordedRequest r;
            while ((r = peer.readRequest()) != null) peer.respond(200, "cached " + r.target);
        });
        uri = "http://" + server.host() + ":" + server.port();

        Connection open;
        ConnectionFactory factory;
        try (WeldContainer container = new Weld().disableDiscovery()
                .addBeanClasses(DefaultConnectionFactory.class, PipelaneCdi.class, CatalogClient.class)
                .initialize()) {
            CatalogClient client = container.select(CatalogClient.class).get();
            factory = client.factory(); // the bean is behind a client proxy: its methods, not its fields
            assertInstanceOf(DefaultConnectionFactory.class, factory, "Pipelane's injectable factory, not a copy");

            List<CompletableFuture<Response<String>>> responses = client.pipelined(5);
            for (int i = 0; i < 5; i++) assertEquals("/item/" + i, responses.get(i).get(10, TimeUnit.SECONDS).body());
            assertEquals(1, server.connections());
            assertTrue(client.connection().isPipelining());

            Response<String> viaCache = client.cache().call("catalog", Request.get("/c"), BodyHandlers.ofString())
                    .get(10, TimeUnit.SECONDS);
            assertEquals("cached /c", viaCache.body());
            open = client.connection();
            assertTrue(!open.isClosed(), "still open while the container runs");
        }
        // The container shut down: the factory was closed, with its connections and threads.
        open.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThrows(IllegalStateException.class, () -> factory.create("catalog"));
    }
}
