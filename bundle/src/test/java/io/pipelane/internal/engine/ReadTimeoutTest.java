package io.pipelane.internal.engine;

import io.pipelane.BodyHandlers;
import io.pipelane.CacheOptions;
import io.pipelane.Connection;
import io.pipelane.ConnectionCache;
import io.pipelane.ConnectionOptions;
import io.pipelane.ConnectionState;
import io.pipelane.Endpoint;
import io.pipelane.MalformedResponseException;
import io.pipelane.Persistence;
import io.pipelane.PipelaneTimeoutException;
import io.pipelane.PipelaneTimeoutException.Phase;
import io.pipelane.PossiblyProcessedException;
import io.pipelane.Request;
import io.pipelane.RequestBody;
import io.pipelane.Response;
import io.pipelane.RetryException;
import io.pipelane.testing.ScriptedServer;
import io.pipelane.testing.TestResources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static io.pipelane.testing.TestResources.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16 item 1, a read timeout: a server that goes silent before a response head is complete ends the
 * connection like a FIN. The request whose response was late fails as unanswered (RFC 9112 §9.3.1:
 * {@link RetryException} when idempotent, else {@link PossiblyProcessedException}) with the
 * {@link PipelaneTimeoutException} as its cause, naming the phase, the limit and where the head stood; the requests
 * pipelined behind it are classified the same way. Through a {@link Connection} over the in-memory transport (the
 * server answers nothing more, so only the configured timeout can end the wait: no sleep, no race), and through
 * the cache with {@code retry = 1} over real sockets (the GET completes on the next connection; the POST reaches
 * the server once).
 */
class ReadTimeoutTest {
    private static final Duration SHORT = Duration.ofMillis(200);
    private static final Duration LONG = Duration.ofSeconds(30);
    private static final String RESPONSE = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    /** Where the server goes silent, and which timeout then ends the wait (the others are long). */
    enum Cut {
        BEFORE_ANY_BYTE("", Phase.RESPONSE, "no byte of the response"),
        IN_THE_STATUS_LINE("HTTP/1.1 20", Phase.IDLE_READ, "after 11 bytes of its head"),
        IN_THE_HEADER_FIELDS("HTTP/1.1 200 OK\r\nContent-Le", Phase.IDLE_READ, "after 27 bytes of its head"),
        HEAD_TOO_SLOW("HTTP/1.1 200 OK\r\nServer: x\r\n", Phase.RESPONSE_HEAD, "(28 bytes arrived)");

        final String sent;
        final Phase phase;
        final String where;

        Cut(String sent, Phase phase, String where) {
            this.sent = sent;
            this.phase = phase;
            this.where = where;
        }

        /** The options under which only this cut's timeout is short. */
        ConnectionOptions.Builder options() {
            return ConnectionOptions.builder()
                    .responseTimeout(phase == Phase.RESPONSE ? SHORT : LONG)
                    .idleReadTimeout(phase == Phase.IDLE_READ ? SHORT : LONG)
                    .responseHeadTimeout(phase == Phase.RESPONSE_HEAD ? SHORT : LONG);
        }
    }

    private final MemoryTransport.Connector connector = new MemoryTransport.Connector();
    private final PipelaneConnectionFactory memory = new PipelaneConnectionFactory(ConnectionOptions.defaults(),
            Map.of(), null, "read-timeout-test", connector);
    private final TestResources resources = new TestResources();

    @AfterEach
    void tearDown() throws Exception {
        memory.close();
        resources.close();
    }

    /** The timeout that classified {@code t}: its cause, with the phase, the limit and where the head stood. */
    private static PipelaneTimeoutException assertTimedOut(Cut cut, Throwable t, String where) {
        assertFalse(t instanceof MalformedResponseException, where + ": a silent server sent nothing malformed");
        PipelaneTimeoutException timeout = assertInstanceOf(PipelaneTimeoutException.class, t.getCause(),
                where + ": the cause says it was a timeout: " + t);
        assertEquals(cut.phase, timeout.phase(), where);
        assertEquals(SHORT, timeout.timeout(), where);
        assertTrue(timeout.getMessage().contains(cut.where), where + ": " + timeout.getMessage());
        return timeout;
    }

    private static void assertUnanswered(boolean idempotent, Throwable t, String where) {
        if (idempotent) {
            RetryException retry = assertInstanceOf(RetryException.class, t, where);
            assertEquals(RetryException.Reason.IDEMPOTENT_UNANSWERED, retry.reason(), where);
        } else {
            assertInstanceOf(PossiblyProcessedException.class, t, where);
        }
    }

    @ParameterizedTest
    @EnumSource(Cut.class)
    void theLateRequestAndThoseBehindItFailAsUnansweredWithTheTimeoutAsCause(Cut cut) throws Exception {
        for (boolean idempotent : new boolean[] {true, false}) {
            for (boolean pipelined : new boolean[] {false, true}) {
                String where = cut + ", " + (idempotent ? "GET" : "POST") + (pipelined ? ", pipelined" : ", first");
                Connection c = memory.create(Endpoint.http("example.test", 80), cut.options()
                        .persistence(Persistence.TRUE).pipelineAfterNonIdempotent(true).build());
                MemoryTransport server = connector.next();
                CompletableFuture<Response<String>> ahead = pipelined
                        ? c.call(Request.get("/ahead"), BodyHandlers.ofString()) : null;
                Request late = idempotent ? Request.get("/late") : Request.post("/late", RequestBody.of("pay"));
                var lateResponse = c.call(late, BodyHandlers.ofString());
                var behindGet = c.call(Request.get("/behind-get"), BodyHandlers.ofString());
                var behindPost = c.call(Request.post("/behind-post", RequestBody.of("x")), BodyHandlers.ofString());
                server.awaitWritten("/behind-post", 1); // everything is written: each may have been processed
                if (pipelined) server.serve(RESPONSE);
                server.serve(cut.sent); // then silence, until the timeout

                if (ahead != null) assertEquals("ok", ahead.get(10, TimeUnit.SECONDS).body(), where);
                Throwable t = failure(lateResponse);
                assertUnanswered(idempotent, t, where);
                PipelaneTimeoutException timeout = assertTimedOut(cut, t, where);
                assertTrue(timeout.getMessage().contains(late.method() + " /late"), where + ": " + timeout.getMessage());

                Throwable get = failure(behindGet);
                assertUnanswered(true, get, where + ", GET behind");
                assertSame(timeout, get.getCause(), where + ": the same end, the same cause");
                Throwable post = failure(behindPost);
                assertUnanswered(false, post, where + ", POST behind");
                assertSame(timeout, post.getCause(), where);
                c.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
                assertEquals(ConnectionState.FAILED, c.state(), where);
                assertTrue(server.isClosed(), where + ": the connection was closed");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Cut.class)
    void throughTheCacheWithOneRetryTheGetCompletesAndThePostIsReceivedOnce(Cut cut) throws Exception {
        Map<String, Integer> received = new ConcurrentHashMap<>();
        ScriptedServer server = resources.server(peer -> {
            for (ScriptedServer.RecordedRequest r; (r = peer.readRequest()) != null; ) {
                if (received.merge(r.method + " " + r.target, 1, Integer::sum) > 1) {
                    peer.send(RESPONSE);
                    continue;
                }
                peer.send(cut.sent); // then silence: the client's timeout ends the connection
                peer.awaitClientEof(Duration.ofSeconds(10));
                return;
            }
        });
        ConnectionCache cache = resources.add(resources.factory.cache(CacheOptions.builder().retry(1)
                .connectionOptions(cut.options().build()).build()));
        Endpoint endpoint = Endpoint.http(server.host(), server.port());

        Response<String> get = cache.call(endpoint, Request.get("/stalls-once"), BodyHandlers.ofString())
                .get(10, TimeUnit.SECONDS);
        assertEquals("ok", get.body(), cut + ": the GET completes on the next connection");
        Throwable post = failure(cache.call(endpoint, Request.post("/stalls-once", RequestBody.of("pay")),
                BodyHandlers.ofString()));
        assertInstanceOf(PossiblyProcessedException.class, post, cut + ": the POST may have been processed");
        assertTimedOut(cut, post, cut + ", POST through the cache");

        assertEquals(2, received.get("GET /stalls-once"), cut + ": the GET was sent again once");
        assertEquals(1, received.get("POST /stalls-once"), cut + ": the POST was never sent again");
        assertEquals(1, cache.metrics().get(0).retries(), cut.toString());
    }
}
