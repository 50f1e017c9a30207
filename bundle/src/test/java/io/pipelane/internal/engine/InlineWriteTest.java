package io.pipelane.internal.engine;

import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.Request;
import io.pipelane.RequestBody;
import io.pipelane.Response;
import io.pipelane.testing.ScriptedServer;
import io.pipelane.testing.TestResources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Requests go out with as few thread hand-offs as the design allows: a call with nothing in flight is written by
 * the calling thread (an application thread, or the executor thread that runs a completion callback), a burst of
 * calls takes one writer task, and a request body, application code, is written by the writer task. The writer
 * tasks the executor is handed show the hand-offs.
 */
class InlineWriteTest {
    private final TestResources resources = new TestResources();
    private final ConnectionFactory factory = resources.factory;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    /** Writer tasks handed to the executor (the connection's other tasks: its reader, the completions). */
    private final AtomicInteger tasks = new AtomicInteger();
    private final Executor counting = task -> {
        if (task instanceof PipelineWriter) tasks.incrementAndGet();
        pool.execute(task);
    };

    @AfterEach
    void tearDown() throws Exception {
        resources.close();
        pool.shutdownNow();
    }

    private Connection connect(ScriptedServer server) throws Exception {
        return factory.connect(Endpoint.http(server.host(), server.port()), ConnectionOptions.builder()
                .persistence(Persistence.TRUE).executor(counting).build()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /**
     * Connects with an executor that runs each task once the latch {@code holdUntil} gives it is released (at once
     * when it gives null).
     */
    private HttpConnection connect(ScriptedServer server, java.util.function.Function<Runnable, CountDownLatch> holdUntil)
            throws Exception {
        Executor holding = task -> {
            CountDownLatch hold = holdUntil.apply(task);
            if (hold == null) {
                pool.execute(task);
                return;
            }
            pool.execute(() -> {
                try {
                    hold.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                task.run();
            });
        };
        return (HttpConnection) factory.connect(Endpoint.http(server.host(), server.port()),
                ConnectionOptions.builder().persistence(Persistence.TRUE).executor(holding).build())
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void callsMadeInCompletionCallbacksAreWrittenByTheirThread() throws Exception {
        int n = 50;
        ScriptedServer server = resources.server(peer -> {
            for (int i = 0; i < n; i++) peer.respond(200, peer.readRequest().target);
        });
        Connection c = connect(server);
        int connectTasks = tasks.get();
        List<String> bodies = new ArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        issue(c, 0, n, bodies, done);
        done.get(10, TimeUnit.SECONDS);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) expected.add("/" + i);
        assertEquals(expected, bodies, "each response in order");
        assertEquals(connectTasks, tasks.get(), n + " calls from callbacks, no writer task");
    }

    private static void issue(Connection c, int i, int n, List<String> bodies, CompletableFuture<Void> done) {
        c.call(Request.get("/" + i), BodyHandlers.ofString()).whenComplete((r, error) -> {
            if (error != null) {
                done.completeExceptionally(error);
                return;
            }
            bodies.add(r.body());
            if (i + 1 < n) issue(c, i + 1, n, bodies, done);
            else done.complete(null);
        });
    }

    @Test
    void callsMadeByTheCompletionsOfOneReadGoOutInOneWrite() throws Exception {
        int n = 12;
        CountDownLatch callbacksSet = new CountDownLatch(1);
        ScriptedServer server = resources.server(peer -> {
            // The n responses in one write that fits the read buffer of a connection idle when its read began:
            // the reader takes them in one read, so their completions make one round.
            StringBuilder all = new StringBuilder();
            List<ScriptedServer.RecordedRequest> firsts = peer.readRequests(n);
            assertTrue(callbacksSet.await(10, TimeUnit.SECONDS));
            for (ScriptedServer.RecordedRequest r : firsts) {
                all.append("HTTP/1.1 200 OK\r\nContent-Length: ").append(r.target.length()).append("\r\n\r\n")
                        .append(r.target);
            }
            assertTrue(all.length() <= ReadBuffers.IDLE_READ_BUFFER_BYTES, all.length() + " bytes");
            peer.send(all.toString().getBytes(StandardCharsets.US_ASCII));
            for (ScriptedServer.RecordedRequest r : peer.readRequests(n)) peer.respond(200, r.target);
        });
        HttpConnection c = (HttpConnection) connect(server);
        List<CompletableFuture<String>> followUps = new ArrayList<>();
        for (int i = 0; i < n; i++) followUps.add(new CompletableFuture<>());
        CompletableFuture<long[]> writesBeforeFollowUps = new CompletableFuture<>();
        List<Request> firsts = new ArrayList<>();
        for (int i = 0; i < n; i++) firsts.add(Request.get("/" + i));
        List<CompletableFuture<Response<String>>> responses = c.callAll(firsts, BodyHandlers.ofString());
        for (int i = 0; i < n; i++) {
            int k = i;
            responses.get(i).whenComplete((r, error) -> {
                if (error != null) {
                    followUps.get(k).completeExceptionally(error);
                    return;
                }
                if (k == 0) writesBeforeFollowUps.complete(new long[] {c.writeStats()[0], tasks.get()});
                c.call(Request.get("/next" + k), BodyHandlers.ofString()).whenComplete((r2, e2) -> {
                    if (e2 != null) followUps.get(k).completeExceptionally(e2);
                    else followUps.get(k).complete(r2.body());
                });
            });
        }
        callbacksSet.countDown();
        for (int i = 0; i < n; i++) assertEquals("/next" + i, followUps.get(i).get(10, TimeUnit.SECONDS));
        long[] before = writesBeforeFollowUps.get();
        assertEquals(1, c.writeStats()[0] - before[0],
                n + " requests made by the completions of " + n + " responses read at once: one socket write");
        assertEquals(before[1], tasks.get(), "written by the thread that ran the completions, no writer task");
    }

    @Test
    void aCallWithNothingInFlightIsWrittenByTheCallingThread() throws Exception {
        int n = 20;
        ScriptedServer server = resources.server(peer -> {
            for (int i = 0; i < n; i++) peer.respond(200, peer.readRequest().target);
        });
        Connection c = connect(server);
        int connectTasks = tasks.get();
        for (int i = 0; i < n; i++) {
            assertEquals("/" + i, c.call(Request.get("/" + i), BodyHandlers.ofString()).get(10, TimeUnit.SECONDS).body());
        }
        assertEquals(connectTasks, tasks.get(), n + " calls one at a time, no writer task");
    }

    @Test
    void aBurstOfCallsTakesOneWriterTaskAndTwoSocketWrites() throws Exception {
        int n = 16;
        ScriptedServer server = resources.server(peer -> {
            for (ScriptedServer.RecordedRequest r : peer.readRequests(n)) peer.respond(200, r.target);
        });
        // the writer task waits until the whole burst is queued, however the threads are scheduled
        CountDownLatch burstQueued = new CountDownLatch(1);
        HttpConnection c = connect(server, task -> {
            if (!(task instanceof PipelineWriter)) return null;
            tasks.incrementAndGet();
            return burstQueued;
        });
        List<CompletableFuture<Response<String>>> rs = new ArrayList<>();
        for (int i = 0; i < n; i++) rs.add(c.call(Request.get("/" + i), BodyHandlers.ofString()));
        burstQueued.countDown();
        for (int i = 0; i < n; i++) assertEquals("/" + i, rs.get(i).get(10, TimeUnit.SECONDS).body());
        assertEquals(1, tasks.get(), "the first call went out on the caller, the other " + (n - 1) + " with one writer task");
        assertEquals(2, c.writeStats()[0], "socket writes: the first call, then the rest of the burst");
    }

    @Test
    void aRequestBodyIsWrittenByTheWriterTaskNotTheCaller() throws Exception {
        ScriptedServer server = resources.server(peer -> {
            ScriptedServer.RecordedRequest r = peer.readRequest();
            peer.respond(200, r.bodyText());
        });
        Connection c = connect(server);
        int connectTasks = tasks.get();
        AtomicReference<Thread> writtenBy = new AtomicReference<>();
        RequestBody body = new RequestBody() {
            @Override
            public long contentLength() {
                return 5;
            }

            @Override
            public boolean isRepeatable() {
                return true;
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                writtenBy.set(Thread.currentThread());
                out.write("hello".getBytes(StandardCharsets.US_ASCII));
            }
        };
        Response<String> r = c.call(Request.post("/", body), BodyHandlers.ofString()).get(10, TimeUnit.SECONDS);
        assertEquals("hello", r.body());
        assertNotSame(Thread.currentThread(), writtenBy.get(), "the body is not written on the caller's thread");
        assertEquals(connectTasks + 1, tasks.get(), "one writer task, for the request with a body");
    }

    @Test
    void anIdleConnectionKeepsOnlySmallBuffersAndStillWorks() throws Exception {
        String big = "x".repeat(40_000);
        // In chunks of 1,000 bytes: a large body of known length would be read straight into its sink, not through
        // the read buffer, which would not grow.
        StringBuilder chunked = new StringBuilder("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int off = 0; off < big.length(); off += 1_000) chunked.append("3e8\r\n").append(big, off, off + 1_000).append("\r\n");
        chunked.append("0\r\n\r\n");
        ScriptedServer server = resources.server(peer -> {
            peer.readRequest();
            peer.send(chunked.toString());
            peer.respond(200, peer.readRequest().target);
        });
        HttpConnection c = (HttpConnection) connect(server);
        assertEquals(big, c.call(Request.get("/big"), BodyHandlers.ofString()).get(10, TimeUnit.SECONDS).body());
        assertTrue(c.bufferBytes() > 8 * 1024, "a 40 KB body grew the read buffer: " + c.bufferBytes());
        awaitIdleRead(c);
        c.checkTimeouts(System.nanoTime() + TimeUnit.SECONDS.toNanos(1)); // the watchdog, a second later
        assertTrue(c.bufferBytes() <= ReadBuffers.IDLE_READ_BUFFER_BYTES,
                "an idle connection holds " + c.bufferBytes() + " bytes of buffers");
        assertEquals("/small", c.call(Request.get("/small"), BodyHandlers.ofString()).get(10, TimeUnit.SECONDS).body());
    }

    /** Waits (bounded) until the reader is blocked on a read with nothing in flight. */
    private static void awaitIdleRead(HttpConnection c) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!c.isWaitingIdle()) {
            if (System.nanoTime() > deadline) throw new AssertionError("the reader never waited on an idle connection");
            Thread.sleep(1);
        }
    }
}
