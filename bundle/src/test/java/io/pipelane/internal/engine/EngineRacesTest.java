package io.pipelane.internal.engine;

import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.PossiblyProcessedException;
import io.pipelane.Request;
import io.pipelane.RequestBody;
import io.pipelane.Response;
import io.pipelane.RetryException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.pipelane.testing.TestResources.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine's races found by {@link EngineFuzzTest}, replayed in a fixed order: the in-memory transport holds the
 * client's threads at the point of the race (a write about to begin, a close about to close) until the test has
 * made the other side happen. No sleeps, no timing windows.
 */
class EngineRacesTest {
    private static final long WAIT_MS = MemoryTransport.WAIT_MS;

    private final MemoryTransport.Connector connector = new MemoryTransport.Connector();
    private final PipelaneConnectionFactory factory = new PipelaneConnectionFactory(ConnectionOptions.defaults(),
            Map.of(), null, "engine-races-test", connector);

    @AfterEach
    void tearDown() {
        factory.close();
    }

    private Connection connect() {
        return factory.create(Endpoint.http("example.test", 80),
                ConnectionOptions.builder().persistence(Persistence.TRUE).build());
    }

    /**
     * Fuzz seed 7710612368911 (round #5109, Java 25): the writer had marked a POST's batch as sent, then the
     * connection ended (the caller's close(), or the server's reset seen by the reader) and closed the transport
     * before the writer's socket write began. Nothing of the POST was sent, yet it failed as possibly processed.
     */
    @ParameterizedTest
    @ValueSource(strings = {"caller closes", "server resets"})
    void aPostWhoseWriteBeginsAfterTheConnectionEndedFailsAsNotSent(String end) throws Exception {
        Connection c = connect();
        MemoryTransport server = connector.next();
        server.holdWriteStarts();
        // A body: written by the writer task, not on this thread.
        CompletableFuture<Response<String>> pay = c.call(Request.post("/pay", RequestBody.of("amount=1")),
                BodyHandlers.ofString());
        server.awaitWriteWaiting(); // the batch is marked sent; its write has not begun
        if (end.equals("caller closes")) {
            c.close();
        } else {
            server.reset();
            server.awaitClosed(); // the reader saw the reset and the connection closed its transport
        }
        server.releaseWriteStarts();

        RetryException e = assertInstanceOf(RetryException.class, failure(pay),
                "nothing of the POST was sent: it may be sent again");
        assertEquals(RetryException.Reason.NOT_SENT, e.reason(), e.getMessage());
        assertFalse(server.attemptedText().contains("POST /pay"), server.attemptedText());
        c.closed().toCompletableFuture().get(WAIT_MS, TimeUnit.MILLISECONDS);
    }

    /** The safe direction is kept: a POST whose write had begun (the server not reading) may have been processed. */
    @Test
    void aPostWhoseWriteHadBegunWhenTheCallerClosedMayHaveBeenProcessed() throws Exception {
        Connection c = connect();
        MemoryTransport server = connector.next();
        server.holdWrites();
        CompletableFuture<Response<String>> pay = c.call(Request.post("/pay", RequestBody.of("amount=1")),
                BodyHandlers.ofString());
        server.awaitWriteWaiting(); // in the socket write, which the server does not take
        c.close();

        assertInstanceOf(PossiblyProcessedException.class, failure(pay));
        assertTrue(server.attemptedText().contains("POST /pay"), server.attemptedText());
        c.closed().toCompletableFuture().get(WAIT_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * Commit aeb832d: close() fails a request the writer has taken as never sent, and only then closes the
     * transport. A writer that reaches the socket in between must not write it: a POST reported as not sent (the
     * caller may send it again) would have reached the server. Here the POST's body fills the batch, whose bytes
     * go to the socket from inside the body's {@code writeTo}, while close() is held before closing the transport.
     */
    @Test
    void aRequestFailedAsNotSentByCloseIsNeverWrittenAfterwards() throws Exception {
        Connection c = connect();
        MemoryTransport server = connector.next();
        server.holdCloses();
        CountDownLatch inBody = new CountDownLatch(1);
        CountDownLatch bodyGo = new CountDownLatch(1);
        CountDownLatch bodyDone = new CountDownLatch(1);
        byte[] large = new byte[PipelineWriter.BATCH_BYTES + 1024];
        RequestBody body = new RequestBody() {
            @Override
            public long contentLength() {
                return large.length;
            }

            @Override
            public boolean isRepeatable() {
                return false;
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                try {
                    inBody.countDown();
                    if (!bodyGo.await(WAIT_MS, TimeUnit.MILLISECONDS)) throw new IOException("never released");
                    out.write(large); // more than the batch holds: the head goes to the socket now
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException();
                } finally {
                    bodyDone.countDown();
                }
            }
        };
        CompletableFuture<Response<String>> upload = c.call(Request.post("/upload", body), BodyHandlers.ofString());
        assertTrue(inBody.await(WAIT_MS, TimeUnit.MILLISECONDS), "the writer is in the body");
        CompletableFuture<Void> closing = CompletableFuture.runAsync(c::close);
        server.awaitCloseCalled(); // the POST is failed as never sent; the transport is not closed yet
        bodyGo.countDown();
        assertTrue(bodyDone.await(WAIT_MS, TimeUnit.MILLISECONDS), "the body's writeTo returned");
        assertFalse(server.attemptedText().contains("POST /upload"),
                "written after it was failed as not sent: " + server.attemptedText());

        server.releaseCloses();
        closing.get(WAIT_MS, TimeUnit.MILLISECONDS);
        RetryException e = assertInstanceOf(RetryException.class, failure(upload));
        assertEquals(RetryException.Reason.NOT_SENT, e.reason(), e.getMessage());
        assertFalse(server.attemptedText().contains("POST /upload"), server.attemptedText());
    }
}
