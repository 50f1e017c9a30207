package io.pipelane.internal.engine;

import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.ConnectionState;
import io.pipelane.Endpoint;
import io.pipelane.MalformedResponseException;
import io.pipelane.Persistence;
import io.pipelane.PipelaneException;
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
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pipelining behaviours of SPEC §1 and the scenarios other clients got wrong, each against a scripted
 * server on a real socket.
 */
class PipelineScenariosTest {
    private final TestResources resources = new TestResources();
    private final ConnectionFactory factory = resources.factory;

    @AfterEach
    void tearDown() throws Exception {
        resources.close();
    }

    private ScriptedServer server(ScriptedServer.Script script) throws IOException {
        return resources.server(script);
    }

    private Connection connect(ScriptedServer server, Persistence persistence) {
        return factory.create(Endpoint.http(server.host(), server.port()),
                ConnectionOptions.builder().persistence(persistence).build());
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    private static Throwable failure(CompletableFuture<?> f) {
        return TestResources.failure(f);
    }

    /** Whether another request arrives within {@code window}: used to prove the client did NOT send one. */
    private static boolean requestArrivesWithin(ScriptedServer.Peer peer, Duration window) throws IOException {
        peer.socket().setSoTimeout((int) window.toMillis());
        try {
            return peer.readRequest() != null;
        } catch (SocketTimeoutException e) {
            return false;
        } finally {
            peer.socket().setSoTimeout(0);
        }
    }

    private static List<CompletableFuture<Response<String>>> getAll(Connection c, String... targets) {
        List<CompletableFuture<Response<String>>> list = new ArrayList<>();
        for (String t : targets) list.add(c.call(Request.get(t), BodyHandlers.ofString()));
        return list;
    }

    // ------------------------------------------------------------------------------------------ pipelining

    @Test
    void pipelinedRequestsAreAnsweredInOrderAndCoalescedIntoFewWrites() throws Exception {
        ScriptedServer server = server(peer -> {
            for (RecordedRequest r : peer.readRequests(50)) peer.respond(200, "r" + r.target);
            peer.awaitClientEof(Duration.ofSeconds(10));
        });
        // Hold the connection's tasks until all 50 requests are queued, so that the writer finds them all.
        try (GatedExecutor gated = new GatedExecutor()) {
            Connection c = factory.create(Endpoint.http(server.host(), server.port()), ConnectionOptions.builder()
                    .persistence(Persistence.TRUE).maxPipelineDepth(64).executor(gated).build());
            List<CompletableFuture<Response<String>>> rs = new ArrayList<>();
            for (int i = 0; i < 50; i++) rs.add(c.call(Request.get("/" + i), BodyHandlers.ofString()));
            assertEquals(ConnectionState.CONNECTING, c.state());
            assertEquals(50, c.length());
            gated.release();
            for (int i = 0; i < 50; i++) assertEquals("r/" + i, await(rs.get(i)).body());
            long[] stats = ((HttpConnection) c).writeStats();
            assertEquals(1, stats[0], "50 queued requests go out in one socket write");
            assertEquals(0, c.length());
            c.close();
        }
    }

    @Test
    void depthLimitBoundsUnansweredRequests() throws Exception {
        ScriptedServer server = server(peer -> {
            for (int answered = 0; answered < 6; answered += 2) {
                List<RecordedRequest> two = peer.readRequests(2);
                if (requestArrivesWithin(peer, Duration.ofMillis(200))) throw new AssertionError("depth exceeded 2");
                for (RecordedRequest r : two) peer.respond(200, r.target);
            }
        });
        Connection c = factory.create(Endpoint.http(server.host(), server.port()),
                ConnectionOptions.builder().persistence(Persistence.TRUE).maxPipelineDepth(2).build());
        List<CompletableFuture<Response<String>>> rs = getAll(c, "/0", "/1", "/2", "/3", "/4", "/5");
        for (int i = 0; i < 6; i++) assertEquals("/" + i, await(rs.get(i)).body());
    }

    @Test
    void noRequestIsPipelinedBehindAPostUntilItsStatusArrives() throws Exception {
        ScriptedServer server = server(peer -> {
            RecordedRequest post = peer.readRequest();
            assertEquals("POST", post.method);
            if (requestArrivesWithin(peer, Duration.ofMillis(300))) throw new AssertionError("pipelined behind POST");
            peer.respond(201, "created");
            for (RecordedRequest r : peer.readRequests(2)) peer.respond(200, r.target);
        });
        Connection c = connect(server, Persistence.TRUE);
        var post = c.call(Request.post("/items", RequestBody.of("x")), BodyHandlers.ofString());
        var gets = getAll(c, "/a", "/b");
        assertEquals(201, await(post).status());
        assertEquals("/a", await(gets.get(0)).body());
        assertEquals("/b", await(gets.get(1)).body());
    }

    @Test
    void pipelineAfterNonIdempotentOptionWritesBehindAPost() throws Exception {
        ScriptedServer server = server(peer -> {
            List<RecordedRequest> all = peer.readRequests(3); // all three before any response
            for (RecordedRequest r : all) peer.respond(200, r.method + r.target);
        });
        Connection c = factory.create(Endpoint.http(server.host(), server.port()), ConnectionOptions.builder()
                .persistence(Persistence.TRUE).pipelineAfterNonIdempotent(true).build());
        var post = c.call(Request.post("/p", RequestBody.of("x")), BodyHandlers.ofString());
        var gets = getAll(c, "/a", "/b");
        assertEquals("POST/p", await(post).body());
        assertEquals("GET/b", await(gets.get(1)).body());
    }

    @Test
    void headResponseWithContentLengthInsideAPipeline() throws Exception {
        ScriptedServer server = server(peer -> {
            peer.readRequests(3);
            peer.send("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world"
                    + "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n"
                    + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nafter");
        });
        Connection c = connect(server, Persistence.TRUE);
        var get1 = c.call(Request.get("/a"), BodyHandlers.ofString());
        var head = c.call(Request.head("/a"), BodyHandlers.ofString());
        var get2 = c.call(Request.get("/b"), BodyHandlers.ofString());
        assertEquals("hello world", await(get1).body());
        assertEquals("", await(head).body());
        assertEquals("11", await(head).headers().first("Content-Length"));
        assertEquals("after", await(get2).body());
    }

    @Test
    void interimResponsesDoNotConsumeAQueuedRequest() throws Exception {
        ScriptedServer server = server(peer -> {
            peer.readRequests(2);
            peer.send("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n"
                    + "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
                    + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst"
                    + "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond");
        });
        Connection c = connect(server, Persistence.TRUE);
        var rs = getAll(c, "/1", "/2");
        assertEquals("first", await(rs.get(0)).body());
        assertEquals(200, await(rs.get(0)).status());
        assertEquals("second", await(rs.get(1)).body());
    }

    // ------------------------------------------------------------------------------------------ persistence

    @Test
    void autoWritesTheFirstRequestAloneThenPipelines() throws Exception {
        ScriptedServer server = server(peer -> {
            RecordedRequest first = peer.readRequest();
            if (requestArrivesWithin(peer, Duration.ofMillis(300))) throw new AssertionError("AUTO pipelined early");
            peer.respond(200, first.target);
            List<RecordedRequest> rest = peer.readRequests(3);
            for (RecordedRequest r : rest) peer.respond(200, r.target);
        });
        Connection c = connect(server, Persistence.AUTO);
        assertFalse(c.isPipelining());
        var rs = getAll(c, "/1", "/2", "/3", "/4");
        for (int i = 0; i < 4; i++) assertEquals("/" + (i + 1), await(rs.get(i)).body());
        assertTrue(c.isPipelining());
        assertFalse(c.isClosed());
    }

    @Test
    void autoWithKeepAliveHeaderOnHttp11Pipelines() throws Exception {
        ScriptedServer server = server(peer -> {
            peer.readRequest();
            peer.respond(200, "1", "Connection: keep-alive");
            for (RecordedRequest r : peer.readRequests(2)) peer.respond(200, r.target);
        });
        Connection c = connect(server, Persistence.AUTO);
        var rs = getAll(c, "/1", "/2", "/3");
        assertEquals("1", await(rs.get(0)).body());
        assertEquals("/3", await(rs.get(2)).body());
        assertTrue(c.isPipelining());
    }

    @Test
    void autoWithAnHttp10ServerTurnsPersistenceOffAndNothingIsLost() throws Exception {
        ScriptedServer server = server(peer -> {
            peer.readRequest();
            peer.send("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok");
            peer.close();
        });
        Connection c = connect(server, Persistence.AUTO);
        var rs = getAll(c, "/1", "/2", "/3");
        assertEquals("ok", await(rs.get(0)).body());
        for (int i = 1; i < 3; i++) {
            Throwable t = failure(rs.get(i));
            assertInstanceOf(RetryException.class, t);
            assertTrue(t.getMessage().contains("was not sent"), t.getMessage());
        }
        assertTrue(c.isClosed());
        assertFalse(c.isPipelining());
        assertEquals(1, server.requests().size());
    }

    @Test
    void autoWithHttp10KeepAliveKeepsTheConnectionButSendsOneAtATime() throws Exception {
        ScriptedServer server = server(peer -> {
            for (int i = 0; i < 3; i++) {
                RecordedRequest r = peer.readRequest();
                if (requestArrivesWithin(peer, Duration.ofMillis(200))) throw new AssertionError("pipelined to 1.0");
                peer.send("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n"
                        + r.target.substring(0, 2));
            }
        });
        Connection c = connect(server, Persistence.AUTO);
        var rs = getAll(c, "/1", "/2", "/3");
        for (int i = 0; i < 3; i++) assertEquals("/" + (i + 1), await(rs.get(i)).body());
        assertFalse(c.isPipelining());
        assertFalse(c.isClosed());
        assertEquals(1, server.connections());
    }

    @Test
    void persistenceFalseSendsConnectionCloseAndTakesOneRequest() throws Exception {
        ScriptedServer server = server(peer -> {
            RecordedRequest r = peer.readRequest();
            assertEquals("close", r.header("Connection"));
            peer.respond(200, "only");
            peer.close();
        });
        Connection c = connect(server, Persistence.FALSE);
        var first = c.call(Request.get("/"), BodyHandlers.ofString());
        assertTrue(c.isClosed(), "FALSE accepts one request");
        RetryException refused = assertInstanceOf(RetryException.class, failure(c.call(Request.get("/again"))));
        assertEquals(RetryException.Reason.REFUSED, refused.reason());
        assertEquals("only", await(first).body());
        c.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(ConnectionState.CLOSED, c.state());
    }

    @Test
    void connectionCloseOnTheSecondResponseMakesTheRestRetryable() throws Exception {
        ScriptedServer server = server(peer -> {
            peer.readRequests(5);
            peer.respond(200, "1");
            peer.respond(200, "2", "Connection: close");
            try {
                peer.respond(503, "ignored: after Connection: close"); // like Node past its limit
            } catch (IOException clientAlreadyGone) {
                // the client may already have closed: it ignores everything after Connection: close
            }
            peer.close();
        });
        Connection c = connect(server, Persistence.TRUE);
        var rs = getAll(c, "/1", "/2", "/3", "/4", "/5");
        assertEquals("1", await(rs.get(0)).body());
        assertEquals("2", await(rs.get(1)).body());
        for (int i = 2; i < 5; i++) {
            Throwable t = failure(rs.get(i));
            assertInstanceOf(RetryException.class, t);
            assertTrue(t.getMessage().contains("Connection: close"), t.getMessage());
            assertEquals(RetryException.Reason.SENT_AFTER_CLOSE, ((RetryException) t).reason());
            assertTrue(((RetryException) t).certainlyNotProcessed());
        }
        assertTrue(c.isClosed());
    }

    @Test
    void serverAnsweringThreeOfFiveThenClosingClassifiesTheRest() throws Exception {
        CountDownLatch allRead = new CountDownLatch(1);
        ScriptedServer server = server(peer -> {
            peer.readRequests(5);
            allRead.countDown();
            peer.respond(200, "1");
            peer.respond(200, "2");
            peer.respond(200, "3");
            peer.close(); // FIN with two requests unanswered
        });
        Connection c = factory.create(Endpoint.http(server.host(), server.port()), ConnectionOptions.builder()
                .persistence(Persistence.TRUE).pipelineAfterNonIdempotent(true).build());
        var rs = getAll(c, "/1", "/2", "/3");
        var post = c.call(Request.post("/4", RequestBody.of("x")));
        var put = c.call(Request.put("/5", RequestBody.of("y")));
        for (int i = 0; i < 3; i++) assertEquals(String.valueOf(i + 1), await(rs.get(i)).body());
        Throwable postFailure = failure(post);
        assertInstanceOf(PossiblyProcessedException.class, postFailure, "a POST on the wire may have been processed");
        Throwable putFailure = failure(put);
        assertInstanceOf(RetryException.class, putFailure, "an idempotent PUT may be sent again");
        assertTrue(putFailure.getMessage().contains("idempotent"), putFailure.getMessage());
        assertEquals(RetryException.Reason.IDEMPOTENT_UNANSWERED, ((RetryException) putFailure).reason());
        assertFalse(((RetryException) putFailure).certainlyNotProcessed(), "the server may have processed it");
        assertTrue(allRead.await(1, TimeUnit.SECONDS));
    }

    // ------------------------------------------------------------------------------------------ framing and errors

    @Test
    void closeDelimitedLastResponseCompletesAtEndOfInput() throws Exception {
        ScriptedServer server = server(peer -> {
            peer.readRequests(2);
            peer.respond(200, "framed");
            peer.send("HTTP/1.1 200 OK\r\n\r\nuntil the end");
            peer.close();
        });
        Connection c = connect(server, Persistence.TRUE);
        var rs = getAll(c, "/1", "/2");
        assertEquals("framed", await(rs.get(0)).body());
        assertEquals("until the end", await(rs.get(1)).body());
        c.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(ConnectionState.CLOSED, c.state());
    }

    @Test
    void closeDelimitedResponseInTheMiddleEndsThePipeline() throws Exception {
        ScriptedServer server = server(peer -> {
            peer.readRequests(3);
            peer.respond(200, "framed");
            peer.send("HTTP/1.1 200 OK\r\n\r\nrest");
            peer.close();
        });
        Connection c = connect(server, Persistence.TRUE);
        var rs = getAll(c, "/1", "/2", "/3");
        assertEquals("rest", await(rs.get(1)).body());
        assertInstanceOf(RetryException.class, failure(rs.get(2)));
    }

    @Test
    void garbageAfterAResponseFailsTheNextOnlyAndDoesNotPoisonANewConnection() throws Exception {
        ScriptedServer server = server(peer -> {
            RecordedRequest first = peer.readRequest();
            if (first.target.equals("/1")) {
                peer.readRequests(2);
                peer.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokGARBAGE NOT HTTP\r\n\r\n");
            } else {
                peer.respond(200, "fresh");
            }
        });
        Connection c = connect(server, Persistence.TRUE);
        var rs = getAll(c, "/1", "/2", "/3");
        assertEquals("ok", await(rs.get(0)).body());
        Throwable second = failure(rs.get(1));
        assertInstanceOf(MalformedResponseException.class, second);
        assertTrue(second.getMessage().contains("status line"), second.getMessage());
        Throwable third = failure(rs.get(2));
        assertInstanceOf(RetryException.class, third);
        assertInstanceOf(MalformedResponseException.class, third.getCause());
        assertEquals(ConnectionState.FAILED, c.state());

        Connection fresh = connect(server, Persistence.TRUE);
        assertEquals("fresh", await(fresh.call(Request.get("/fresh"), BodyHandlers.ofString())).body());
    }

    @Test
    void conflictingContentLengthIsAProtocolErrorNamingTheCause() throws Exception {
        ScriptedServer server = server(peer -> {
            peer.readRequests(2);
            peer.send("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd");
        });
        Connection c = connect(server, Persistence.TRUE);
        var rs = getAll(c, "/1", "/2");
        Throwable t = failure(rs.get(0));
        assertInstanceOf(MalformedResponseException.class, t);
        assertTrue(t.getMessage().contains("conflicting Content-Length"), t.getMessage());
        assertInstanceOf(RetryException.class, failure(rs.get(1)));
    }

    @Test
    void resetInTheMiddleOfABodyFailsThatResponseAndClassifiesTheRest() throws Exception {
        ScriptedServer server = server(peer -> {
            peer.readRequests(2);
            peer.send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b");
            peer.reset();
        });
        Connection c = connect(server, Persistence.TRUE);
        var streamed = c.call(Request.get("/1"), BodyHandlers.ofInputStream());
        var second = c.call(Request.get("/2"), BodyHandlers.ofString());
        // The application had the head (a streamed body): the body read fails, the response is not retried.
        InputStream body = await(streamed).body();
        IOException cut = assertThrows(IOException.class, body::readAllBytes);
        assertFalse(cut instanceof RetryException, "its response had been delivered: " + cut);
        assertInstanceOf(RetryException.class, failure(second));
    }

    @Test
    void resetInTheMiddleOfABufferedBodyOfAnIdempotentRequestIsARetry() throws Exception {
        ScriptedServer server = server(peer -> {
            peer.readRequests(2);
            peer.send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b");
            peer.reset();
        });
        Connection c = connect(server, Persistence.TRUE);
        var rs = getAll(c, "/1", "/2");
        Throwable first = failure(rs.get(0));
        assertInstanceOf(RetryException.class, first, "the application has nothing of it: the GET may be sent again");
        assertTrue(first.getMessage().contains("cut short"), first.getMessage());
        assertInstanceOf(RetryException.class, failure(rs.get(1)));
    }

    @Test
    void unsolicited408OnAnIdleConnectionClosesItAndFailsNothing() throws Exception {
        CountDownLatch answered = new CountDownLatch(1);
        ScriptedServer server = server(peer -> {
            peer.readRequest();
            peer.respond(200, "ok");
            answered.await();
            peer.send("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
            peer.close();
        });
        Connection c = connect(server, Persistence.TRUE);
        assertEquals("ok", await(c.call(Request.get("/"), BodyHandlers.ofString())).body());
        answered.countDown();
        c.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertTrue(c.isClosed());
        assertEquals(0, c.length());
        assertInstanceOf(RetryException.class, failure(c.call(Request.get("/later"))));
    }

    @Test
    void moreResponsesThanRequestsClosesWithoutCrashing() throws Exception {
        ScriptedServer server = server(peer -> {
            peer.readRequest();
            peer.respond(200, "one");
            peer.respond(200, "two");
            peer.awaitClientEof(Duration.ofSeconds(10));
        });
        Connection c = connect(server, Persistence.TRUE);
        assertEquals("one", await(c.call(Request.get("/"), BodyHandlers.ofString())).body());
        c.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(0, c.length());
    }

    @Test
    void expectContinueAnsweredBy417LeavesThePipelineUsable() throws Exception {
        ScriptedServer server = server(peer -> {
            RecordedRequest post = peer.readRequest();
            assertEquals("100-continue", post.header("Expect"));
            peer.send("HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n");
            peer.respond(200, peer.readRequest().target);
        });
        Connection c = connect(server, Persistence.TRUE);
        var post = c.call(Request.builder("POST", "/upload").header("Expect", "100-continue")
                .body(RequestBody.of("data")).build());
        var get = c.call(Request.get("/next"), BodyHandlers.ofString());
        assertEquals(417, await(post).status());
        assertEquals("/next", await(get).body());
    }

    // ------------------------------------------------------------------------------------------ bodies

    @Test
    void unknownLengthBodyIsBufferedBeforePipeliningIsKnownThenChunked() throws Exception {
        ScriptedServer server = server(peer -> {
            RecordedRequest first = peer.readRequest();
            assertFalse(first.chunked, "first request on an AUTO connection must not be chunked");
            assertEquals("5", first.header("Content-Length"));
            peer.respond(200, first.bodyText());
            RecordedRequest second = peer.readRequest();
            assertTrue(second.chunked, "once pipelining is known, unknown lengths go chunked");
            peer.respond(200, second.bodyText());
        });
        Connection c = connect(server, Persistence.AUTO);
        var r1 = c.call(Request.post("/a", RequestBody.ofStream(new ByteArrayInputStream("first".getBytes()))),
                BodyHandlers.ofString());
        assertEquals("first", await(r1).body());
        var r2 = c.call(Request.post("/b", RequestBody.ofStream(new ByteArrayInputStream("second".getBytes()))),
                BodyHandlers.ofString());
        assertEquals("second", await(r2).body());
    }

    @Test
    void unknownLengthBodyOverTheBufferLimitFailsAloneAndTheConnectionGoesOn() throws Exception {
        ScriptedServer server = server(peer -> {
            RecordedRequest r = peer.readRequest();
            assertEquals("/after", r.target);
            peer.respond(200, "fine");
        });
        Connection c = factory.create(Endpoint.http(server.host(), server.port()),
                ConnectionOptions.builder().maxBufferedRequestBodyBytes(10).build());
        var big = c.call(Request.post("/big", RequestBody.ofStream(new ByteArrayInputStream(new byte[100]))));
        Throwable t = failure(big);
        assertTrue(t.getMessage().contains("maxBufferedRequestBodyBytes"), t.getMessage());
        assertEquals("fine", await(c.call(Request.get("/after"), BodyHandlers.ofString())).body());
    }

    @Test
    void largeResponseBodiesArriveWhole() throws Exception {
        byte[] big = new byte[3 * 1024 * 1024 + 17];
        for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31);
        ScriptedServer server = server(peer -> {
            peer.readRequests(2);
            peer.send(("HTTP/1.1 200 OK\r\nContent-Length: " + big.length + "\r\n\r\n").getBytes());
            peer.send(big);
            peer.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nwiki\r\n5;x=y\r\npedia\r\n0\r\nX-T: 1\r\n\r\n");
        });
        Connection c = connect(server, Persistence.TRUE);
        var r1 = c.call(Request.get("/big"));
        var r2 = c.call(Request.get("/chunked"), BodyHandlers.ofString());
        assertTrue(java.util.Arrays.equals(big, await(r1).body()));
        Response<String> chunked = await(r2);
        assertEquals("wikipedia", chunked.body());
        assertEquals("1", chunked.trailers().toCompletableFuture().get().first("X-T"));
    }

    @Test
    void aBufferedBodyOverItsLimitFailsThatResponseOnly() throws Exception {
        ScriptedServer server = server(peer -> {
            peer.readRequests(2);
            peer.respond(200, "x".repeat(1000));
            peer.respond(200, "small");
        });
        Connection c = factory.create(Endpoint.http(server.host(), server.port()), ConnectionOptions.builder()
                .persistence(Persistence.TRUE).maxBufferedBodyBytes(100).build());
        var rs = getAll(c, "/big", "/small");
        Throwable t = failure(rs.get(0));
        assertInstanceOf(io.pipelane.LimitExceededException.class, t);
        assertEquals("maxBufferedBodyBytes", ((io.pipelane.LimitExceededException) t).limit());
        assertEquals("small", await(rs.get(1)).body());
    }

    @Test
    void anUnreadStreamedBodyClosesTheConnectionAfterTheBodyReadTimeout() throws Exception {
        ScriptedServer server = server(peer -> {
            peer.readRequests(2);
            try {
                peer.send("HTTP/1.1 200 OK\r\nContent-Length: 4194304\r\n\r\n");
                peer.send(new byte[4 * 1024 * 1024]);
                peer.respond(200, "behind");
            } catch (IOException closedByTheClient) {
                // expected: the client gives up on the unread body and closes while this is still sending
            }
        });
        Connection c = factory.create(Endpoint.http(server.host(), server.port()), ConnectionOptions.builder()
                .persistence(Persistence.TRUE).bodyReadTimeout(Duration.ofMillis(300)).build());
        var streamed = c.call(Request.get("/stream"), BodyHandlers.ofInputStream());
        var behind = c.call(Request.get("/behind"), BodyHandlers.ofString());
        assertEquals(200, await(streamed).status()); // completes at the head; the body is never read
        Throwable t = failure(behind);
        assertInstanceOf(RetryException.class, t);
        assertInstanceOf(io.pipelane.PipelaneTimeoutException.class, t.getCause());
        IOException read = assertThrows(IOException.class, () -> await(streamed).body().readAllBytes());
        assertTrue(read.getMessage().contains("not read"), read.getMessage());
    }

    @Test
    void closingAStreamedBodyEarlyDropsTheRestAndThePipelineGoesOn() throws Exception {
        ScriptedServer server = server(peer -> {
            peer.readRequests(2);
            peer.send("HTTP/1.1 200 OK\r\nContent-Length: 2097152\r\n\r\n");
            peer.send(new byte[2 * 1024 * 1024]);
            peer.respond(200, "behind");
        });
        Connection c = factory.create(Endpoint.http(server.host(), server.port()), ConnectionOptions.builder()
                .persistence(Persistence.TRUE).bodyReadTimeout(Duration.ofSeconds(10)).build());
        var streamed = c.call(Request.get("/stream"), BodyHandlers.ofInputStream());
        var behind = c.call(Request.get("/behind"), BodyHandlers.ofString());
        try (var in = await(streamed).body()) {
            assertEquals(1000, in.readNBytes(1000).length);
        }
        assertEquals("behind", await(behind).body());
    }

    // ------------------------------------------------------------------------------------------ life cycle

    @Test
    void shutdownHalfClosesWhileResponsesAreStillRead() throws Exception {
        ScriptedServer server = server(peer -> {
            List<RecordedRequest> rs = peer.readRequests(3);
            assertNull(rs.get(1).header("Connection"));
            assertEquals("close", rs.get(2).header("Connection"), "the last request carries Connection: close");
            // No clock of the server's own: the test's wait for the responses below bounds this one.
            if (!peer.awaitClientEof()) return;
            for (RecordedRequest r : rs) peer.respond(200, r.target); // answered after the client's FIN
        });
        // The connection's tasks wait until shutdown() has been called: the last request then carries
        // Connection: close, whichever thread writes it and however late the machine runs it (a request written
        // before shutdown() rightly goes without it).
        try (GatedExecutor gated = new GatedExecutor()) {
            Connection c = factory.create(Endpoint.http(server.host(), server.port()), ConnectionOptions.builder()
                    .persistence(Persistence.TRUE).executor(gated).build());
            var rs = getAll(c, "/1", "/2", "/3");
            c.shutdown();
            assertTrue(c.isClosed());
            gated.release();
            assertInstanceOf(RetryException.class, failure(c.call(Request.get("/late"))));
            // The server answers only after it has read the FIN: the responses prove it came first.
            for (int i = 0; i < 3; i++) assertEquals("/" + (i + 1), await(rs.get(i)).body());
            c.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(ConnectionState.CLOSED, c.state());
        }
    }

    @Test
    void shutdownOfAnIdleConnectionHalfClosesAndCloses() throws Exception {
        CountDownLatch sawEof = new CountDownLatch(1);
        ScriptedServer server = server(peer -> {
            peer.readRequest();
            peer.respond(200, "x");
            if (peer.awaitClientEof()) sawEof.countDown(); // bounded by the test's own wait below
        });
        Connection c = connect(server, Persistence.TRUE);
        await(c.call(Request.get("/")));
        c.shutdown();
        assertTrue(sawEof.await(10, TimeUnit.SECONDS));
        c.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(ConnectionState.CLOSED, c.state());
    }

    @Test
    void closeFailsWrittenAndUnwrittenRequestsAsRfc9112Allows() throws Exception {
        CountDownLatch read = new CountDownLatch(1);
        ScriptedServer server = server(peer -> {
            peer.readRequests(2);
            read.countDown();
            peer.stall();
        });
        Connection c = factory.create(Endpoint.http(server.host(), server.port()), ConnectionOptions.builder()
                .persistence(Persistence.TRUE).maxPipelineDepth(2).pipelineAfterNonIdempotent(true).build());
        var get = c.call(Request.get("/g"));
        var post = c.call(Request.post("/p", RequestBody.of("x")));
        var queued = c.call(Request.post("/q", RequestBody.of("y")));
        assertTrue(read.await(10, TimeUnit.SECONDS));
        assertEquals(3, c.length());
        c.close();
        assertInstanceOf(RetryException.class, failure(get));
        assertInstanceOf(PossiblyProcessedException.class, failure(post));
        Throwable q = failure(queued);
        assertInstanceOf(RetryException.class, q, "never written, so safe even for a POST");
        assertEquals(RetryException.Reason.NOT_SENT, ((RetryException) q).reason());
        assertInstanceOf(io.pipelane.ConnectionClosedException.class, q.getCause());
        assertEquals(0, c.length());
        assertEquals(ConnectionState.CLOSED, c.state());
    }

    @Test
    void finaliseRunsOnceBeforeTheWaitingRequestsFail() throws Exception {
        ScriptedServer server = server(peer -> peer.stall());
        CompletableFuture<Void> finaliserDone = new CompletableFuture<>();
        List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<CompletableFuture<Response<byte[]>>> calls = new ArrayList<>();
        Connection c = factory.create(Endpoint.http(server.host(), server.port()), ConnectionOptions.builder()
                .finaliser(conn -> {
                    events.add("finalise:" + calls.stream().filter(CompletableFuture::isDone).count());
                    return finaliserDone;
                }).build());
        for (int i = 0; i < 3; i++) calls.add(c.call(Request.get("/" + i)));
        c.close();
        c.close();
        c.shutdown();
        assertEquals(List.of("finalise:0"), events, "finalise ran once, before any request failed");
        assertFalse(calls.get(2).isDone(), "requests fail only when the finaliser's stage completes");
        assertEquals(3, c.length());
        finaliserDone.complete(null);
        for (var f : calls) assertInstanceOf(RetryException.class, failure(f));
        assertEquals(0, c.length());
    }

    @Test
    void lengthCountsQueuedAndInFlightAndNextChangeFires() throws Exception {
        CountDownLatch answer = new CountDownLatch(1);
        ScriptedServer server = server(peer -> {
            peer.readRequests(2);
            answer.await();
            peer.respond(200, "1");
            peer.respond(200, "2");
        });
        Connection c = connect(server, Persistence.TRUE);
        var change = c.nextChange().toCompletableFuture();
        assertFalse(change.isDone());
        var rs = getAll(c, "/1", "/2");
        change.get(10, TimeUnit.SECONDS);
        assertEquals(2, c.length());
        var next = c.nextChange().toCompletableFuture();
        answer.countDown();
        next.get(10, TimeUnit.SECONDS);
        await(rs.get(1));
        assertEquals(0, c.length());
        c.close();
        assertTrue(c.nextChange().toCompletableFuture().isDone(), "a closed connection has nothing to wait for");
    }

    @Test
    void connectFailsWhenRefusedAndQueuedRequestsFailWithRetry() throws Exception {
        ClosedPort closed = resources.add(new ClosedPort());
        Endpoint nobody = Endpoint.http(closed.host(), closed.port());
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> factory.connect(nobody).toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertInstanceOf(java.net.ConnectException.class, e.getCause());

        Connection c = factory.create(nobody);
        var queued = c.call(Request.post("/x", RequestBody.of("x")));
        Throwable t = failure(queued);
        assertInstanceOf(RetryException.class, t);
        assertInstanceOf(java.net.ConnectException.class, t.getCause());
        assertEquals(ConnectionState.FAILED, c.state());
    }

    @Test
    void connectCompletesOnceEstablished() throws Exception {
        ScriptedServer server = server(peer -> peer.respond(200, String.valueOf(peer.readRequest().target.length())));
        Connection c = factory.connect(Endpoint.http(server.host(), server.port()))
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(ConnectionState.OPEN, c.state());
        assertEquals("5", new String(await(c.call(Request.get("/abcd"))).body(), StandardCharsets.UTF_8));
    }
}
