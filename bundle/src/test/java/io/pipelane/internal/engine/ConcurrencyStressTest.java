package io.pipelane.internal.engine;

import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.PipelaneException;
import io.pipelane.PossiblyProcessedException;
import io.pipelane.Request;
import io.pipelane.RequestBody;
import io.pipelane.Response;
import io.pipelane.RetryException;
import io.pipelane.TlsOptions;
import io.pipelane.testing.KeyValueServer;
import io.pipelane.testing.TestCerts;
import org.junit.jupiter.api.io.TempDir;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Many threads calling, closing and shutting down at random on a few connections to a fast local server
 * (embedded Jetty). Bounded in time and count. Every call's future completes exactly once, with a response that
 * is the answer to its own request or with a failure of an allowed kind; afterwards every connection is empty and
 * closed, every {@code nextChange()} stage has completed, and closing the factory leaves no thread behind.
 */
class ConcurrencyStressTest {
    private static final int THREADS = 8;
    private static final int SLOTS = 3;
    private static final int OPS_PER_THREAD = 600;
    /** The workers stop early when this is spent; everything else has its own deadline. */
    private static final long WORK_BUDGET_MS = 4_000;
    private static final long SETTLE_S = 10;
    private static final String PREFIX = "pipelane-stress";

    private KeyValueServer server;
    private Endpoint endpoint;
    private TlsOptions tls = TlsOptions.defaults();

    @TempDir
    Path keys;

    @BeforeEach
    void start() throws Exception {
        server = new KeyValueServer();
        endpoint = Endpoint.http("127.0.0.1", server.port());
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    @Test
    @Timeout(60)
    void randomCallsClosesAndShutdownsOverTls() throws Exception {
        TestCerts certs = TestCerts.generate(keys, "localhost", "dns:localhost,ip:127.0.0.1");
        server.close();
        server = new KeyValueServer(certs.serverContext());
        endpoint = Endpoint.https("localhost", server.port());
        tls = TlsOptions.builder().sslContext(certs.clientContext()).build();
        ConnectionFactory factory = ConnectionFactory.builder().threadNamePrefix(PREFIX).build();
        stress(factory, "default executor, TLS");
        long t = System.nanoTime();
        factory.close();
        System.out.println("factory.close() took " + (System.nanoTime() - t) / 1_000_000 + " ms");
        assertNoThreadsLeft();
    }

    @Test
    @Timeout(60)
    void randomCallsClosesAndShutdownsOnTheFactorysExecutor() throws Exception {
        ConnectionFactory factory = ConnectionFactory.builder().threadNamePrefix(PREFIX).build();
        stress(factory, "default executor");
        factory.close();
        assertNoThreadsLeft();
    }

    @Test
    @Timeout(60)
    void randomCallsClosesAndShutdownsOnPlatformThreads() throws Exception {
        ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, PREFIX + "-caller-pool");
            t.setDaemon(true);
            return t;
        });
        try {
            ConnectionFactory factory = ConnectionFactory.builder().threadNamePrefix(PREFIX).executor(pool).build();
            stress(factory, "platform pool");
            factory.close();
        } finally {
            pool.shutdown();
            assertTrue(pool.awaitTermination(SETTLE_S, TimeUnit.SECONDS), "the pool's tasks ended");
        }
        assertNoThreadsLeft();
    }

    @Test
    @Timeout(60)
    void randomCallsClosesAndShutdownsOnVirtualThreads() throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads need Java 21");
        ExecutorService virtual = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor")
                .invoke(null);
        try {
            ConnectionFactory factory = ConnectionFactory.builder().threadNamePrefix(PREFIX).executor(virtual).build();
            stress(factory, "virtual threads");
            factory.close();
        } finally {
            virtual.shutdown();
            assertTrue(virtual.awaitTermination(SETTLE_S, TimeUnit.SECONDS), "the virtual threads' tasks ended");
        }
        assertNoThreadsLeft();
    }

    /** One call and what became of it. */
    private static final class Call {
        final Request request;
        final CompletableFuture<Response<String>> future;
        final AtomicInteger completions = new AtomicInteger();
        /** Completes once the counting callback has run. */
        final CompletableFuture<Response<String>> counted;
        volatile Object outcome;

        Call(Request request, CompletableFuture<Response<String>> future) {
            this.request = request;
            this.future = future;
            this.counted = future.whenComplete((resp, err) -> {
                completions.incrementAndGet();
                outcome = err != null ? err : resp;
            });
        }
    }

    private void stress(ConnectionFactory factory, String what) throws Exception {
        ConcurrentLinkedQueue<Connection> connections = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<CompletableFuture<Void>> changes = new ConcurrentLinkedQueue<>();
        AtomicReferenceArray<Connection> slots = new AtomicReferenceArray<>(SLOTS);
        Random seeds = new Random();
        long seed = seeds.nextLong();
        for (int i = 0; i < SLOTS; i++) {
            Connection c = factory.create(endpoint, options(new Random(seed + i)));
            connections.add(c);
            slots.set(i, c);
        }

        ExecutorService workers = Executors.newFixedThreadPool(THREADS, r -> new Thread(r, "stress-worker"));
        CountDownLatch go = new CountDownLatch(1);
        long workDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WORK_BUDGET_MS);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            Random random = new Random(seed * 31 + t);
            done.add(workers.submit(() -> {
                go.await();
                for (int n = 0; n < OPS_PER_THREAD && System.nanoTime() < workDeadline; n++) {
                    int slot = random.nextInt(SLOTS);
                    Connection c = slots.get(slot);
                    int dice = random.nextInt(100);
                    if (dice < 94) {
                        Request r = request(random, "/t" + thread + "/" + n);
                        calls.add(new Call(r, c.call(r, BodyHandlers.ofString())));
                    } else if (dice < 96) {
                        changes.add(c.nextChange().toCompletableFuture());
                    } else if (dice < 98) {
                        c.length();
                        c.isClosed();
                        c.state();
                        c.isPipelining();
                    } else {
                        if (dice == 98) c.close();
                        else c.shutdown();
                        Connection fresh = factory.create(endpoint, options(random));
                        connections.add(fresh);
                        if (!slots.compareAndSet(slot, c, fresh)) fresh.close(); // another thread replaced it
                    }
                }
                return null;
            }));
        }
        long t0 = System.nanoTime();
        go.countDown();
        for (Future<?> f : done) f.get(WORK_BUDGET_MS + SETTLE_S * 1000, TimeUnit.MILLISECONDS);
        workers.shutdown();

        long t1 = System.nanoTime();
        // End every connection, a quarter of them gracefully.
        Random end = new Random(seed);
        Map<Connection, String> howEnded = new ConcurrentHashMap<>();
        Map<Connection, Long> closedAt = new ConcurrentHashMap<>();
        for (Connection c : connections) {
            howEnded.put(c, c.state() + " len=" + c.length() + (end.nextInt(4) == 0 ? " shutdown" : " close"));
            if (howEnded.get(c).endsWith("shutdown")) c.shutdown();
            else c.close();
            c.closed().whenComplete((v, e) -> closedAt.put(c, System.nanoTime()));
        }
        long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(SETTLE_S);
        for (Connection c : connections) {
            awaitDone(c.closed().toCompletableFuture(), settle, "closed() of " + c + " (" + what + ", seed " + seed + ")");
        }
        for (Call call : calls) {
            awaitDone(call.future, settle, "the future of " + call.request + " on " + what + " (seed " + seed + ")");
        }
        for (CompletableFuture<Void> change : changes) {
            awaitDone(change, settle, "a nextChange() stage (" + what + ", seed " + seed + ")");
        }

        long t2 = System.nanoTime();
        connections.stream().max(java.util.Comparator.comparingLong(c -> closedAt.getOrDefault(c, 0L)))
                .ifPresent(c -> System.out.println("slowest to close: " + c + " " + howEnded.get(c) + " after "
                        + (closedAt.get(c) - t1) / 1_000_000 + " ms"));
        // Every future completed once, with its own answer or an allowed failure.
        Map<String, AtomicInteger> tally = new ConcurrentHashMap<>();
        for (Call call : calls) {
            awaitDone(call.counted, settle, "the completion callback of " + call.request);
            assertEquals(1, call.completions.get(), call.request + " completed " + call.completions.get() + " times");
            tally.computeIfAbsent(classify(call), k -> new AtomicInteger()).incrementAndGet();
        }
        int total = tally.values().stream().mapToInt(AtomicInteger::get).sum();
        assertEquals(calls.size(), total);
        assertTrue(tally.getOrDefault("response", new AtomicInteger()).get() > 0,
                "some calls succeeded: " + tally + " (seed " + seed + ")");

        for (Connection c : connections) {
            assertEquals(0, c.length(), c + " length() after the end (seed " + seed + ")");
            assertTrue(c.isClosed(), c + " is closed");
            assertTrue(c.state().isTerminal(), c + " state " + c.state());
            assertTrue(c.nextChange().toCompletableFuture().isDone(), "nextChange() of a closed connection is done");
        }
        System.out.println("stress on " + what + ": " + calls.size() + " calls on " + connections.size()
                + " connections, outcomes " + tally + ", seed " + seed + "; work " + (t1 - t0) / 1_000_000
                + " ms, settling " + (t2 - t1) / 1_000_000 + " ms");
    }

    private ConnectionOptions options(Random random) {
        Persistence p = random.nextInt(3) == 0 ? Persistence.AUTO : Persistence.TRUE;
        return ConnectionOptions.builder().persistence(p).maxPipelineDepth(1 + random.nextInt(16)).tls(tls).build();
    }

    private static Request request(Random random, String path) {
        switch (random.nextInt(4)) {
            case 0:
                return Request.delete(path);
            case 1:
                return Request.post(path, RequestBody.of("posted to " + path));
            default:
                return Request.get(path);
        }
    }

    /** The category of a call's outcome; fails on a wrong answer or a failure of a kind that must not occur. */
    private static String classify(Call call) {
        Object o = call.outcome;
        String path = call.request.target();
        if (o instanceof Response) {
            Response<?> r = (Response<?>) o;
            String expected = call.request.method().equals("POST")
                    ? "method not allowed: POST " + path : "no such key: " + path;
            assertEquals(expected, r.body(), "the response answers its own request " + call.request);
            return "response";
        }
        Throwable t = (Throwable) o;
        if (t instanceof CompletionException && t.getCause() != null) t = t.getCause();
        if (t instanceof RetryException) return "RetryException";
        if (t instanceof PossiblyProcessedException) {
            assertTrue(!call.request.isIdempotent(),
                    "an idempotent request failed with PossiblyProcessedException: " + call.request + ": " + t);
            return "PossiblyProcessedException";
        }
        if (t instanceof PipelaneException) return t.getClass().getSimpleName();
        throw new AssertionError(call.request + " failed with an unexpected " + t, t);
    }

    private static void awaitDone(CompletableFuture<?> f, long deadline, String what) throws Exception {
        long left = deadline - System.nanoTime();
        try {
            f.handle((r, e) -> null).get(Math.max(0, left), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            fail(what + " did not complete within the deadline");
        }
    }

    /** Joins every live thread whose name starts with the factory's prefix, within a deadline. */
    private static void assertNoThreadsLeft() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SETTLE_S);
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (!t.getName().startsWith(PREFIX)) continue;
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            t.join(Math.max(1, left));
        }
        List<String> alive = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith(PREFIX)) alive.add(t.getName() + " " + t.getState());
        }
        assertEquals(List.of(), alive, "threads left after the factory closed");
    }
}
