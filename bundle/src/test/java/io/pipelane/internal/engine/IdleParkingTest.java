package io.pipelane.internal.engine;

import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionCache;
import io.pipelane.ConnectionClosedException;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.ConnectionState;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.Request;
import io.pipelane.TlsOptions;
import io.pipelane.testing.ScriptedServer;
import io.pipelane.testing.TestCerts;
import io.pipelane.testing.TestResources;
import io.pipelane.testing.TlsEngineServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An idle TCP connection parks ({@link IdleParking}): its reader gives its thread back and the factory's idle
 * selector waits for the channel. A parked connection still answers requests (plain and TLS), still notices a
 * server that closes it or sends unsolicited bytes, closes and shuts down, and many resume at once; the factory's
 * close stops the selector's thread.
 */
class IdleParkingTest {
    private static final long WAIT_S = 10;
    private static TestCerts localhost;

    private final TestResources resources = new TestResources();
    private final ConnectionFactory factory = resources.factory;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    /** The connections' executor: shows whether a thread is held for a connection (a task runs). */
    private final RunningTasks pool = new RunningTasks(threads);

    /** Runs tasks on a pool and counts those running: a parked connection's reader task has ended. */
    static final class RunningTasks implements Executor {
        private final Executor pool;
        private int running; // guarded by this

        RunningTasks(Executor pool) {
            this.pool = pool;
        }

        @Override
        public void execute(Runnable task) {
            synchronized (this) {
                running++;
            }
            try {
                pool.execute(() -> {
                    try {
                        task.run();
                    } finally {
                        ended();
                    }
                });
            } catch (RuntimeException refused) {
                ended();
                throw refused;
            }
        }

        private synchronized void ended() {
            running--;
            notifyAll();
        }

        /** Waits (bounded) until no task runs; whether none does. */
        synchronized boolean awaitNoneRunning() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
            while (running > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }
    }

    @TempDir
    static Path keys;

    @BeforeAll
    static void certificates() throws Exception {
        localhost = TestCerts.generate(keys, "localhost", "dns:localhost,ip:127.0.0.1");
    }

    @AfterEach
    void tearDown() throws Exception {
        resources.close();
        threads.shutdownNow();
    }

    private ConnectionOptions options() {
        return ConnectionOptions.builder().persistence(Persistence.TRUE).executor(pool).build();
    }

    private HttpConnection connect(ScriptedServer server) throws Exception {
        return (HttpConnection) factory.connect(Endpoint.http(server.host(), server.port()), options())
                .toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
    }

    private static String get(Connection c, String target) throws Exception {
        return c.call(Request.get(target), BodyHandlers.ofString()).get(WAIT_S, TimeUnit.SECONDS).body();
    }

    private static void awaitParked(HttpConnection c) throws InterruptedException {
        assertTrue(c.awaitParked(WAIT_S, TimeUnit.SECONDS), "the idle connection did not park: " + c);
    }

    /** A server that answers each request with its target, until the client ends. */
    private static void echo(ScriptedServer.Peer peer) throws Exception {
        for (ScriptedServer.RecordedRequest r; (r = peer.readRequest()) != null; ) peer.respond(200, r.target);
    }

    @Test
    void anIdleConnectionParksHoldingNoThreadAndAnswersTheNextRequest() throws Exception {
        ScriptedServer server = resources.server(IdleParkingTest::echo);
        HttpConnection c = connect(server);
        assertEquals("/a", get(c, "/a"));
        awaitParked(c);
        assertTrue(pool.awaitNoneRunning(), "a parked connection holds no thread of its executor");
        assertEquals(0, c.bufferBytes(), "a parked connection holds no buffer");

        assertEquals("/b", get(c, "/b")); // resumes: the channel is blocking again, the reader reads
        assertEquals("/c", get(c, "/c"));
        awaitParked(c); // and parks again
        assertEquals("/d", get(c, "/d"));
        assertEquals(1, server.connections());
        assertEquals(ConnectionState.OPEN, c.state());
    }

    @Test
    void aPipelinedBurstOnAParkedConnectionIsAnsweredInOrder() throws Exception {
        ScriptedServer server = resources.server(IdleParkingTest::echo);
        HttpConnection c = connect(server);
        assertEquals("/first", get(c, "/first"));
        awaitParked(c);
        List<CompletableFuture<io.pipelane.Response<String>>> rs = new ArrayList<>();
        for (int i = 0; i < 20; i++) rs.add(c.call(Request.get("/" + i), BodyHandlers.ofString()));
        for (int i = 0; i < 20; i++) assertEquals("/" + i, rs.get(i).get(WAIT_S, TimeUnit.SECONDS).body());
    }

    @Test
    void aServerThatClosesAParkedConnectionIsNoticedAndTheCacheOpensAnother() throws Exception {
        CountDownLatch close = new CountDownLatch(1);
        ScriptedServer server = resources.server(peer -> {
            ScriptedServer.RecordedRequest r = peer.readRequest();
            peer.respond(200, r.target);
            if (r.target.equals("/first")) {
                close.await();
                peer.close(); // the server ends the idle connection
            } else {
                echo(peer);
            }
        });
        ConnectionCache cache = factory.cache();
        Endpoint endpoint = Endpoint.http(server.host(), server.port());
        assertEquals("/first", cache.call(endpoint, Request.get("/first"), BodyHandlers.ofString())
                .get(WAIT_S, TimeUnit.SECONDS).body());
        HttpConnection c = (HttpConnection) cache.connections().values().iterator().next().get(0);
        awaitParked(c);
        close.countDown();
        c.closed().toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
        assertEquals(ConnectionState.CLOSED, c.state());
        assertEquals("/second", cache.call(endpoint, Request.get("/second"), BodyHandlers.ofString())
                .get(WAIT_S, TimeUnit.SECONDS).body());
        assertEquals(2, server.connections(), "the closed connection was not handed out again");
    }

    @Test
    void closeEndsAParkedConnectionAndTheServerSeesItsEnd() throws Exception {
        CompletableFuture<Boolean> clientEnded = new CompletableFuture<>();
        ScriptedServer server = resources.server(peer -> {
            peer.respond(200, peer.readRequest().target);
            clientEnded.complete(peer.awaitClientEof());
        });
        HttpConnection c = connect(server);
        assertEquals("/a", get(c, "/a"));
        awaitParked(c);
        c.close();
        c.closed().toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
        assertTrue(clientEnded.get(WAIT_S, TimeUnit.SECONDS), "the server saw the client's end");
        assertEquals(ConnectionState.CLOSED, c.state());
        Throwable refused = TestResources.failure(c.call(Request.get("/b"), BodyHandlers.ofString()));
        assertInstanceOf(io.pipelane.RetryException.class, refused);
    }

    @Test
    void shutdownOfAParkedConnectionHalfClosesAndEnds() throws Exception {
        CompletableFuture<Boolean> clientEnded = new CompletableFuture<>();
        ScriptedServer server = resources.server(peer -> {
            peer.respond(200, peer.readRequest().target);
            clientEnded.complete(peer.readRequest() == null); // the client's FIN, with no request before it
        });
        HttpConnection c = connect(server);
        assertEquals("/a", get(c, "/a"));
        awaitParked(c);
        c.shutdown();
        assertTrue(clientEnded.get(WAIT_S, TimeUnit.SECONDS));
        c.closed().toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
        assertEquals(ConnectionState.CLOSED, c.state());
    }

    @Test
    void unsolicitedBytesOnAParkedConnectionCloseItAsBefore() throws Exception {
        CountDownLatch send = new CountDownLatch(1);
        ScriptedServer server = resources.server(peer -> {
            peer.respond(200, peer.readRequest().target);
            send.await();
            peer.send("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            peer.awaitClientEof();
        });
        HttpConnection c = connect(server);
        assertEquals("/a", get(c, "/a"));
        awaitParked(c);
        send.countDown();
        c.closed().toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
        assertEquals(ConnectionState.CLOSED, c.state());
        Throwable refused = TestResources.failure(c.call(Request.get("/b"), BodyHandlers.ofString()));
        Throwable cause = refused.getCause();
        assertInstanceOf(ConnectionClosedException.class, cause);
        assertTrue(cause.getMessage().contains("unsolicited 408"), cause.getMessage());
    }

    @Test
    void theFactorysCloseStopsTheIdleSelectorThread() throws Exception {
        PipelaneConnectionFactory own = (PipelaneConnectionFactory) ConnectionFactory.builder().build();
        CompletableFuture<Boolean> clientEnded = new CompletableFuture<>();
        ScriptedServer server = resources.server(peer -> {
            peer.respond(200, peer.readRequest().target);
            clientEnded.complete(peer.awaitClientEof());
        });
        try {
            assertFalse(own.idleSelectorRunning(), "no thread before a connection parks");
            HttpConnection c = (HttpConnection) own.connect(Endpoint.http(server.host(), server.port()), options())
                    .toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
            assertEquals("/a", get(c, "/a"));
            awaitParked(c);
            assertTrue(own.idleSelectorRunning());
        } finally {
            own.close();
        }
        assertFalse(own.idleSelectorRunning(), "the factory's close ends the idle selector's thread");
        assertTrue(clientEnded.get(WAIT_S, TimeUnit.SECONDS), "the parked connection was closed");
    }

    @Test
    void manyParkedConnectionsResumeAtOnce() throws Exception {
        int n = 40;
        ScriptedServer server = resources.server(IdleParkingTest::echo);
        List<HttpConnection> cs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            HttpConnection c = connect(server);
            assertEquals("/open", get(c, "/open"));
            cs.add(c);
        }
        for (int round = 0; round < 2; round++) {
            for (HttpConnection c : cs) awaitParked(c);
            assertTrue(pool.awaitNoneRunning(), "parked connections hold no thread");
            // from n threads at once: each write finds its connection parked and waits for its resumption
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<String>> answers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                HttpConnection c = cs.get(i);
                String target = "/r" + round + "c" + i;
                answers.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await();
                        return get(c, target);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, r -> new Thread(r).start()));
            }
            go.countDown();
            for (int i = 0; i < n; i++) {
                assertEquals("/r" + round + "c" + i, answers.get(i).get(WAIT_S, TimeUnit.SECONDS));
            }
        }
        assertEquals(n, server.connections());
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void aParkedTlsConnectionAnswersTheNextRequestAndClosesCleanly(String protocol) throws Exception {
        CompletableFuture<TlsEngineServer.End> end = new CompletableFuture<>();
        try (TlsEngineServer server = new TlsEngineServer(localhost.serverContext(), peer -> {
            for (int i = 0; i < 3; i++) {
                TlsEngineServer.Req r = peer.readRequest();
                peer.respond(200, "secure " + r.target());
            }
            end.complete(peer.awaitEnd());
        })) {
            ConnectionOptions options = ConnectionOptions.builder().persistence(Persistence.TRUE).executor(pool)
                    .tls(TlsOptions.builder().sslContext(localhost.clientContext()).protocols(List.of(protocol))
                            .build()).build();
            HttpConnection c = (HttpConnection) factory.connect(Endpoint.of("https://localhost:" + server.port()),
                    options).toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
            assertEquals("secure /a", get(c, "/a"));
            awaitParked(c);
            assertTrue(pool.awaitNoneRunning(), "a parked TLS connection holds no thread");
            assertEquals("secure /b", get(c, "/b"));
            awaitParked(c);
            assertEquals("secure /c", get(c, "/c"));
            awaitParked(c);
            c.shutdown(); // TLS 1.3: close_notify then FIN, written from a parked connection; TLS 1.2: closed
            c.closed().toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
            assertEquals(protocol.equals("TLSv1.3") ? TlsEngineServer.End.CLOSE_NOTIFY
                    : TlsEngineServer.End.TCP_EOF_WITHOUT_CLOSE_NOTIFY, end.get(WAIT_S, TimeUnit.SECONDS));
        }
    }

    @Test
    void aParkedConnectionHoldsNothingForTheWatchdogToTimeOut() throws Exception {
        ScriptedServer server = resources.server(IdleParkingTest::echo);
        HttpConnection c = (HttpConnection) factory.connect(Endpoint.http(server.host(), server.port()),
                ConnectionOptions.builder().persistence(Persistence.TRUE).executor(pool)
                        .responseTimeout(Duration.ofMillis(300)).build()).toCompletableFuture()
                .get(WAIT_S, TimeUnit.SECONDS);
        assertEquals("/a", get(c, "/a"));
        awaitParked(c);
        c.checkTimeouts(System.nanoTime() + TimeUnit.SECONDS.toNanos(60)); // the watchdog, a minute later
        assertEquals(ConnectionState.OPEN, c.state(), "an idle parked connection has no deadline");
        assertEquals("/b", get(c, "/b"));
    }
}
