package io.pipelane.internal.engine;

import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.PipelaneTimeoutException;
import io.pipelane.Request;
import io.pipelane.RequestBody;
import io.pipelane.RetryException;
import io.pipelane.testing.ScriptedServer;
import io.pipelane.testing.TestBodies;
import io.pipelane.testing.TestResources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11, item 4: a server that sends a head or a body a byte at a time, and a request body that stalls, are
 * timed out. The servers drip with pauses (that is the behaviour under test); the assertions wait for outcomes.
 */
class SlowPeersTest {
    private final TestResources resources = new TestResources();
    private final CountDownLatch done = new CountDownLatch(1);

    @AfterEach
    void tearDown() throws Exception {
        done.countDown();
        resources.close();
    }

    /** Sends {@code text} a byte every {@code pauseMillis}, until the client goes away. */
    private static void drip(ScriptedServer.Peer peer, String text, long pauseMillis) throws Exception {
        try {
            for (int i = 0; i < text.length(); i++) {
                peer.send(text.substring(i, i + 1));
                Thread.sleep(pauseMillis);
            }
        } catch (IOException clientClosed) {
            // the client timed out and closed: expected
        }
    }

    @Test
    void aHeadSentAByteAtATimeIsTimedOut() throws Exception {
        ScriptedServer server = resources.server(peer -> {
            peer.readRequest();
            drip(peer, "HTTP/1.1 200 OK\r\nX-Padding: " + "p".repeat(60) + "\r\nContent-Length: 2\r\n\r\nok", 50);
        });
        Connection c = resources.factory.create(Endpoint.http(server.host(), server.port()), ConnectionOptions
                .builder().responseHeadTimeout(Duration.ofMillis(500)).idleReadTimeout(Duration.ofSeconds(10)).build());
        Throwable t = TestResources.failure(c.call(Request.get("/"), BodyHandlers.ofString()));
        assertInstanceOf(RetryException.class, t, "no head arrived whole: the GET is unanswered");
        PipelaneTimeoutException e = assertInstanceOf(PipelaneTimeoutException.class, t.getCause());
        assertEquals(PipelaneTimeoutException.Phase.RESPONSE_HEAD, e.phase(), e.getMessage());
    }

    @Test
    void aChunkedBodySentAByteAtATimeIsTimedOut() throws Exception {
        ScriptedServer server = resources.server(peer -> {
            peer.readRequest();
            peer.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            drip(peer, "1\r\nx\r\n".repeat(100) + "0\r\n\r\n", 40);
        });
        Connection c = resources.factory.create(Endpoint.http(server.host(), server.port()), ConnectionOptions
                .builder().idleReadTimeout(Duration.ofMillis(600)).minBodyRate(200).build());
        Throwable t = TestResources.failure(c.call(Request.get("/"), BodyHandlers.ofString()));
        assertInstanceOf(RetryException.class, t, "a buffered body cut short: the GET may be sent again");
        PipelaneTimeoutException e = assertInstanceOf(PipelaneTimeoutException.class, t.getCause());
        assertEquals(PipelaneTimeoutException.Phase.BODY_RATE, e.phase(), e.getMessage());
        assertTrue(e.getMessage().contains("minBodyRate"), e.getMessage());
    }

    @Test
    void aRequestBodyWhoseWriteToStallsIsTimedOut() throws Exception {
        ScriptedServer server = resources.server(peer -> {
            try {
                peer.readRequest();
            } catch (IOException clientClosed) {
                // the client gave up on the body
            }
        });
        RequestBody stalling = TestBodies.oneShot(10, out -> {
            out.write("12345".getBytes());
            try {
                done.await(); // the source stalls (until the test ends)
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IOException("released");
        });
        Connection c = resources.factory.create(Endpoint.http(server.host(), server.port()), ConnectionOptions
                .builder().persistence(Persistence.TRUE).writeTimeout(Duration.ofMillis(500)).build());
        Throwable t = TestResources.failure(c.call(Request.put("/upload", stalling), BodyHandlers.ofString()));
        // none of it reached the socket (its head waited in the batch for the body): never sent
        RetryException notSent = assertInstanceOf(RetryException.class, t);
        assertEquals(RetryException.Reason.NOT_SENT, notSent.reason(), t.getMessage());
        PipelaneTimeoutException e = assertInstanceOf(PipelaneTimeoutException.class, t.getCause());
        assertEquals(PipelaneTimeoutException.Phase.WRITE, e.phase(), e.getMessage());
        assertTrue(e.getMessage().contains("writeTo"), e.getMessage());
    }
}
