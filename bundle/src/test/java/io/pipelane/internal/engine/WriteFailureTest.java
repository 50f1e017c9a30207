package io.pipelane.internal.engine;

import io.pipelane.BodyHandler;
import io.pipelane.BodyHandlers;
import io.pipelane.BodySink;
import io.pipelane.Connection;
import io.pipelane.ConnectionOptions;
import io.pipelane.ConnectionState;
import io.pipelane.Persistence;
import io.pipelane.PossiblyProcessedException;
import io.pipelane.Request;
import io.pipelane.RequestBody;
import io.pipelane.Response;
import io.pipelane.RetryException;
import io.pipelane.testing.TestBodies;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.SocketException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.pipelane.testing.TestResources.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17: a failed write stops writing but not reading. Driven over the in-memory transport in explicit
 * steps: each step waits for a condition (bytes written, a sink entered, a future done), never for time.
 */
class WriteFailureTest {
    private final MemoryConnections connections = new MemoryConnections("write-failure-test");

    @AfterEach
    void tearDown() {
        connections.close();
    }

    /** Waits, through nextChange(), until the connection reaches {@code state}. */
    private static void awaitState(Connection c, ConnectionState state) throws Exception {
        for (int i = 0; i < 100 && c.state() != state; i++) {
            var change = c.nextChange().toCompletableFuture();
            if (c.state() == state) break;
            change.get(10, TimeUnit.SECONDS);
        }
        assertEquals(state, c.state());
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    /** A string sink that holds the reader in its first {@code onData} until released (a slow consumer). */
    private static final class HoldingHandler implements BodyHandler<String> {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        private final BodyHandler<String> inner = WaitingSinks.ofString(() -> {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        @Override
        public BodySink<String> open(io.pipelane.ResponseHead head, ConnectionOptions options) {
            return inner.open(head, options);
        }
    }

    @Test
    void anAnsweredPostIsDeliveredWhenTheNextWriteFailsAfterAReset() throws Exception {
        Connection c = connections.connect();
        MemoryTransport server = connections.next();
        HoldingHandler slowSink = new HoldingHandler();
        CompletableFuture<Response<String>> pay = c.call(Request.post("/pay", RequestBody.of("amount=1")), slowSink);
        server.awaitWritten("POST /pay", 1);
        server.serve("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\npaid");
        assertTrue(slowSink.entered.await(10, TimeUnit.SECONDS), "the reader is handing the body to the sink");
        server.reset(); // the server answered in full, then reset the connection

        CompletableFuture<Response<String>> next = c.call(Request.get("/next"), BodyHandlers.ofString());
        awaitState(c, ConnectionState.CLOSING); // the write failed while the reader holds the POST's response

        slowSink.release.countDown();
        Response<String> paid = await(pay);
        assertEquals(200, paid.status(), "the server answered the POST: the caller must learn it went through");
        assertEquals("paid", paid.body());
        Throwable notAnswered = failure(next);
        assertInstanceOf(RetryException.class, notAnswered, "its write failed on a reset connection");
        c.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(ConnectionState.FAILED, c.state());
    }

    @Test
    void writeFailureFailsTheUnsentAtOnceAndClassifiesTheInFlightWhenTheInputEnds() throws Exception {
        Connection c = connections.connect(ConnectionOptions.builder()
                .persistence(Persistence.TRUE).pipelineAfterNonIdempotent(true).build());
        MemoryTransport server = connections.next();
        var get = c.call(Request.get("/a"), BodyHandlers.ofString());
        var post = c.call(Request.post("/b", RequestBody.of("x")), BodyHandlers.ofString());
        server.awaitWritten("POST /b", 1);
        server.failWrites(new SocketException("Broken pipe"));
        var third = c.call(Request.get("/c"), BodyHandlers.ofString());
        awaitState(c, ConnectionState.CLOSING); // reading goes on after a failed write
        assertTrue(c.call(Request.get("/d")).isCompletedExceptionally(), "no new request is accepted");

        server.serve("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na");
        assertEquals("a", await(get).body(), "a response that arrives complete is delivered");
        server.fin();
        assertInstanceOf(PossiblyProcessedException.class, failure(post),
                "sent, unanswered, not idempotent (RFC 9112 §9.3.1)");
        assertInstanceOf(RetryException.class, failure(third), "its write failed; it is idempotent");
        c.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aRequestCutMidWriteHasItsResponseTimedWhenTheServerSaysNothingMore() throws Exception {
        // A write error cuts a POST in its body; the server neither answers nor closes. The POST stays in flight
        // (the server may answer part of a request), so its response is timed from when writing stopped:
        // without that it had no timeout at all (its response timeout started only once it was wholly written).
        Connection c = connections.connect(ConnectionOptions.builder()
                .persistence(Persistence.TRUE).responseTimeout(java.time.Duration.ofMillis(200)).build());
        MemoryTransport server = connections.next();
        server.failWrites(new SocketException("Broken pipe"));
        var upload = c.call(Request.post("/upload", RequestBody.of(new byte[100_000])), BodyHandlers.ofString());
        Throwable t = failure(upload);
        assertInstanceOf(PossiblyProcessedException.class, t, "part of it may have reached the server");
        assertTrue(t.getMessage().contains("partly sent"), t.getMessage());
        assertEquals("Broken pipe", t.getCause().getMessage(), "the cause is what cut it, the failed write");
        c.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(ConnectionState.FAILED, c.state());
    }

    @Test
    void aServerThatAnswersThenClosesWhileAnUploadIsBlockedEndsItAtOnce() throws Exception {
        // Writing ends because the input does: the server answered the GET, stopped reading the POST's body and
        // closed its side. The answer is delivered; the POST, cut mid-write, fails as possibly processed with the
        // server's close as its cause, without waiting for the write timeout.
        Connection c = connections.connect(ConnectionOptions.builder()
                .persistence(Persistence.TRUE).writeTimeout(java.time.Duration.ofDays(1)).build());
        MemoryTransport server = connections.next();
        var first = c.call(Request.get("/first"), BodyHandlers.ofString());
        server.awaitWritten("GET /first", 1);
        server.holdWrites();
        var upload = c.call(Request.post("/upload", RequestBody.of(new byte[100_000])), BodyHandlers.ofString());
        server.awaitBlockedWrite();
        server.serve("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst");
        server.fin();

        assertEquals("first", await(first).body(), "the response that arrived complete is delivered");
        Throwable t = failure(upload);
        assertInstanceOf(PossiblyProcessedException.class, t);
        assertTrue(t.getMessage().contains("partly sent"), t.getMessage());
        assertInstanceOf(io.pipelane.ConnectionClosedException.class, t.getCause());
        c.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertTrue(server.isClosed(), "closing the transport released the blocked write");
    }

    @Test
    void aRequestBodyThatThrowsFailsItselfAndStopsWritingButTheResponsesAheadAreDelivered() throws Exception {
        Connection c = connections.connect();
        MemoryTransport server = connections.next();
        var first = c.call(Request.get("/first"), BodyHandlers.ofString());
        server.awaitWritten("GET /first", 1);
        RequestBody failing = TestBodies.oneShot(10, out -> {
            out.write("12345".getBytes());
            throw new IOException("the upload source failed");
        });
        var upload = c.call(Request.put("/upload", failing), BodyHandlers.ofString());
        var behind = c.call(Request.get("/behind"), BodyHandlers.ofString());
        Throwable own = failure(upload);
        assertTrue(own.getMessage().contains("the upload source failed"), own.getMessage());
        assertInstanceOf(RetryException.class, failure(behind), "never sent");

        server.serve("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        assertEquals("ok", await(first).body(), "the response ahead of the failed body is delivered");
        c.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(ConnectionState.FAILED, c.state());
    }
}
