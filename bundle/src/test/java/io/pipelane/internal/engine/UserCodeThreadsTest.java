package io.pipelane.internal.engine;

import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionOptions;
import io.pipelane.ConnectionState;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.PipelaneTimeoutException;
import io.pipelane.Request;
import io.pipelane.RetryException;
import io.pipelane.testing.ScriptedServer;
import io.pipelane.testing.TestResources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11, item 3: no application code on the reader or the watchdog thread can hang a connection. Each test is a
 * reproduction from the issue; each waits on conditions (bytes written, latches), never on time.
 */
class UserCodeThreadsTest {
    private final MemoryTransport.Connector connector = new MemoryTransport.Connector();
    private final PipelaneConnectionFactory factory = new PipelaneConnectionFactory(ConnectionOptions.defaults(),
            Map.of(), null, "user-code-test", connector);
    /** Released at the end, so no test leaves a thread blocked. */
    private final CountDownLatch endOfTest = new CountDownLatch(1);

    @AfterEach
    void tearDown() {
        endOfTest.countDown();
        factory.close();
    }

    private Connection connect() {
        return factory.create(Endpoint.http("example.test", 80),
                ConnectionOptions.builder().persistence(Persistence.TRUE).build());
    }

    private static String response(String body) {
        return "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    private void block() {
        try {
            endOfTest.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aDependentStageThatCallsTheConnectionAgainAndJoinsDoesNotHangIt() throws Exception {
        Connection c = connect();
        MemoryTransport server = connector.next();
        CompletableFuture<String> nested = c.call(Request.get("/1"), BodyHandlers.ofString())
                .thenApply(r -> c.call(Request.get("/2"), BodyHandlers.ofString()).join().body());
        server.awaitWritten("GET /1", 1);
        server.serve(response("one"));
        server.awaitWritten("GET /2", 1); // written by the dependent stage, which now waits in join()
        server.serve(response("two"));
        assertEquals("two", await(nested), "the reader read the second response while the first's stage waited");
        assertEquals(ConnectionState.OPEN, c.state());
        assertEquals(0, c.length());
    }

    @Test
    void readAllBytesInADependentStageOfAStreamedResponseDoesNotHangIt() throws Exception {
        Connection c = connect();
        MemoryTransport server = connector.next();
        CountDownLatch reading = new CountDownLatch(1);
        CompletableFuture<String> body = c.call(Request.get("/stream"), BodyHandlers.ofInputStream())
                .thenApply(r -> {
                    reading.countDown();
                    try {
                        return new String(r.body().readAllBytes(), StandardCharsets.US_ASCII);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
        server.awaitWritten("GET /stream", 1);
        server.serve("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234");
        assertTrue(reading.await(10, TimeUnit.SECONDS), "the stage runs once the head is there");
        server.serve("56789");
        assertEquals("0123456789", await(body), "the reader fed the stream the stage was reading");
    }

    @Test
    void aStageThatNeverReturnsDoesNotHoldBackTheNextResponses() throws Exception {
        Connection c = connect();
        MemoryTransport server = connector.next();
        CountDownLatch stuck = new CountDownLatch(1);
        c.call(Request.get("/stuck"), BodyHandlers.ofString()).thenAccept(r -> {
            stuck.countDown();
            block(); // application code that never returns (until the test ends)
        });
        var next = c.call(Request.get("/next"), BodyHandlers.ofString());
        server.awaitWritten("GET /next", 1);
        server.serve(response("a") + response("b"));
        assertTrue(stuck.await(10, TimeUnit.SECONDS));
        // The watchdog sees the stuck completion (after Delivery.STUCK_MILLIS), logs it once, and the next one goes on.
        assertEquals("b", await(next).body());
    }

    @Test
    void aFinaliserWhoseStageNeverCompletesDoesNotHoldClosedForEver() throws Exception {
        Connection c = factory.create(Endpoint.http("example.test", 80), ConnectionOptions.builder()
                .persistence(Persistence.TRUE).finaliserTimeout(Duration.ofMillis(200))
                .finaliser(conn -> new CompletableFuture<>()).build());
        MemoryTransport server = connector.next();
        var waiting = c.call(Request.get("/w"), BodyHandlers.ofString());
        server.awaitWritten("GET /w", 1);
        server.fin();
        c.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertInstanceOf(RetryException.class, TestResources.failure(waiting));
        assertTrue(c.nextChange().toCompletableFuture().isDone(), "nothing is left to wait for");
        assertEquals(0, c.length());
    }

    /**
     * From the issue: a finaliser sleeping 5 s delayed another connection's 600 ms timeout to 5.5 s, because the
     * watchdog ran it. Here it blocks until the test ends: the other connection must still time out.
     */
    @Test
    void aBlockingFinaliserDoesNotDelayAnotherConnectionsTimeout() throws Exception {
        try (TestResources resources = new TestResources()) {
            ScriptedServer silent = resources.server(peer -> {
                peer.readRequest();
                peer.stall(); // never answers
            });
            Endpoint endpoint = Endpoint.http(silent.host(), silent.port());
            CountDownLatch finalising = new CountDownLatch(1);
            AtomicBoolean finaliserReturned = new AtomicBoolean();
            Connection blocked = resources.factory.create(endpoint, ConnectionOptions.builder()
                    .responseTimeout(Duration.ofMillis(300)).finaliserTimeout(Duration.ofMillis(300))
                    .finaliser(conn -> {
                        finalising.countDown();
                        block(); // synchronously, inside the finaliser
                        finaliserReturned.set(true);
                        return null;
                    }).build());
            var first = blocked.call(Request.get("/a"), BodyHandlers.ofString());
            assertTrue(finalising.await(10, TimeUnit.SECONDS), "the connection timed out and its finaliser blocks");
            Throwable firstFailure = TestResources.failure(first);
            assertInstanceOf(RetryException.class, firstFailure,
                    "its requests fail after finaliserTimeout although the finaliser never returned");
            assertInstanceOf(PipelaneTimeoutException.class, firstFailure.getCause());
            blocked.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);

            Connection other = resources.factory.create(endpoint, ConnectionOptions.builder()
                    .responseTimeout(Duration.ofMillis(600)).build());
            Throwable t = TestResources.failure(other.call(Request.get("/b"), BodyHandlers.ofString()));
            assertInstanceOf(PipelaneTimeoutException.class, t.getCause(), "the watchdog is free: the other timeout fires");
            assertFalse(finaliserReturned.get(), "while the first connection's finaliser still blocks");
        }
    }
}
