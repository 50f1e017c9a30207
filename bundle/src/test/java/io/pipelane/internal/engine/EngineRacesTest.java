package io.pipelane.internal.engine;

import io.pipelane.BodyHandler;
import io.pipelane.BodyHandlers;
import io.pipelane.BodySink;
import io.pipelane.Connection;
import io.pipelane.ConnectionOptions;
import io.pipelane.Headers;
import io.pipelane.Persistence;
import io.pipelane.PipelaneException;
import io.pipelane.PossiblyProcessedException;
import io.pipelane.Request;
import io.pipelane.RequestBody;
import io.pipelane.Response;
import io.pipelane.RetryException;
import io.pipelane.testing.TestBodies;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

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

    private final MemoryConnections connections = new MemoryConnections("engine-races-test");

    @AfterEach
    void tearDown() {
        connections.close();
    }

    /** A POST with a body: written by the writer task, not on the calling thread. */
    private static CompletableFuture<Response<String>> pay(Connection c) {
        return c.call(Request.post("/pay", RequestBody.of("amount=1")), BodyHandlers.ofString());
    }

    /**
     * Fuzz seed 7710612368911 (round #5109, Java 25): the writer had marked a POST's batch as sent, then the
     * connection ended (the caller's close(), or the server's reset seen by the reader) and closed the transport
     * before the writer's socket write began. Nothing of the POST was sent, yet it failed as possibly processed.
     */
    @ParameterizedTest
    @ValueSource(strings = {"caller closes", "server resets"})
    void aPostWhoseWriteBeginsAfterTheConnectionEndedFailsAsNotSent(String end) throws Exception {
        Connection c = connections.connect();
        MemoryTransport server = connections.next();
        server.holdWriteStarts();
        CompletableFuture<Response<String>> pay = pay(c);
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
        Connection c = connections.connect();
        MemoryTransport server = connections.next();
        server.holdWrites();
        CompletableFuture<Response<String>> pay = pay(c);
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
        Connection c = connections.connect();
        MemoryTransport server = connections.next();
        server.holdCloses();
        CountDownLatch inBody = new CountDownLatch(1);
        CountDownLatch bodyGo = new CountDownLatch(1);
        CountDownLatch bodyDone = new CountDownLatch(1);
        byte[] large = new byte[PipelineWriter.BATCH_BYTES + 1024];
        RequestBody body = TestBodies.oneShot(large.length, out -> {
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
        });
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

    /**
     * Fuzz seed 7206969208529: close() told a body sink {@code onError} on the caller's thread while the reader was
     * in the sink's {@code onData}, where a sink is called on the reader thread only, one method at a time. Here the
     * sink holds the reader in {@code onData} while the caller closes; its end must come afterwards, on the reader.
     */
    @Test
    void aSinkHearsItsEndOnTheReaderAfterItsOnDataWhenTheCallerCloses() throws Exception {
        Connection c = connections.connect();
        MemoryTransport server = connections.next();
        CountDownLatch inData = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch ended = new CountDownLatch(1);
        AtomicReference<Thread> dataThread = new AtomicReference<>();
        AtomicReference<String> endedHow = new AtomicReference<>();
        AtomicInteger ends = new AtomicInteger();
        AtomicBoolean insideData = new AtomicBoolean();
        BodyHandler<String> holding = (head, options) -> new BodySink<>() {
            private final CompletableFuture<String> body = new CompletableFuture<>();

            @Override
            public void onData(ByteBuffer data) throws IOException {
                dataThread.set(Thread.currentThread());
                insideData.set(true);
                try {
                    inData.countDown();
                    if (!release.await(WAIT_MS, TimeUnit.MILLISECONDS)) throw new IOException("never released");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("the connection ended");
                } finally {
                    insideData.set(false);
                }
                data.position(data.limit());
            }

            @Override
            public void onComplete(Headers trailers) {
                end("onComplete");
                body.complete("complete");
            }

            @Override
            public void onError(Throwable cause) {
                end("onError");
                body.completeExceptionally(cause);
            }

            private void end(String how) {
                endedHow.set(how + " on " + Thread.currentThread().getName()
                        + (insideData.get() ? " during onData" : ""));
                if (Thread.currentThread() != dataThread.get() || insideData.get()) endedHow.set("wrong: " + endedHow);
                ends.incrementAndGet();
                ended.countDown();
            }

            @Override
            public CompletionStage<String> body() {
                return body;
            }
        };
        CompletableFuture<Response<String>> f = c.call(Request.get("/slow"), holding);
        server.awaitWritten("GET /slow", 1);
        server.serve("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234");
        assertTrue(inData.await(WAIT_MS, TimeUnit.MILLISECONDS), "the reader is in onData");
        c.close();
        release.countDown();

        assertTrue(ended.await(WAIT_MS, TimeUnit.MILLISECONDS), "the sink never heard its end");
        assertFalse(endedHow.get().startsWith("wrong"), endedHow.get());
        assertTrue(endedHow.get().startsWith("onError"), endedHow.get());
        assertInstanceOf(PipelaneException.class, failure(f));
        c.closed().toCompletableFuture().get(WAIT_MS, TimeUnit.MILLISECONDS);
        assertEquals(1, ends.get(), "a sink hears its end once");
    }

    /**
     * What lets the caller's close() end a reader blocked in a sink without calling the sink itself: the reader is
     * interrupted, and only while it is in the sink, so the sink's bounded wait ends at once (well before its own
     * bound) and no interrupt is left on the executor's thread.
     */
    @Test
    void closeInterruptsAReaderBlockedInASinkAndLeavesItsThreadUninterrupted() throws Exception {
        CompletableFuture<Boolean> interruptedAfterwards = new CompletableFuture<>();
        AtomicBoolean first = new AtomicBoolean(true);
        ConnectionOptions options = ConnectionOptions.builder().persistence(Persistence.TRUE).executor(task -> {
            boolean isReader = first.getAndSet(false); // the first task connects, then reads
            new Thread(() -> {
                task.run();
                if (isReader) interruptedAfterwards.complete(Thread.currentThread().isInterrupted());
            }).start();
        }).build();
        Connection c = connections.connect(options);
        MemoryTransport server = connections.next();
        CountDownLatch inData = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        CompletableFuture<Throwable> sinkEnd = new CompletableFuture<>();
        BodyHandler<String> blocking = (head, o) -> new BodySink<>() {
            @Override
            public void onData(ByteBuffer data) throws IOException {
                inData.countDown();
                try {
                    never.await(); // unbounded on purpose: only the interrupt ends it
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException("interrupted in onData");
                }
            }

            @Override
            public void onComplete(Headers trailers) {
                sinkEnd.complete(null);
            }

            @Override
            public void onError(Throwable cause) {
                sinkEnd.complete(cause);
            }

            @Override
            public CompletionStage<String> body() {
                return new CompletableFuture<>();
            }
        };
        c.call(Request.get("/blocked"), blocking);
        server.awaitWritten("GET /blocked", 1);
        server.serve("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234");
        assertTrue(inData.await(WAIT_MS, TimeUnit.MILLISECONDS), "the reader is in onData");
        c.close();
        Throwable cause = sinkEnd.get(WAIT_MS, TimeUnit.MILLISECONDS);
        assertTrue(cause != null && cause.getMessage().contains("Connection.close()"), String.valueOf(cause));
        assertFalse(interruptedAfterwards.get(WAIT_MS, TimeUnit.MILLISECONDS),
                "the reader task left its thread interrupted");
    }
}
