package io.pipelane.internal.engine;

import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionOptions;
import io.pipelane.ConnectionState;
import io.pipelane.Endpoint;
import io.pipelane.RetryException;
import io.pipelane.Request;
import io.pipelane.testing.TestResources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.SocketException;
import java.util.Map;
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
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        try (TestResources resources = new TestResources()) {
            Connection c = resources.factory.create(Endpoint.http("127.0.0.1", port), ConnectionOptions.defaults());
            c.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
            Throwable first = TestResources.failure(c.call(Request.get("/1"), BodyHandlers.ofString()));
            Throwable second = TestResources.failure(c.call(Request.get("/2"), BodyHandlers.ofString()));
            assertInstanceOf(ConnectException.class, first.getCause(), first.toString());
            assertSame(first.getCause(), second.getCause(), "every refusal names the same failure");
        }
    }
}
