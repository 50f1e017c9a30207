package io.pipelane.internal.cache;

import io.pipelane.BodyHandlers;
import io.pipelane.CacheMetrics;
import io.pipelane.CacheOptions;
import io.pipelane.Connection;
import io.pipelane.ConnectionCache;
import io.pipelane.ConnectionEvent;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionListener;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.PipelaneTimeoutException;
import io.pipelane.PossiblyProcessedException;
import io.pipelane.Request;
import io.pipelane.RequestBody;
import io.pipelane.Response;
import io.pipelane.RetryException;
import io.pipelane.testing.ClosedPort;
import io.pipelane.testing.ScriptedServer;
import io.pipelane.testing.TestResources;
import io.pipelane.testing.ScriptedServer.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The connection cache against scripted servers on real sockets. */
class ConnectionCacheTest {
    private final TestResources resources = new TestResources();
    private final ConnectionFactory factory = resources.factory;

    @AfterEach
    void tearDown() throws Exception {
        resources.close();
    }

    private ScriptedServer server(ScriptedServer.Script script) throws IOException {
        return resources.server(script);
    }

    private ConnectionCache cache(CacheOptions options) {
        return resources.add(factory.cache(options));
    }

    private static Endpoint endpoint(ScriptedServer s) {
        return Endpoint.http(s.host(), s.port());
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(20, TimeUnit.SECONDS);
    }

    private static Throwable failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(20, TimeUnit.SECONDS));
        return e.getCause();
    }

    private static CacheMetrics metrics(ConnectionCache cache) {
        assertEquals(1, cache.metrics().size());
        return cache.metrics().get(0);
    }

    /** Answers every request with its target, keeping the connection open. */
    private static void echo(ScriptedServer.Peer peer) throws IOException {
        for (RecordedRequest r; (r = peer.readRequest()) != null; ) peer.respond(200, r.target);
    }

    // ------------------------------------------------------------------------------------------ choosing

    @Test
    void sequentialRequestsReuseTheIdleConnection() throws Exception {
        ScriptedServer server = server(ConnectionCacheTest::echo);
        ConnectionCache cache = cache(CacheOptions.defaults());
        for (int i = 0; i < 5; i++) {
            assertEquals("/" + i, await(cache.call(endpoint(server), Request.get("/" + i), BodyHandlers.ofString())).body());
        }
        assertEquals(1, server.connections(), "an idle connection is chosen before a new one is opened");
        CacheMetrics m = metrics(cache);
        assertEquals(endpoint(server).toUri(), m.key());
        assertEquals(5, m.requests());
        assertEquals(5, m.completed());
        assertEquals(0, m.inFlight());
        assertEquals(1, m.connections());
        assertEquals(1, m.idleConnections());
        assertEquals(1, m.connectionsOpened());
        assertEquals(0, m.failures());
    }

    /**
     * A server that reads eagerly (every request as it arrives, on its own thread) and answers only when the test
     * hands out permits: it sees how many requests each connection has in flight at most.
     */
    private static final class HoldingServer {
        final Semaphore answers = new Semaphore(0);
        final AtomicInteger maxInFlight = new AtomicInteger();
        final AtomicInteger received = new AtomicInteger();
        /** A permit per request read. */
        final Semaphore arrivals = new Semaphore(0);
        final ScriptedServer server;

        HoldingServer(TestResources resources) throws IOException {
            server = new ScriptedServer(peer -> {
                java.util.concurrent.BlockingQueue<RecordedRequest> toAnswer = new java.util.concurrent.LinkedBlockingQueue<>();
                AtomicInteger inFlight = new AtomicInteger();
                Thread responder = new Thread(() -> {
                    try {
                        while (true) {
                            RecordedRequest r = toAnswer.take();
                            answers.acquire();
                            inFlight.decrementAndGet();
                            peer.respond(200, r.target);
                        }
                    } catch (InterruptedException | IOException e) {
                        // the connection or the test ended
                    }
                });
                responder.setDaemon(true);
                responder.start();
                try {
                    for (RecordedRequest r; (r = peer.readRequest()) != null; ) {
                        int n = inFlight.incrementAndGet();
                        maxInFlight.accumulateAndGet(n, Math::max);
                        received.incrementAndGet();
                        toAnswer.add(r);
                        arrivals.release();
                    }
                } finally {
                    responder.interrupt();
                }
            });
            resources.add(server);
        }
    }

    @Test
    void parallelAndDepthLimitsHoldOnTheServerSide() throws Exception {
        HoldingServer hs = new HoldingServer(resources);
        ConnectionCache cache = cache(CacheOptions.builder().parallel(2).depth(3)
                .connectionOptions(ConnectionOptions.builder().persistence(Persistence.TRUE).build()).build());
        List<CompletableFuture<Response<String>>> rs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            rs.add(cache.call(endpoint(hs.server), Request.get("/" + i), BodyHandlers.ofString()));
        }
        assertEquals(8, metrics(cache).inFlight());
        // 2 connections x depth 3 are busy; 2 requests wait in the cache. (A request is placed by whichever thread
        // dispatches, so the count is read once the server has seen the 6 that were placed.)
        assertTrue(hs.arrivals.tryAcquire(6, 10, TimeUnit.SECONDS), "the server read 6 requests");
        CacheMetrics m = metrics(cache);
        assertEquals(2, m.connections());
        assertEquals(2, m.waiting());
        assertEquals(2, hs.server.connections());
        assertEquals(3, hs.maxInFlight.get());
        assertEquals(2, metrics(cache).waiting(), "nothing left the queue while every connection was full");

        hs.answers.release(100);
        for (int i = 0; i < 8; i++) assertEquals("/" + i, await(rs.get(i)).body());
        assertEquals(2, hs.server.connections(), "never more than parallel connections");
        assertEquals(3, hs.maxInFlight.get(), "never more than depth requests on a connection");
        assertEquals(8, hs.received.get());
        assertEquals(0, metrics(cache).waiting());
    }

    @Test
    void aRequestThatFindsNoRoomFailsWithACacheWaitTimeoutAndIsNeverSent() throws Exception {
        HoldingServer hs = new HoldingServer(resources);
        ConnectionCache cache = cache(CacheOptions.builder().parallel(1).depth(1)
                .waitTimeout(Duration.ofSeconds(1)).build());
        CompletableFuture<Response<String>> first = cache.call(endpoint(hs.server), Request.get("/first"),
                BodyHandlers.ofString());
        CompletableFuture<Response<String>> second = cache.call(endpoint(hs.server), Request.get("/second"),
                BodyHandlers.ofString());
        Throwable t = failure(second);
        // Raised by the factory's cache timer (a ScheduledThreadPoolExecutor), not the JDK's shared delayer.
        List<String> raisedBy = java.util.Arrays.stream(t.getStackTrace()).map(StackTraceElement::getClassName).toList();
        assertTrue(raisedBy.stream().anyMatch(c -> c.startsWith("java.util.concurrent.ScheduledThreadPoolExecutor")),
                raisedBy.toString());
        assertFalse(raisedBy.stream().anyMatch(c -> c.startsWith("java.util.concurrent.CompletableFuture")),
                raisedBy.toString());
        PipelaneTimeoutException timeout = assertInstanceOf(PipelaneTimeoutException.class, t);
        assertEquals(PipelaneTimeoutException.Phase.CACHE_WAIT, timeout.phase());
        assertTrue(t.getMessage().contains("parallel=1, depth=1"), t.getMessage());
        assertFalse(first.isDone(), "the connection in use is not touched by the timeout");

        hs.answers.release(100);
        assertEquals("/first", await(first).body());
        assertEquals("/third", await(cache.call(endpoint(hs.server), Request.get("/third"),
                BodyHandlers.ofString())).body());
        assertEquals(List.of("/first", "/third"), hs.server.requests().stream().map(r -> r.target).toList(),
                "the request that timed out waiting was never sent");
        assertEquals(1, metrics(cache).failures());
    }

    @Test
    void anUnreachableServerFailsEveryRequestAtOnce() throws Exception {
        int port = resources.add(new ClosedPort()).port();
        ConnectionCache cache = cache(CacheOptions.builder().parallel(2).build());
        List<CompletableFuture<Response<byte[]>>> rs = new ArrayList<>();
        for (int i = 0; i < 6; i++) rs.add(cache.call(Endpoint.http("127.0.0.1", port), Request.get("/" + i)));
        for (CompletableFuture<Response<byte[]>> f : rs) {
            Throwable t = failure(f);
            assertInstanceOf(RetryException.class, t);
            assertInstanceOf(ConnectException.class, t.getCause(), t.toString());
            assertTrue(t.getMessage().contains("cannot connect"), t.getMessage());
        }
        CacheMetrics m = metrics(cache);
        assertEquals(6, m.failures());
        assertEquals(0, m.inFlight());
        assertEquals(0, m.connections());
    }

    // ------------------------------------------------------------------------------------------ life cycle

    @Test
    void anIdleConnectionClosesAfterKeep() throws Exception {
        CountDownLatch eof = new CountDownLatch(1);
        ScriptedServer server = server(peer -> {
            RecordedRequest r = peer.readRequest();
            peer.respond(200, r.target);
            if (peer.awaitClientEof(Duration.ofSeconds(10))) eof.countDown();
        });
        ConnectionCache cache = cache(CacheOptions.builder().keep(Duration.ofMillis(200)).build());
        long start = System.nanoTime();
        assertEquals("/x", await(cache.call(endpoint(server), Request.get("/x"), BodyHandlers.ofString())).body());
        Connection c = cache.connections().get(endpoint(server).toUri()).get(0);
        assertTrue(eof.await(10, TimeUnit.SECONDS), "the server saw the idle connection end");
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(200), "not before keep");
        c.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(List.of(), cache.connections().get(endpoint(server).toUri()));
        assertEquals(0, metrics(cache).connections());
    }

    @Test
    void aConnectionTheServerClosesIsRemovedAndNeverUsedAgain() throws Exception {
        AtomicInteger n = new AtomicInteger();
        ScriptedServer server = server(peer -> {
            int id = n.incrementAndGet();
            RecordedRequest r = peer.readRequest();
            if (id == 1) {
                peer.respond(200, "c1" + r.target, "Connection: close");
                peer.awaitClientEof(Duration.ofSeconds(10));
                peer.close();
                return;
            }
            peer.respond(200, "c" + id + r.target);
            echo(peer);
        });
        ConnectionCache cache = cache(CacheOptions.defaults());
        assertEquals("c1/a", await(cache.call(endpoint(server), Request.get("/a"), BodyHandlers.ofString())).body());
        List<Connection> first = cache.connections().get(endpoint(server).toUri());
        if (!first.isEmpty()) {
            Connection c = first.get(0);
            c.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertFalse(cache.connections().get(endpoint(server).toUri()).contains(c));
        }
        assertEquals("c2/b", await(cache.call(endpoint(server), Request.get("/b"), BodyHandlers.ofString())).body());
        for (Connection c : cache.connections().get(endpoint(server).toUri())) assertFalse(c.isClosed());
        assertEquals(2, server.connections());
    }

    @Test
    void theUsersFinaliserStillRuns() throws Exception {
        ScriptedServer server = server(peer -> {
            RecordedRequest r = peer.readRequest();
            peer.respond(200, r.target, "Connection: close");
            peer.awaitClientEof(Duration.ofSeconds(10));
        });
        CompletableFuture<Connection> finalised = new CompletableFuture<>();
        ConnectionCache cache = cache(CacheOptions.builder().connectionOptions(ConnectionOptions.builder()
                .finaliser(c -> {
                    finalised.complete(c);
                    return CompletableFuture.completedFuture(null);
                }).build()).build());
        await(cache.call(endpoint(server), Request.get("/a")));
        Connection c = await(finalised);
        assertTrue(c.isClosed());
        assertEquals(0, metrics(cache).connections());
    }

    @Test
    void noCacheOpensAFreshConnectionPerRequestAndClosesIt() throws Exception {
        Semaphore eofs = new Semaphore(0);
        ScriptedServer server = server(peer -> {
            RecordedRequest r = peer.readRequest();
            peer.respond(200, r.target + " " + r.header("Connection"));
            if (peer.awaitClientEof(Duration.ofSeconds(10))) eofs.release();
        });
        ConnectionCache cache = cache(CacheOptions.noCache());
        for (int i = 0; i < 3; i++) {
            assertEquals("/" + i + " close", await(cache.call(endpoint(server), Request.get("/" + i),
                    BodyHandlers.ofString())).body());
        }
        assertEquals(3, server.connections());
        CacheMetrics m = metrics(cache);
        assertEquals(3, m.connectionsOpened());
        assertEquals(3, m.completed());
        assertTrue(eofs.tryAcquire(3, 10, TimeUnit.SECONDS), "each connection ended after its response");
    }

    // ------------------------------------------------------------------------------------------ retries

    /** A factory whose listener counts {@code queued} down as a connection takes a request. */
    private ConnectionFactory countingQueued(CountDownLatch queued) {
        return resources.add(ConnectionFactory.builder().listener(new ConnectionListener() {
            @Override
            public void requestQueued(ConnectionEvent.RequestQueued event) {
                queued.countDown();
            }
        }).build());
    }

    /** On a server's thread: waits until {@code latch} (counting the client's requests) is down to 0. */
    private static void awaitRequests(CountDownLatch latch) throws InterruptedException {
        if (!latch.await(30, TimeUnit.SECONDS)) {
            throw new AssertionError(latch.getCount() + " of the requests the server waits for never came");
        }
    }

    /**
     * Every 3rd connection answers 2 requests, the 2nd with Connection: close, and closes; what it read after
     * that is not processed. Every request completes, some placed again for free, and none is processed twice.
     *
     * <p>The server answers nothing until the connections have taken 24 requests, 8 (depth) each: the closing one
     * then certainly has 6 placed behind its close (written, or held back behind a POST), however slowly the
     * requests are submitted (answered early, idle connections would take the requests one at a time, and the
     * closing one might be given only 2, leaving nothing to place again). Its close teaches the limit of 2: later
     * connections take 2 each.
     */
    @Test
    void aServerClosingEveryThirdConnectionAfterTwoResponsesLosesNothingAndDuplicatesNothing() throws Exception {
        AtomicInteger connectionIds = new AtomicInteger();
        Map<String, Integer> processed = new ConcurrentHashMap<>();
        CountDownLatch firstQueued = new CountDownLatch(3 * 8);
        ScriptedServer server = server(peer -> {
            boolean closer = connectionIds.incrementAndGet() % 3 == 0;
            int answered = 0;
            for (RecordedRequest r; (r = peer.readRequest()) != null; ) {
                awaitRequests(firstQueued);
                processed.merge(r.method + " " + r.target, 1, Integer::sum);
                answered++;
                if (closer && answered == 2) {
                    peer.respond(200, r.method + " " + r.target, "Connection: close");
                    peer.halfClose();
                    peer.awaitClientEof(Duration.ofSeconds(10)); // requests read past this point are dropped
                    return;
                }
                peer.respond(200, r.method + " " + r.target);
            }
        });
        // retry 0: what the server did not process is placed again for free.
        ConnectionCache cache = resources.add(countingQueued(firstQueued).cache(CacheOptions.builder().parallel(3)
                .depth(8).retry(0).connectionOptions(ConnectionOptions.builder().persistence(Persistence.TRUE).build())
                .build()));
        List<CompletableFuture<Response<String>>> rs = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 90; i++) {
            Request r;
            switch (i % 3) {
                case 0: r = Request.get("/g" + i); break;
                case 1: r = Request.put("/u" + i, RequestBody.of("v" + i)); break;
                default: r = Request.post("/p" + i, RequestBody.of("v" + i)); break;
            }
            expected.add(r.method() + " " + r.target());
            rs.add(cache.call(endpoint(server), r, BodyHandlers.ofString()));
        }
        for (int i = 0; i < rs.size(); i++) assertEquals(expected.get(i), await(rs.get(i)).body());
        CacheMetrics m = metrics(cache);
        assertEquals(90, m.completed());
        assertEquals(0, m.failures());
        assertTrue(m.replaced() >= 6, "requests written behind Connection: close were placed again: " + m);
        assertEquals(2, m.learnedLimit(), "the close after 2 responses was learned: " + m);
        assertEquals(0, m.retries(), "the server did not process them: no retry was used " + m);
        assertTrue(server.connections() >= 3, "connections were replaced");
        for (String key : expected) {
            if (key.startsWith("POST")) assertEquals(1, processed.get(key), key + " processed once");
        }
        assertEquals(90, processed.size(), "every request processed");
        processed.forEach((k, v) -> assertEquals(1, v, k + " was processed " + v + " times"));
    }

    /**
     * The report: 100 GETs through a cache with parallel=1 and default options to a server that closes after 10
     * responses per connection (the 10th says Connection: close). The requests written behind the close were not
     * processed: they go on the next connection without using retry, and all 100 succeed.
     */
    @Test
    void aServerClosingAfterTenResponsesAnswersAllOfAHundredGets() throws Exception {
        ScriptedServer server = server(peer -> {
            int answered = 0;
            for (RecordedRequest r; (r = peer.readRequest()) != null; ) {
                if (++answered == 10) {
                    peer.respond(200, r.target, "Connection: close");
                    peer.halfClose();
                    peer.awaitClientEof(Duration.ofSeconds(10));
                    return;
                }
                peer.respond(200, r.target);
            }
        });
        ConnectionCache cache = cache(CacheOptions.builder().parallel(1).build());
        List<CompletableFuture<Response<String>>> rs = new ArrayList<>();
        for (int i = 0; i < 100; i++) rs.add(cache.call(endpoint(server), Request.get("/" + i), BodyHandlers.ofString()));
        for (int i = 0; i < 100; i++) assertEquals("/" + i, await(rs.get(i)).body());
        CacheMetrics m = metrics(cache);
        assertEquals(100, m.completed());
        assertEquals(0, m.failures());
        assertEquals(0, m.retries(), m.toString());
        assertTrue(server.connections() >= 10, "10 responses per connection: " + server.connections());
    }

    /**
     * The same server, but the 2nd response does not say it closes: requests in flight when it closes were
     * written, unanswered. Idempotent ones are sent again; a POST is not: it fails with
     * PossiblyProcessedException. Still nothing is processed twice.
     *
     * <p>Each of the first three connections answers nothing until it has read 8 (depth) requests, so the first 24
     * are placed 8 on each connection, in turn, before any is answered: the connection given /g0 holds 0, 3, 6, ...
     * 21, and it closes (so do the 4th, 7th, ... connections), with the GETs 6, 9, 12, 18, 21 and the POST /p15
     * read by the server, so certainly written, behind its 2nd response. (Counting the client's written events
     * instead left a window: a request is reported written once it is in the writer's batch, before the socket
     * write, and the server could answer and close before that write.)
     */
    @Test
    void requestsThatMayHaveBeenProcessedAreNeverRetried() throws Exception {
        AtomicInteger connectionIds = new AtomicInteger();
        Map<String, Integer> processed = new ConcurrentHashMap<>();
        ScriptedServer server = server(peer -> {
            int id = connectionIds.incrementAndGet();
            boolean closer = false;
            int answered = 0;
            ArrayDeque<RecordedRequest> readAhead = new ArrayDeque<>(
                    id <= 3 ? peer.readRequests(8) : List.of());
            for (RecordedRequest r; (r = readAhead.isEmpty() ? peer.readRequest() : readAhead.poll()) != null; ) {
                if (answered == 0) closer = r.target.equals("/g0") || id > 3 && id % 3 == 1;
                processed.merge(r.method + " " + r.target, 1, Integer::sum);
                peer.respond(200, r.method + " " + r.target);
                if (closer && ++answered == 2) {
                    // Read whatever else was written (not processed), then end without a word.
                    peer.halfClose();
                    peer.awaitClientEof(Duration.ofSeconds(10));
                    return;
                }
            }
        });
        ConnectionCache cache = cache(CacheOptions.builder().parallel(3)
                .depth(8).retry(10).connectionOptions(ConnectionOptions.builder().persistence(Persistence.TRUE)
                        .pipelineAfterNonIdempotent(true).build()).build());
        List<CompletableFuture<Response<String>>> rs = new ArrayList<>();
        List<Request> sent = new ArrayList<>();
        for (int i = 0; i < 90; i++) {
            Request r = i % 4 == 3 ? Request.post("/p" + i, RequestBody.of("v" + i)) : Request.get("/g" + i);
            sent.add(r);
            rs.add(cache.call(endpoint(server), r, BodyHandlers.ofString()));
        }
        int possiblyProcessed = 0;
        for (int i = 0; i < rs.size(); i++) {
            Request r = sent.get(i);
            if (r.isIdempotent()) {
                assertEquals("GET " + r.target(), await(rs.get(i)).body());
            } else {
                try {
                    assertEquals("POST " + r.target(), await(rs.get(i)).body());
                } catch (ExecutionException e) {
                    assertInstanceOf(PossiblyProcessedException.class, e.getCause());
                    possiblyProcessed++;
                }
            }
        }
        assertInstanceOf(PossiblyProcessedException.class, failure(rs.get(15)), "/p15 was written behind the close");
        CacheMetrics m = metrics(cache);
        assertEquals(possiblyProcessed, m.failures());
        assertTrue(m.retries() >= 5, "the GETs written behind the close were sent again: " + m);
        processed.forEach((k, v) -> {
            if (k.startsWith("POST")) assertEquals(1, v, k + " was processed " + v + " times");
        });
    }

    @Test
    void aRequestWithAOneShotBodyIsNotRetried() throws Exception {
        ScriptedServer server = server(peer -> {
            List<RecordedRequest> two = peer.readRequests(2);
            peer.respond(200, two.get(0).target, "Connection: close");
            peer.awaitClientEof(Duration.ofSeconds(10));
        });
        ConnectionCache cache = cache(CacheOptions.builder().parallel(1)
                .connectionOptions(ConnectionOptions.builder().persistence(Persistence.TRUE).build()).build());
        CompletableFuture<Response<String>> a = cache.call(endpoint(server), Request.get("/a"), BodyHandlers.ofString());
        byte[] body = "one shot".getBytes(StandardCharsets.UTF_8);
        CompletableFuture<Response<String>> b = cache.call(endpoint(server),
                Request.put("/b", RequestBody.ofStream(new ByteArrayInputStream(body), body.length)),
                BodyHandlers.ofString());
        assertEquals("/a", await(a).body());
        assertInstanceOf(RetryException.class, failure(b), "the caller decides what to do with a one-shot body");
        CacheMetrics m = metrics(cache);
        assertEquals(0, m.retries());
        assertEquals(1, m.failures());
        assertEquals(1, server.connections(), "no second connection was opened for it");
    }

    @Test
    void aRepeatableRequestIsRetriedOnAnotherConnection() throws Exception {
        AtomicInteger ids = new AtomicInteger();
        ScriptedServer server = server(peer -> {
            int id = ids.incrementAndGet();
            if (id == 1) {
                List<RecordedRequest> two = peer.readRequests(2);
                peer.respond(200, "c1" + two.get(0).target, "Connection: close");
                peer.awaitClientEof(Duration.ofSeconds(10));
                return;
            }
            for (RecordedRequest r; (r = peer.readRequest()) != null; ) peer.respond(200, "c" + id + r.target);
        });
        ConnectionCache cache = cache(CacheOptions.builder().parallel(1)
                .connectionOptions(ConnectionOptions.builder().persistence(Persistence.TRUE).build()).build());
        CompletableFuture<Response<String>> a = cache.call(endpoint(server), Request.get("/a"), BodyHandlers.ofString());
        CompletableFuture<Response<String>> b = cache.call(endpoint(server),
                Request.put("/b", RequestBody.of("again")), BodyHandlers.ofString());
        assertEquals("c1/a", await(a).body());
        assertEquals("c2/b", await(b).body());
        assertEquals(0, metrics(cache).retries(), "written behind Connection: close: not processed, no retry used");
        assertEquals(1, metrics(cache).replaced());
        RecordedRequest last = server.requests().get(server.requests().size() - 1);
        assertEquals("again", last.bodyText());
    }

    @Test
    void retriesAreBoundedByRetry() throws Exception {
        ScriptedServer server = server(peer -> {
            // Every connection answers nothing and closes: GET is idempotent, so it is a Retry each time.
            peer.readRequest();
            peer.close();
        });
        ConnectionCache cache = cache(CacheOptions.builder().retry(2).build());
        Throwable t = failure(cache.call(endpoint(server), Request.get("/a")));
        assertInstanceOf(RetryException.class, t);
        assertEquals(3, server.connections(), "sent once, then retried twice, each time on another connection");
        CacheMetrics m = metrics(cache);
        assertEquals(2, m.retries());
        assertEquals(1, m.failures());
    }

    /** A server that reads one request per connection and never answers. */
    private ScriptedServer neverAnswers() throws IOException {
        return server(peer -> {
            peer.readRequest();
            peer.stall();
        });
    }

    /** A cache with {@code retry = 2} whose connections time out a response after 200 ms. */
    private ConnectionCache quickToTimeOut() {
        return cache(CacheOptions.builder().retry(2).connectionOptions(ConnectionOptions.builder()
                .responseTimeout(Duration.ofMillis(200)).build()).build());
    }

    @Test
    void aGetThatTimesOutIsRetriedOnlyUpToRetryAgainstAServerThatNeverAnswers() throws Exception {
        ScriptedServer server = neverAnswers();
        ConnectionCache cache = quickToTimeOut();
        Throwable t = failure(cache.call(endpoint(server), Request.get("/slow")));
        assertInstanceOf(RetryException.class, t, "an unanswered GET, as RFC 9112 §9.3.1 allows to send again");
        PipelaneTimeoutException timeout = assertInstanceOf(PipelaneTimeoutException.class, t.getCause());
        assertEquals(PipelaneTimeoutException.Phase.RESPONSE, timeout.phase());
        assertEquals(3, server.connections(), "sent once, then retried twice: retry bounds a server that stalls");
        assertEquals(2, metrics(cache).retries());
        assertEquals(1, metrics(cache).failures());
    }

    @Test
    void aPostThatTimesOutIsNeverRetried() throws Exception {
        ScriptedServer server = neverAnswers();
        ConnectionCache cache = quickToTimeOut();
        Throwable t = failure(cache.call(endpoint(server), Request.post("/pay", RequestBody.of("x"))));
        assertInstanceOf(PossiblyProcessedException.class, t, "the server may have processed it");
        assertInstanceOf(PipelaneTimeoutException.class, t.getCause());
        assertEquals(1, server.connections());
        assertEquals(1, server.requests().size(), "received once");
        assertEquals(0, metrics(cache).retries());
    }

    @Test
    void closingTheCacheFailsWaitingRequestsAndLaterCalls() throws Exception {
        HoldingServer hs = new HoldingServer(resources);
        ConnectionCache cache = cache(CacheOptions.builder().parallel(1).depth(1).build());
        CompletableFuture<Response<byte[]>> first = cache.call(endpoint(hs.server), Request.get("/1"));
        CompletableFuture<Response<byte[]>> waiting = cache.call(endpoint(hs.server), Request.get("/2"));
        cache.close();
        assertInstanceOf(RetryException.class, failure(waiting));
        assertInstanceOf(RetryException.class, failure(first)); // GET: idempotent
        assertInstanceOf(RetryException.class, failure(cache.call(endpoint(hs.server), Request.get("/3"))));
    }

    // ------------------------------------------------------------------------------------------ configuration

    @Test
    void raisingParallelServesTheWaitingRequestsAtOnce() throws Exception {
        HoldingServer hs = new HoldingServer(resources);
        ConnectionOptions pipelining = ConnectionOptions.builder().persistence(Persistence.TRUE).build();
        ConnectionCache cache = cache(CacheOptions.builder().parallel(1).depth(1).connectionOptions(pipelining).build());
        List<CompletableFuture<Response<String>>> rs = new ArrayList<>();
        for (int i = 0; i < 3; i++) rs.add(cache.call(endpoint(hs.server), Request.get("/" + i), BodyHandlers.ofString()));
        assertTrue(hs.arrivals.tryAcquire(1, 10, TimeUnit.SECONDS));
        assertEquals(2, metrics(cache).waiting());

        ((PipelaneConnectionCache) cache).configure(CacheOptions.builder().parallel(3).depth(1)
                .connectionOptions(pipelining).build(), Map.of(), java.util.Set.of());
        assertEquals(3, cache.options().parallel());
        assertTrue(hs.arrivals.tryAcquire(2, 10, TimeUnit.SECONDS), "the waiting requests went out");
        assertEquals(3, hs.server.connections());
        assertEquals(0, metrics(cache).waiting());
        hs.answers.release(100);
        for (int i = 0; i < 3; i++) assertEquals("/" + i, await(rs.get(i)).body());
        assertEquals(0, metrics(cache).failures());
    }

    @Test
    void aNewProxyRenewsTheConnectionsWithoutFailingTheRequestsInFlight() throws Exception {
        CountDownLatch read = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger n = new AtomicInteger();
        ScriptedServer server = server(peer -> {
            boolean first = n.incrementAndGet() == 1;
            if (first) {
                List<RecordedRequest> held = peer.readRequests(2);
                read.countDown();
                assertTrue(release.await(20, TimeUnit.SECONDS));
                for (RecordedRequest r : held) peer.respond(200, "direct" + r.target);
            }
            for (RecordedRequest r; (r = peer.readRequest()) != null; ) {
                peer.respond(200, (first ? "direct" : "proxied") + r.target);
            }
        });
        io.pipelane.testing.TestProxy proxy = new io.pipelane.testing.TestProxy(null);
        resources.add(proxy);
        ConnectionOptions pipelining = ConnectionOptions.builder().persistence(Persistence.TRUE).build();
        ConnectionCache cache = cache(CacheOptions.builder().parallel(1).depth(2).connectionOptions(pipelining).build());
        CompletableFuture<Response<String>> r1 = cache.call(endpoint(server), Request.get("/1"), BodyHandlers.ofString());
        CompletableFuture<Response<String>> r2 = cache.call(endpoint(server), Request.get("/2"), BodyHandlers.ofString());
        assertTrue(read.await(10, TimeUnit.SECONDS));
        Connection old = cache.connections().get(endpoint(server).toUri()).get(0);

        ((PipelaneConnectionCache) cache).configure(CacheOptions.builder().parallel(1).depth(2)
                .connectionOptions(pipelining).proxies(io.pipelane.ProxyRules.builder()
                        .all(io.pipelane.ProxyOptions.of("127.0.0.1", proxy.port())).build()).build(),
                Map.of(), java.util.Set.of());
        CompletableFuture<Response<String>> r3 = cache.call(endpoint(server), Request.get("/3"), BodyHandlers.ofString());
        assertFalse(r1.isDone() || r2.isDone(), "the requests in flight are not touched");
        release.countDown();
        assertEquals("direct/1", await(r1).body());
        assertEquals("direct/2", await(r2).body());
        assertEquals("proxied/3", await(r3).body(), "a new connection, through the new proxy");
        old.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(List.of("GET http://" + endpoint(server).host() + ":" + server.port() + "/3"),
                proxy.seen().stream().map(Object::toString).toList());
        CacheMetrics m = metrics(cache);
        assertEquals(0, m.failures());
        assertEquals(0, m.retries());
        assertEquals(2, m.connectionsOpened());
    }

    @Test
    void theFactorysOwnCacheHasTheBuildersOptionsAndClosesWithIt() throws Exception {
        ScriptedServer server = server(ConnectionCacheTest::echo);
        ConnectionFactory f = ConnectionFactory.builder().cacheOptions(CacheOptions.builder().parallel(3).build())
                .cacheOptions("named", CacheOptions.builder().parallel(1).build())
                .endpoint("named", endpoint(server)).build();
        resources.add(f);
        ConnectionCache cache = f.cache();
        assertTrue(cache == f.cache(), "one cache per factory");
        assertEquals(3, cache.options().parallel());
        assertEquals("/a", await(cache.call("named", Request.get("/a"), BodyHandlers.ofString())).body());
        f.close();
        assertInstanceOf(RetryException.class, failure(cache.call("named", Request.get("/b"))));
        assertThrows(IllegalStateException.class, f::cache);
    }
}
