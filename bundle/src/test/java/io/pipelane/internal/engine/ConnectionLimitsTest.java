package io.pipelane.internal.engine;

import io.pipelane.BodyHandler;
import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionOptions;
import io.pipelane.ConnectionState;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.PipelaneException;
import io.pipelane.Request;
import io.pipelane.RetryException;
import io.pipelane.testing.TestResources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 11, item 5: a bound on queued requests; a null or throwing BodyHandler fails only its own response. */
class ConnectionLimitsTest {
    private final MemoryTransport.Connector connector = new MemoryTransport.Connector();
    private final PipelaneConnectionFactory factory = new PipelaneConnectionFactory(ConnectionOptions.defaults(),
            Map.of(), null, "limits-test", connector);

    @AfterEach
    void tearDown() {
        factory.close();
    }

    @Test
    void aFullQueueFailsTheCallAtOnceWithAClearError() throws Exception {
        Connection c = factory.create(Endpoint.http("example.test", 80), ConnectionOptions.builder()
                .persistence(Persistence.AUTO).maxQueuedRequests(2).build());
        MemoryTransport server = connector.next();
        var first = c.call(Request.get("/0"), BodyHandlers.ofString());
        server.awaitWritten("GET /0", 1); // AUTO: the others wait for its response
        var queued1 = c.call(Request.get("/1"), BodyHandlers.ofString());
        var queued2 = c.call(Request.get("/2"), BodyHandlers.ofString());
        var refused = c.call(Request.get("/3"), BodyHandlers.ofString());
        assertTrue(refused.isCompletedExceptionally(), "a full queue fails the call at once");
        RetryException e = assertInstanceOf(RetryException.class, TestResources.failure(refused));
        assertEquals(RetryException.Reason.REFUSED, e.reason(), "untouched: it may be placed elsewhere");
        assertTrue(e.getMessage().contains("maxQueuedRequests = 2"), e.getMessage());
        assertEquals(3, c.length());
        assertEquals(ConnectionState.OPEN, c.state(), "the connection goes on");
        server.serve("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n0");
        assertEquals("0", first.get(10, TimeUnit.SECONDS).body());
        server.awaitWritten("GET /2", 1);
        server.serve("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2");
        assertEquals("1", queued1.get(10, TimeUnit.SECONDS).body());
        assertEquals("2", queued2.get(10, TimeUnit.SECONDS).body());
    }

    private void onlyItsOwnResponseFails(BodyHandler<String> broken, String why) throws Exception {
        Connection c = factory.create(Endpoint.http("example.test", 80),
                ConnectionOptions.builder().persistence(Persistence.TRUE).build());
        MemoryTransport server = connector.next();
        CompletableFuture<?> bad = c.call(Request.get("/bad"), broken);
        var good = c.call(Request.get("/good"), BodyHandlers.ofString());
        server.awaitWritten("GET /good", 1);
        server.serve("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nbadHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ngood");
        Throwable t = TestResources.failure(bad);
        assertInstanceOf(PipelaneException.class, t);
        assertFalse(t instanceof RetryException, "its response arrived: it is not sent again");
        assertTrue(t.getMessage().contains("body handler") && t.getMessage().contains(why), t.getMessage());
        assertEquals("good", good.get(10, TimeUnit.SECONDS).body(), "the response behind it is delivered");
        assertEquals(ConnectionState.OPEN, c.state());
        assertEquals(0, c.length());
    }

    @Test
    void aBodyHandlerReturningNullFailsOnlyItsOwnResponse() throws Exception {
        onlyItsOwnResponseFails((head, options) -> null, "returned no sink");
    }

    @Test
    void aBodyHandlerThatThrowsFailsOnlyItsOwnResponse() throws Exception {
        onlyItsOwnResponseFails((head, options) -> {
            throw new IllegalStateException("no disk space");
        }, "no disk space");
    }
}
