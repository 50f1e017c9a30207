package io.pipelane.internal.engine;

import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionClosedException;
import io.pipelane.ConnectionOptions;
import io.pipelane.ConnectionState;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.RetryException;
import io.pipelane.Request;
import io.pipelane.Response;
import io.pipelane.testing.ClosedPort;
import io.pipelane.testing.ScriptedServer;
import io.pipelane.testing.TestResources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 14, item 3: a request refused by a failed connection always carries that connection's failure as its cause. */
class RefusedRequestTest {
    private final MemoryTransport.Connector connector = new MemoryTransport.Connector();
    private final PipelaneConnectionFactory factory = new PipelaneConnectionFactory(ConnectionOptions.defaults(),
            Map.of(), null, "refused-test", connector);

    @AfterEach
    void tearDown() {
        factory.close();
    }

    @Test
    void aRequestRefusedAfterAResetCarriesTheReset() throws Exception {
        Connection c = factory.create(Endpoint.http("example.test", 80), ConnectionOptions.defaults());
        MemoryTransport server = connector.next();
        server.reset();
        c.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(ConnectionState.FAILED, c.state());
        Throwable refused = TestResources.failure(c.call(Request.get("/late"), BodyHandlers.ofString()));
        assertInstanceOf(RetryException.class, refused);
        assertInstanceOf(SocketException.class, refused.getCause(), "the connection's failure is the cause");
        assertTrue(refused.getMessage().contains("Connection reset"), refused.getMessage());
    }

    @Test
    void aRequestRefusedAfterTheConnectFailedCarriesTheConnectFailure() throws Exception {
        try (ClosedPort closed = new ClosedPort(); TestResources resources = new TestResources()) {
            Connection c = resources.factory.create(Endpoint.http(closed.host(), closed.port()),
                    ConnectionOptions.defaults());
            c.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
            Throwable first = TestResources.failure(c.call(Request.get("/1"), BodyHandlers.ofString()));
            Throwable second = TestResources.failure(c.call(Request.get("/2"), BodyHandlers.ofString()));
            assertInstanceOf(ConnectException.class, first.getCause(), first.toString());
            assertSame(first.getCause(), second.getCause(), "every refusal names the same failure");
            assertTrue(first.getMessage().endsWith("no longer accepts requests (FAILED): Connection refused to "
                    + closed.host() + ":" + closed.port()), first.getMessage());
        }
    }

    /**
     * The other order of the race in a refused connect: the requests are queued while the connection is still
     * CONNECTING (its connect task held back until they are), then the connect is refused. Each names the refusal.
     */
    @Test
    void requestsQueuedBeforeTheConnectIsRefusedCarryTheConnectFailure() throws Exception {
        try (GatedExecutor held = new GatedExecutor(); ClosedPort closed = new ClosedPort();
             TestResources resources = new TestResources()) {
            Connection c = resources.factory.create(Endpoint.http(closed.host(), closed.port()),
                    ConnectionOptions.builder().executor(held).build());
            List<CompletableFuture<Response<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 3; i++) calls.add(c.call(Request.get("/" + i), BodyHandlers.ofString()));
            c.shutdown();
            assertEquals(ConnectionState.CLOSING, c.state(), "nothing has run yet: the connect is held back");
            held.release();
            for (CompletableFuture<Response<String>> call : calls) {
                Throwable t = TestResources.failure(call);
                assertInstanceOf(RetryException.class, t);
                assertInstanceOf(ConnectException.class, t.getCause(), t.toString());
                assertTrue(t.getMessage().endsWith("was not sent: Connection refused to " + closed.host() + ":"
                        + closed.port()), t.getMessage());
            }
            c.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(ConnectionState.FAILED, c.state());
            Throwable late = TestResources.failure(c.call(Request.get("/late"), BodyHandlers.ofString()));
            assertInstanceOf(ConnectException.class, late.getCause(), late.toString());
        }
    }

    /** A connection that refuses requests without having failed says why it is closing: here, shutdown(). */
    @Test
    void aRequestRefusedAfterShutdownNamesShutdown() throws Exception {
        try (TestResources resources = new TestResources()) {
            ScriptedServer server = resources.server(peer -> {
                peer.readRequest();
                peer.respond(200, "ok");
                peer.awaitClientEof(java.time.Duration.ofSeconds(30));
            });
            Connection c = resources.factory.create(Endpoint.http(server.host(), server.port()),
                    ConnectionOptions.builder().persistence(Persistence.TRUE).build());
            var first = c.call(Request.get("/1"), BodyHandlers.ofString());
            c.shutdown();
            Throwable refused = TestResources.failure(c.call(Request.get("/late"), BodyHandlers.ofString()));
            assertEquals(RetryException.Reason.REFUSED, ((RetryException) refused).reason());
            assertInstanceOf(ConnectionClosedException.class, refused.getCause(), refused.toString());
            assertTrue(refused.getMessage().contains("shutdown() was called"), refused.getMessage());
            assertEquals("ok", first.get(10, TimeUnit.SECONDS).body(), "the request before shutdown() is answered");
        }
    }

    /** A response with Connection: close ends persistence: a later request is refused naming that response. */
    @Test
    void aRequestRefusedAfterAResponseEndedPersistenceNamesIt() throws Exception {
        try (TestResources resources = new TestResources()) {
            ScriptedServer server = resources.server(peer -> {
                peer.readRequest();
                peer.respond(200, "last", "Connection: close");
                peer.awaitClientEof(java.time.Duration.ofSeconds(30));
            });
            Connection c = resources.factory.create(Endpoint.http(server.host(), server.port()),
                    ConnectionOptions.defaults());
            assertEquals("last", c.call(Request.get("/1"), BodyHandlers.ofString()).get(10, TimeUnit.SECONDS).body());
            Throwable refused = TestResources.failure(c.call(Request.get("/late"), BodyHandlers.ofString()));
            assertInstanceOf(RetryException.class, refused);
            // CLOSING (the response ended persistence) or already CLOSED (the server closed after it): either way
            // the refusal names the response's Connection: close.
            assertTrue(refused.getMessage().contains("Connection: close"), refused.getMessage());
            assertInstanceOf(ConnectionClosedException.class, refused.getCause(), refused.toString());
        }
    }

    /** Persistence FALSE: the connection takes one request; a second one is refused naming that. */
    @Test
    void aSecondRequestOnAOneRequestConnectionIsRefusedNamingIt() throws Exception {
        try (TestResources resources = new TestResources()) {
            ScriptedServer server = resources.server(peer -> {
                peer.readRequest();
                peer.respond(200, "only");
            });
            Connection c = resources.factory.create(Endpoint.http(server.host(), server.port()),
                    ConnectionOptions.builder().persistence(Persistence.FALSE).build());
            var only = c.call(Request.get("/1"), BodyHandlers.ofString());
            Throwable refused = TestResources.failure(c.call(Request.get("/2"), BodyHandlers.ofString()));
            assertTrue(refused.getMessage().contains("one request only (persistence FALSE)"), refused.getMessage());
            assertInstanceOf(ConnectionClosedException.class, refused.getCause(), refused.toString());
            assertEquals("only", only.get(10, TimeUnit.SECONDS).body());
        }
    }
}
