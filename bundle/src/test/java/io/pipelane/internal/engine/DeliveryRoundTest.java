package io.pipelane.internal.engine;

import io.pipelane.BodyHandler;
import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.Request;
import io.pipelane.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The completions of one read's responses start one drain task, after the reader has handed them all on (one
 * hand-off per read, and the requests their callbacks make in one write); a body sink of the application's that
 * waits, within the same read, for a response queued before it does not hang the connection. The test's side of the socket is a
 * {@link MemoryTransport}: each {@code serve} is one read.
 */
class DeliveryRoundTest {
    private final MemoryTransport.Connector connector = new MemoryTransport.Connector();
    private final ExecutorService pool = Executors.newCachedThreadPool();
    /**
     * For each drain task started (a task that is not the writer), the requests the connection still held then: 0
     * once the reader has handed on every response of the read.
     */
    private final List<Integer> drainStarts = new CopyOnWriteArrayList<>();
    private final AtomicReference<HttpConnection> observed = new AtomicReference<>();
    private final Executor observing = task -> {
        HttpConnection c = observed.get();
        if (c != null && !(task instanceof PipelineWriter)) drainStarts.add(c.length());
        pool.execute(task);
    };
    private final PipelaneConnectionFactory factory = new PipelaneConnectionFactory(ConnectionOptions.defaults(),
            Map.of(), null, "delivery-round-test", connector);

    @AfterEach
    void tearDown() {
        factory.close();
        pool.shutdownNow();
    }

    private HttpConnection connect() {
        return (HttpConnection) factory.create(Endpoint.http("example.test", 80),
                ConnectionOptions.builder().persistence(Persistence.TRUE).executor(observing).build());
    }

    private static String response(String body) {
        return "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    private static void awaitIdle(Delivery d) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!d.isIdle()) {
            if (System.nanoTime() > deadline) throw new AssertionError("the delivery never became idle");
            Thread.sleep(1);
        }
    }

    @Test
    void theResponsesOfOneReadAreCompletedByOneDrainTaskStartedAfterTheRead() throws Exception {
        // All of the read must fit the reader's smallest buffer: a reader already waiting with its idle buffer
        // (as it may be when the calls are slow, under load) reads no more than that at once.
        int n = 10;
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < n; i++) all.append(response("r" + i));
        assertTrue(all.length() <= ReadBuffers.IDLE_READ_BUFFER_BYTES, "the responses fit one read");
        HttpConnection c = connect();
        MemoryTransport server = connector.next();
        List<CompletableFuture<Response<String>>> rs = new ArrayList<>();
        server.awaitReaderIdle(); // the order in which the reader reads into its smallest buffer
        for (int i = 0; i < n; i++) rs.add(c.call(Request.get("/" + i), BodyHandlers.ofString()));
        server.awaitWritten("GET /", n);
        awaitIdle(c.delivery()); // the completion of connect() has run
        observed.set(c);
        server.serve(all.toString()); // one read
        for (int i = 0; i < n; i++) assertEquals("r" + i, rs.get(i).get(10, TimeUnit.SECONDS).body());
        assertEquals(List.of(0), drainStarts,
                "one drain task, started once the reader had handed on all " + n + " responses of the read");
    }

    @Test
    void aSinkThatWaitsForAResponseOfTheSameReadDoesNotHangTheConnection() throws Exception {
        Connection c = connect();
        MemoryTransport server = connector.next();
        CompletableFuture<Response<String>> first = c.call(Request.get("/first"), BodyHandlers.ofString());
        // Application code in a sink: it waits (bounded) until the first response, which the same read completed
        // just before, has reached the application: the reader releases the delivery before it calls such code.
        BodyHandler<String> waitingForFirst = WaitingSinks.ofString(() -> {
            try {
                first.get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IOException("the first response never reached the application", e);
            }
        });
        CompletableFuture<Response<String>> second = c.call(Request.get("/second"), waitingForFirst);
        server.awaitWritten("GET /", 2);
        server.serve(response("one") + response("two")); // one read
        assertEquals("two", second.get(10, TimeUnit.SECONDS).body(),
                "the reader released the drain it held before it called the application's sink");
        assertEquals("one", first.get().body());
    }
}
