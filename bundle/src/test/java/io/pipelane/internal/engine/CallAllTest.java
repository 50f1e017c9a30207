package io.pipelane.internal.engine;

import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.ConnectionState;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.Request;
import io.pipelane.Response;
import io.pipelane.RetryException;
import io.pipelane.testing.ScriptedServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Connection#callAll}: a batch is queued as one, in order, and written together; each request keeps the
 * outcome {@code call} would give it.
 */
class CallAllTest {
    private static final int BATCH = 16;

    private final ConnectionFactory factory = ConnectionFactory.builder().build();

    @AfterEach
    void closeFactory() {
        factory.close();
    }

    /** Answers every request it reads with its own target, for as long as the client writes. */
    private static ScriptedServer echoingServer() throws Exception {
        return new ScriptedServer(peer -> {
            while (true) {
                ScriptedServer.RecordedRequest r = peer.readRequest();
                if (r == null) return;
                peer.respond(200, "got " + r.target);
            }
        });
    }

    private static List<Request> gets(String prefix, int n) {
        List<Request> requests = new ArrayList<>();
        for (int i = 0; i < n; i++) requests.add(Request.get("/" + prefix + i));
        return requests;
    }

    private static void assertAnswered(List<CompletableFuture<Response<String>>> futures, String prefix) throws Exception {
        for (int i = 0; i < futures.size(); i++) {
            assertEquals("got /" + prefix + i, futures.get(i).get(10, TimeUnit.SECONDS).body(), "response " + i);
        }
    }

    @Test
    void aBatchOnAConnectionWithNothingInFlightGoesOutInOneSocketWrite() throws Exception {
        try (ScriptedServer server = echoingServer()) {
            HttpConnection c = (HttpConnection) factory.connect(Endpoint.http(server.host(), server.port()),
                    ConnectionOptions.builder().persistence(Persistence.TRUE).build()).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);

            long before = c.writeStats()[0];
            List<CompletableFuture<Response<String>>> batch = c.callAll(gets("b", BATCH), BodyHandlers.ofString());
            assertEquals(BATCH, batch.size());
            assertAnswered(batch, "b");
            assertEquals(1, c.writeStats()[0] - before, BATCH + " requests given at once took more than one write");

            // The same requests called one by one: the first, with nothing in flight, is written alone at once.
            before = c.writeStats()[0];
            List<CompletableFuture<Response<String>>> oneByOne = new ArrayList<>();
            for (Request r : gets("c", BATCH)) oneByOne.add(c.call(r, BodyHandlers.ofString()));
            assertAnswered(oneByOne, "c");
            long writes = c.writeStats()[0] - before;
            assertTrue(writes >= 2, "calls one by one took " + writes + " writes");

            List<String> targets = new ArrayList<>();
            for (ScriptedServer.RecordedRequest r : server.requests()) targets.add(r.target);
            List<String> expected = new ArrayList<>();
            for (Request r : gets("b", BATCH)) expected.add(r.target());
            for (Request r : gets("c", BATCH)) expected.add(r.target());
            assertEquals(expected, targets, "the server read the batch in order, then the calls");
            c.close();
        }
    }

    @Test
    void requestsBeyondTheQueueLimitAreRefusedAndTheOthersCarried() throws Exception {
        try (ScriptedServer server = echoingServer()) {
            // Created, not yet connected: nothing is written, so the queue fills.
            Connection c = factory.create(Endpoint.http(server.host(), server.port()),
                    ConnectionOptions.builder().persistence(Persistence.TRUE).maxQueuedRequests(4).build());
            List<CompletableFuture<Response<String>>> batch = c.callAll(gets("q", 6), BodyHandlers.ofString());
            for (CompletableFuture<Response<String>> beyond : batch.subList(4, 6)) {
                ExecutionException failed = assertThrows(ExecutionException.class,
                        () -> beyond.get(10, TimeUnit.SECONDS));
                RetryException refused = assertInstanceOf(RetryException.class, failed.getCause());
                assertEquals(RetryException.Reason.REFUSED, refused.reason());
                assertTrue(refused.getMessage().contains("maxQueuedRequests = 4"), refused.getMessage());
            }
            assertAnswered(batch.subList(0, 4), "q");
            c.close();
        }
    }

    @Test
    void aConnectionForOneRequestCarriesTheFirstAndRefusesTheRest() throws Exception {
        try (ScriptedServer server = echoingServer()) {
            Connection c = factory.create(Endpoint.http(server.host(), server.port()),
                    ConnectionOptions.builder().persistence(Persistence.FALSE).build());
            List<CompletableFuture<Response<String>>> batch = c.callAll(gets("f", 3), BodyHandlers.ofString());
            assertEquals("got /f0", batch.get(0).get(10, TimeUnit.SECONDS).body());
            for (int i = 1; i < 3; i++) {
                CompletableFuture<Response<String>> refused = batch.get(i);
                ExecutionException failed = assertThrows(ExecutionException.class,
                        () -> refused.get(10, TimeUnit.SECONDS));
                assertInstanceOf(RetryException.class, failed.getCause());
            }
            assertEquals(1, server.requests().size());
        }
    }

    @Test
    void aClosedConnectionRefusesTheWholeBatch() throws Exception {
        try (ScriptedServer server = echoingServer()) {
            Connection c = factory.create(Endpoint.http(server.host(), server.port()), ConnectionOptions.defaults());
            c.close();
            List<CompletableFuture<Response<String>>> batch = c.callAll(gets("x", 3), BodyHandlers.ofString());
            for (CompletableFuture<Response<String>> f : batch) {
                assertTrue(f.isCompletedExceptionally());
                ExecutionException failed = assertThrows(ExecutionException.class, f::get);
                assertInstanceOf(RetryException.class, failed.getCause());
            }
            assertEquals(ConnectionState.CLOSED, c.state());
        }
    }

    @Test
    void aNullRequestQueuesNoneOfTheBatch() throws Exception {
        try (ScriptedServer server = echoingServer()) {
            Connection c = factory.create(Endpoint.http(server.host(), server.port()), ConnectionOptions.defaults());
            List<Request> withNull = Arrays.asList(Request.get("/n0"), null, Request.get("/n2"));
            assertThrows(NullPointerException.class, () -> c.callAll(withNull, BodyHandlers.ofString()));
            assertEquals(0, c.length());
            c.close();
        }
    }

    @Test
    void aBatchMadeByACompletionIsWrittenAndAnswered() throws Exception {
        try (ScriptedServer server = echoingServer()) {
            Connection c = factory.connect(Endpoint.http(server.host(), server.port()),
                    ConnectionOptions.builder().persistence(Persistence.TRUE).build()).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            CompletableFuture<List<CompletableFuture<Response<String>>>> second = new CompletableFuture<>();
            CountDownLatch first = new CountDownLatch(1);
            c.call(Request.get("/first"), BodyHandlers.ofString()).whenComplete((r, error) -> {
                first.countDown();
                second.complete(c.callAll(gets("d", BATCH), BodyHandlers.ofString()));
            });
            assertTrue(first.await(10, TimeUnit.SECONDS));
            assertAnswered(second.get(10, TimeUnit.SECONDS), "d");
            assertEquals(BATCH + 1, server.requests().size());
            c.close();
        }
    }
}
