package io.pipelane.internal.engine;

import io.pipelane.BodyHandler;
import io.pipelane.BodyHandlers;
import io.pipelane.BodySink;
import io.pipelane.Connection;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.Headers;
import io.pipelane.Persistence;
import io.pipelane.Request;
import io.pipelane.RequestBody;
import io.pipelane.Response;
import io.pipelane.testing.ScriptedServer;
import io.pipelane.testing.ScriptedServer.RecordedRequest;
import io.pipelane.testing.TestResources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A request body longer than its Content-Length never reaches the wire; close() frees a reader blocked on an unread streamed body. */
class RequestBodyLengthAndCloseTest {
    private final TestResources resources = new TestResources();
    private final ConnectionFactory factory = resources.factory;

    @AfterEach
    void tearDown() throws Exception {
        resources.close();
    }

    /**
     * A body of declared length that writes more than it declared (a stream longer than said, a file that grew
     * since its RequestBody was made) must fail the request without its extra bytes reaching the server: there
     * they are read as the next request on the connection (request smuggling).
     */
    @Test
    void bytesBeyondTheDeclaredContentLengthNeverReachTheServer() throws Exception {
        CompletableFuture<String> afterFirst = new CompletableFuture<>();
        ScriptedServer server = resources.server(peer -> {
            peer.readRequest();
            try {
                RecordedRequest next = peer.readRequest();
                afterFirst.complete(next == null ? "nothing" : next.method + " " + next.target);
            } catch (IOException e) {
                afterFirst.complete("nothing (" + e.getMessage() + ")");
            }
        });
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        content.writeBytes("0123456789".getBytes(StandardCharsets.US_ASCII));
        content.writeBytes("DELETE /everything HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        content.writeBytes(new byte[64 * 1024]); // more than the writer's batch
        Connection c = factory.create(Endpoint.http(server.host(), server.port()),
                ConnectionOptions.builder().persistence(Persistence.TRUE).build());
        CompletableFuture<Response<String>> upload = c.call(Request.post("/upload",
                RequestBody.ofStream(new ByteArrayInputStream(content.toByteArray()), 10)), BodyHandlers.ofString());
        TestResources.failure(upload); // declared 10 bytes, wrote more
        String seen = afterFirst.get(10, TimeUnit.SECONDS);
        assertTrue(seen.startsWith("nothing"), "the server read a second request out of the body: " + seen);
    }

    /**
     * Closing a connection while its reader waits for the application to read a streamed body must free the
     * reader at once, not after bodyReadTimeout: the sink's error is set, but its wait loop ignores it.
     */
    @Test
    void closingTheConnectionFreesAReaderBlockedOnAnUnreadStreamedBody() throws Exception {
        ScriptedServer server = resources.server(peer -> {
            peer.readRequest();
            try {
                peer.send("HTTP/1.1 200 OK\r\nContent-Length: " + (8 << 20) + "\r\n\r\n");
                byte[] chunk = new byte[64 * 1024];
                for (int i = 0; i < 128; i++) peer.send(chunk);
            } catch (IOException closedByTheClient) {
                // expected: the client closes mid-body
            }
        });
        ExecutorService threads = Executors.newCachedThreadPool();
        CountDownLatch readerEnded = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        try {
            ConnectionOptions options = ConnectionOptions.builder()
                    .bodyReadTimeout(Duration.ofSeconds(60))
                    .executor(task -> {
                        boolean isReader = first.getAndSet(false); // the first task connects, then reads
                        threads.execute(() -> {
                            try {
                                task.run();
                            } finally {
                                if (isReader) readerEnded.countDown();
                            }
                        });
                    }).build();
            Connection c = factory.create(Endpoint.http(server.host(), server.port()), options);
            CountDownLatch readerWaits = new CountDownLatch(1);
            BodyHandler<InputStream> stream = BodyHandlers.ofInputStream();
            BodyHandler<InputStream> observed = (head, o) -> new BlockingObserver(stream.open(head, o), readerWaits);
            Response<InputStream> r = c.call(Request.get("/big"), observed).get(10, TimeUnit.SECONDS);
            assertEquals(200, r.status());
            assertTrue(readerWaits.await(10, TimeUnit.SECONDS), "the reader never filled the stream's buffer");
            c.close();
            assertTrue(readerEnded.await(5, TimeUnit.SECONDS),
                    "the reader task still runs 5 s after close(): it waits out bodyReadTimeout (60 s)");
        } finally {
            threads.shutdownNow();
        }
    }

    /** Passes everything on; counts down when the reader hands over more than the stream buffers (it waits then). */
    private static final class BlockingObserver implements BodySink<InputStream> {
        private final BodySink<InputStream> delegate;
        private final CountDownLatch waits;
        private long delivered;

        BlockingObserver(BodySink<InputStream> delegate, CountDownLatch waits) {
            this.delegate = delegate;
            this.waits = waits;
        }

        @Override
        public void onData(ByteBuffer data) throws IOException {
            int n = data.remaining();
            if (delivered > 0 && delivered + n > 256 * 1024) waits.countDown();
            delivered += n;
            delegate.onData(data);
        }

        @Override
        public void onComplete(Headers trailers) throws IOException {
            delegate.onComplete(trailers);
        }

        @Override
        public void onError(Throwable cause) {
            delegate.onError(cause);
        }

        @Override
        public CompletionStage<InputStream> body() {
            return delegate.body();
        }
    }
}
