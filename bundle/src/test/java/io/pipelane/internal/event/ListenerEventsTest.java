package io.pipelane.internal.event;

import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionEvent;
import io.pipelane.ConnectionEvent.CloseReason;
import io.pipelane.ConnectionEvent.FailureKind;
import io.pipelane.ConnectionEvent.PersistenceReason;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.PipelaneTimeoutException;
import io.pipelane.Request;
import io.pipelane.Response;
import io.pipelane.internal.engine.PipelaneConnectionFactory;
import io.pipelane.internal.stats.EndpointStats;
import io.pipelane.internal.stats.Statistics;
import io.pipelane.testing.ClosedPort;
import io.pipelane.testing.ScriptedServer;
import io.pipelane.testing.TestResources;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a listener is told about real connections to scripted servers, and the statistics built from it. */
class ListenerEventsTest {
    private final RecordingListener listener = new RecordingListener();
    private final ConnectionFactory factory = ConnectionFactory.builder().listener(listener).build();
    private final List<AutoCloseable> servers = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        factory.close();
        for (AutoCloseable s : servers) s.close();
    }

    private ScriptedServer server(ScriptedServer.Script script) throws Exception {
        ScriptedServer s = new ScriptedServer(script);
        servers.add(s);
        return s;
    }

    private Connection connect(ScriptedServer s, ConnectionOptions options) {
        return factory.create(Endpoint.http(s.host(), s.port()), options);
    }

    /** Answers every request with a 5-byte body until the client closes. */
    private static void echoAll(ScriptedServer.Peer peer) throws Exception {
        ScriptedServer.RecordedRequest r;
        while ((r = peer.readRequest()) != null) peer.respond(200, "hello", "X-Path: " + r.target);
    }

    @Test
    void aPipelinedConnectionReportsEachRequestInOrderThenItsEnd() throws Exception {
        ScriptedServer s = server(ListenerEventsTest::echoAll);
        Connection c = connect(s, ConnectionOptions.builder().persistence(Persistence.AUTO).build());
        List<CompletableFuture<Response<String>>> responses = new ArrayList<>();
        for (int i = 1; i <= 3; i++) responses.add(c.call(Request.get("/r" + i), BodyHandlers.ofString()));
        for (var r : responses) assertEquals("hello", r.get(10, TimeUnit.SECONDS).body());
        c.shutdown();

        ConnectionEvent.ConnectionClosed closed = listener.awaitEvent(ConnectionEvent.ConnectionClosed.class);
        assertEquals(CloseReason.COMPLETED, closed.reason());
        assertTrue(closed.established());
        assertEquals(3, closed.requests());
        String key = Endpoint.http(s.host(), s.port()).toUri();
        assertEquals(key, closed.endpoint());

        ConnectionEvent.ConnectionOpened opened = listener.all(ConnectionEvent.ConnectionOpened.class).get(0);
        assertEquals(Duration.ZERO, opened.handshakeTime(), "no TLS, no handshake");
        assertFalse(opened.connectTime().isNegative());
        assertEquals(closed.connection(), opened.connection());

        ConnectionEvent.PersistenceDecided decided = listener.all(ConnectionEvent.PersistenceDecided.class).get(0);
        assertTrue(decided.pipelining());
        assertEquals(PersistenceReason.HTTP_1_1_KEEP_ALIVE, decided.reason());

        // Each request: queued, written, head, complete, in that order; the connection's end last.
        for (int i = 1; i <= 3; i++) {
            long seq = i;
            List<Class<?>> kinds = new ArrayList<>();
            for (ConnectionEvent e : listener.events) {
                if (e instanceof ConnectionEvent.RequestQueued && ((ConnectionEvent.RequestQueued) e).sequence() == seq
                        || e instanceof ConnectionEvent.RequestWritten && ((ConnectionEvent.RequestWritten) e).sequence() == seq
                        || e instanceof ConnectionEvent.ResponseHeadReceived && ((ConnectionEvent.ResponseHeadReceived) e).sequence() == seq
                        || e instanceof ConnectionEvent.ResponseCompleted && ((ConnectionEvent.ResponseCompleted) e).sequence() == seq) {
                    kinds.add(e.getClass());
                }
            }
            assertEquals(List.of(ConnectionEvent.RequestQueued.class, ConnectionEvent.RequestWritten.class,
                    ConnectionEvent.ResponseHeadReceived.class, ConnectionEvent.ResponseCompleted.class), kinds,
                    "request " + i);
        }
        assertTrue(listener.events.indexOf(opened) < listener.events.indexOf(
                listener.all(ConnectionEvent.RequestWritten.class).get(0)), "opened before anything is written");
        assertSame(closed, listener.events.get(listener.events.size() - 1));
        ConnectionEvent.ResponseCompleted done = listener.all(ConnectionEvent.ResponseCompleted.class).get(2);
        assertEquals("/r3", done.request().target());
        assertEquals(200, done.status());
        assertEquals(5, done.bodyBytes());
        ConnectionEvent.RequestWritten written = listener.all(ConnectionEvent.RequestWritten.class).get(0);
        assertTrue(written.bytes() > "GET /r1 HTTP/1.1\r\n\r\n".length(), "head bytes counted: " + written.bytes());
    }

    @Test
    void failuresSayWhatTheCallerMayDoAndWhyTheConnectionEnded() throws Exception {
        ScriptedServer s = server(peer -> {
            peer.readRequests(2);
            peer.close(); // both written, neither answered
        });
        Connection c = connect(s, ConnectionOptions.builder().persistence(Persistence.TRUE).build());
        var get = c.call(Request.get("/idempotent"), BodyHandlers.ofString());
        var post = c.call(Request.post("/not-idempotent", io.pipelane.RequestBody.of("x")), BodyHandlers.ofString());
        TestResources.failure(get);
        TestResources.failure(post);

        ConnectionEvent.ConnectionClosed closed = listener.awaitEvent(ConnectionEvent.ConnectionClosed.class);
        assertEquals(CloseReason.SERVER_CLOSED, closed.reason());
        List<ConnectionEvent.RequestFailed> failed = listener.all(ConnectionEvent.RequestFailed.class);
        assertEquals(2, failed.size());
        assertEquals(FailureKind.RETRY, failed.get(0).kind());
        assertEquals("/idempotent", failed.get(0).request().target());
        assertEquals(FailureKind.POSSIBLY_PROCESSED, failed.get(1).kind());
        assertNull(failed.get(1).timeoutPhase());
        assertFalse(failed.get(1).malformed());
        assertEquals(PersistenceReason.CONFIGURED_TRUE,
                listener.all(ConnectionEvent.PersistenceDecided.class).get(0).reason());
    }

    @Test
    void aTimeoutNamesItsPhase() throws Exception {
        ScriptedServer s = server(peer -> {
            peer.readRequest();
            peer.stall();
        });
        Connection c = connect(s, ConnectionOptions.builder().responseTimeout(Duration.ofMillis(200)).build());
        TestResources.failure(c.call(Request.get("/slow"), BodyHandlers.ofString()));

        ConnectionEvent.ConnectionClosed closed = listener.awaitEvent(ConnectionEvent.ConnectionClosed.class);
        assertEquals(CloseReason.TIMEOUT, closed.reason());
        ConnectionEvent.RequestFailed f = listener.all(ConnectionEvent.RequestFailed.class).get(0);
        // The timeout ended the connection: the GET is unanswered, so RETRY, and the phase says why.
        assertEquals(FailureKind.RETRY, f.kind());
        assertEquals(PipelaneTimeoutException.Phase.RESPONSE, f.timeoutPhase());
    }

    @Test
    void aMalformedResponseIsReportedAsSuch() throws Exception {
        ScriptedServer s = server(peer -> {
            peer.readRequest();
            peer.send("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc");
            peer.stall();
        });
        Connection c = connect(s, ConnectionOptions.defaults());
        TestResources.failure(c.call(Request.get("/bad"), BodyHandlers.ofString()));

        ConnectionEvent.ConnectionClosed closed = listener.awaitEvent(ConnectionEvent.ConnectionClosed.class);
        assertEquals(CloseReason.MALFORMED, closed.reason());
        ConnectionEvent.RequestFailed f = listener.all(ConnectionEvent.RequestFailed.class).get(0);
        assertEquals(FailureKind.MALFORMED, f.kind());
        assertTrue(f.malformed());
    }

    @Test
    void aFailedConnectIsReportedAsNeverEstablished() throws Exception {
        try (ClosedPort closed = new ClosedPort()) {
            TestResources.failure(factory.connect(Endpoint.http(closed.host(), closed.port())).toCompletableFuture());
        }

        ConnectionEvent.ConnectionClosed closed = listener.awaitEvent(ConnectionEvent.ConnectionClosed.class);
        assertFalse(closed.established());
        assertEquals(CloseReason.CONNECT_FAILED, closed.reason());
        assertTrue(listener.all(ConnectionEvent.ConnectionOpened.class).isEmpty());
        assertEquals(0, closed.requests());
    }

    @Test
    void aTlsConnectionReportsItsHandshakeApart(@org.junit.jupiter.api.io.TempDir java.nio.file.Path keys)
            throws Exception {
        io.pipelane.testing.TestCerts certs = io.pipelane.testing.TestCerts.generate(keys, "localhost",
                "dns:localhost,ip:127.0.0.1");
        ScriptedServer s = new ScriptedServer(ListenerEventsTest::echoAll, certs.serverContext(), 50);
        servers.add(s);
        Connection c = factory.create(Endpoint.of("https://localhost:" + s.port()), ConnectionOptions.builder()
                .tls(io.pipelane.TlsOptions.builder().sslContext(certs.clientContext()).build()).build());
        assertEquals("hello", c.call(Request.get("/"), BodyHandlers.ofString()).get(10, TimeUnit.SECONDS).body());
        c.close();

        listener.awaitEvent(ConnectionEvent.ConnectionClosed.class);
        ConnectionEvent.ConnectionOpened opened = listener.all(ConnectionEvent.ConnectionOpened.class).get(0);
        assertTrue(opened.handshakeTime().toNanos() > 0, "the TLS handshake is timed apart: " + opened);
        assertTrue(opened.transport().matches("TLSv1\\.[23] TLS_\\w+ .*"), "protocol and cipher: " + opened.transport());
    }

    @Test
    void aRetryByTheCacheIsReportedAndCounted() throws Exception {
        Statistics stats = new Statistics();
        ((PipelaneConnectionFactory) factory).events().addSink(stats);
        java.util.concurrent.atomic.AtomicInteger peers = new java.util.concurrent.atomic.AtomicInteger();
        ScriptedServer s = server(peer -> {
            if (peers.incrementAndGet() == 1) {
                peer.readRequest();
                peer.close(); // written, unanswered: an idempotent GET may be sent again
                return;
            }
            echoAll(peer);
        });
        Endpoint endpoint = Endpoint.http(s.host(), s.port());
        try (io.pipelane.ConnectionCache cache = factory.cache(io.pipelane.CacheOptions.defaults())) {
            assertEquals("hello", cache.call(endpoint, Request.get("/again"), BodyHandlers.ofString())
                    .get(10, TimeUnit.SECONDS).body());
        }
        ConnectionEvent.RequestResent resent = listener.awaitEvent(ConnectionEvent.RequestResent.class);
        assertEquals(ConnectionEvent.Resend.RETRY, resent.resend());
        assertEquals(1, resent.attempt());
        assertEquals("/again", resent.request().target());
        assertEquals(endpoint.toUri(), resent.endpoint());
        assertEquals(1, stats.snapshot(endpoint.toUri()).retries());
        assertEquals(1, stats.snapshot(endpoint.toUri()).failed(FailureKind.RETRY));
    }

    @Test
    void statisticsCountWhatTheEventsSay() throws Exception {
        Statistics stats = new Statistics();
        ((PipelaneConnectionFactory) factory).events().addSink(stats);
        ScriptedServer s = server(ListenerEventsTest::echoAll);
        Connection c = connect(s, ConnectionOptions.builder().persistence(Persistence.TRUE).build());
        List<CompletableFuture<Response<String>>> responses = new ArrayList<>();
        for (int i = 0; i < 20; i++) responses.add(c.call(Request.get("/" + i), BodyHandlers.ofString()));
        for (var r : responses) r.get(10, TimeUnit.SECONDS);
        String key = Endpoint.http(s.host(), s.port()).toUri();

        EndpointStats.Snapshot open = stats.snapshot(key);
        assertEquals(1, open.liveConnections());
        assertEquals(20, open.completed());
        assertEquals(0, open.inFlight());
        assertEquals(20, open.latency().count());
        assertEquals(100, open.bodyBytesRead());

        c.close();
        listener.awaitEvent(ConnectionEvent.ConnectionClosed.class); // the sink ran before the listener got it
        EndpointStats.Snapshot after = stats.snapshot(key);
        assertEquals(0, after.liveConnections());
        assertEquals(1, after.connectionsOpened());
        assertEquals(0, after.failures());
    }

    /**
     * A body sink that refuses the end of its body fails the caller's response: the listeners and the
     * statistics are told that failure, not a completed response, and the connection goes on with the next one.
     */
    @Test
    void aSinkThatRefusesTheBodysEndIsReportedFailedNotCompleted() throws Exception {
        Statistics stats = new Statistics();
        ((PipelaneConnectionFactory) factory).events().addSink(stats);
        ScriptedServer s = server(ListenerEventsTest::echoAll);
        Connection c = connect(s, ConnectionOptions.builder().persistence(Persistence.TRUE).build());
        io.pipelane.BodyHandler<String> refusing = (head, options) -> new io.pipelane.BodySink<>() {
            private final CompletableFuture<String> body = new CompletableFuture<>();

            @Override public void onData(java.nio.ByteBuffer data) { }
            @Override public void onComplete(io.pipelane.Headers trailers) throws java.io.IOException {
                throw new java.io.IOException("the sink refuses the end");
            }
            @Override public void onError(Throwable cause) { body.completeExceptionally(cause); }
            @Override public java.util.concurrent.CompletionStage<String> body() { return body; }
        };
        CompletableFuture<Response<String>> refused = c.call(Request.get("/refused"), refusing);
        CompletableFuture<Response<String>> next = c.call(Request.get("/next"), BodyHandlers.ofString());

        Throwable cause = TestResources.failure(refused);
        assertEquals("the sink refuses the end", cause.getMessage());
        assertEquals("hello", next.get(10, TimeUnit.SECONDS).body());
        c.close();
        listener.awaitEvent(ConnectionEvent.ConnectionClosed.class);

        ConnectionEvent.RequestFailed failed = listener.all(ConnectionEvent.RequestFailed.class).get(0);
        assertEquals("/refused", failed.request().target());
        assertSame(cause, failed.error());
        List<ConnectionEvent.ResponseCompleted> completed = listener.all(ConnectionEvent.ResponseCompleted.class);
        assertEquals(List.of("/next"), completed.stream().map(e -> e.request().target()).toList(),
                "only the response the caller received is reported completed");
        EndpointStats.Snapshot counted = stats.snapshot(Endpoint.http(s.host(), s.port()).toUri());
        assertEquals(1, counted.completed());
        assertEquals(1, counted.failures());
        assertEquals(0, counted.inFlight());
    }
}
