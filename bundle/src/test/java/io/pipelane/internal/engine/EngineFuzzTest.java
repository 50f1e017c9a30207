package io.pipelane.internal.engine;

import io.pipelane.BodyHandler;
import io.pipelane.BodyHandlers;
import io.pipelane.BodySink;
import io.pipelane.Connection;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.Headers;
import io.pipelane.MalformedResponseException;
import io.pipelane.Persistence;
import io.pipelane.PipelaneException;
import io.pipelane.Request;
import io.pipelane.RequestBody;
import io.pipelane.Response;
import io.pipelane.ResponseHead;
import io.pipelane.RetryException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A randomized test of the engine (issue 11, item 7), for a bounded time, through the in-memory transport: each
 * round opens a connection with a random {@link Persistence}, makes 1 to 8 calls (GET, HEAD, DELETE, PUT, POST,
 * PATCH; with a body or none), and a scripted server answers each request once the client has written it: a valid
 * response (Content-Length, chunked, empty, {@code Connection: close}, close-delimited) served in random slices, a
 * mutated one (bytes flipped, inserted or deleted), random bytes, or a prefix of a response followed by FIN or RST
 * (mid-head, mid-body, between responses). At random points the caller calls {@code close()} or {@code shutdown()}.
 *
 * <p>Properties checked for every round: every future completes (none stays pending once the connection has
 * closed); each body sink ends at most once, is called on the reader thread only, and never gets data after its
 * end; a failure is one of the documented types ({@link PipelaneException} and its subclasses; a plain
 * {@code PipelaneException} says "cut short" or has a cause); a request never written fails with {@link RetryException}; a non-idempotent request that was written and
 * not answered is never a {@code RetryException} unless a response ahead of it said {@code Connection: close}
 * (RFC 9112 §9.3); responses answered in full before any fault arrive with their own body, in call order (unless
 * the caller closed the connection); {@code length()} is 0, {@code closed()} completes and the connection closes
 * its transport.
 *
 * <p>Seeded: a failure message starts with the seed; {@code -Dpipelane.seed=N} replays the script (thread timing
 * still varies), {@code -Dpipelane.fuzz.seconds=S} runs longer (default 5 s). A hang fails the test instead of
 * blocking the build: every wait is bounded, and the whole run is under a preemptive timeout.
 */
class EngineFuzzTest {
    private static final long WAIT_MS = MemoryTransport.WAIT_MS;

    private final MemoryTransport.Connector connector = new MemoryTransport.Connector();
    private final PipelaneConnectionFactory factory = new PipelaneConnectionFactory(ConnectionOptions.defaults(),
            Map.of(), null, "engine-fuzz-test", connector);

    @AfterEach
    void tearDown() {
        factory.close();
    }

    @Test
    void randomCallsAgainstARandomServer() {
        long seed = Long.getLong("pipelane.seed", System.nanoTime());
        long seconds = Long.getLong("pipelane.fuzz.seconds", 5);
        int[] rounds = {0};
        int[] calls = {0};
        assertTimeoutPreemptively(Duration.ofSeconds(seconds + 60), () -> {
            Random random = new Random(seed);
            long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            while (System.nanoTime() < deadline) {
                calls[0] += new Round("seed " + seed + ", round #" + rounds[0], random).run();
                rounds[0]++;
            }
        }, () -> "seed " + seed + ": a round did not end within the time bound (a hang?) after " + rounds[0]);
        System.out.println("engine fuzz: " + rounds[0] + " connections, " + calls[0] + " calls in " + seconds
                + " s, seed " + seed);
        assertTrue(rounds[0] > 20, "seed " + seed + ": only " + rounds[0] + " rounds in " + seconds + " s");
    }

    /**
     * Found by the fuzz test: {@code close()} while a buffered body was half read told the sink {@code onError}
     * twice (once from the close, once more when the sink's own body failed), where a sink hears its end once.
     */
    @Test
    void aSinkHearsItsEndOnceWhenTheCallerClosesMidBody() throws Exception {
        Connection c = factory.create(Endpoint.http("example.test", 80),
                ConnectionOptions.builder().persistence(Persistence.TRUE).build());
        MemoryTransport server = connector.next();
        CountingHandler handler = new CountingHandler();
        CompletableFuture<Response<String>> f = c.call(Request.get("/half"), handler);
        server.awaitWritten("GET /half", 1);
        server.serve("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234");
        assertTrue(handler.gotData.await(WAIT_MS, TimeUnit.MILLISECONDS), "the sink got the first bytes");
        c.close();
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> f.get(WAIT_MS, TimeUnit.MILLISECONDS));
        assertTrue(e.getCause() instanceof PipelaneException, e.getCause().toString());
        // The reader tells the sink (it owns it), once it has stopped: maybe after the future failed.
        assertTrue(handler.gotEnd.await(WAIT_MS, TimeUnit.MILLISECONDS), "the sink never heard its end");
        c.closed().toCompletableFuture().get(WAIT_MS, TimeUnit.MILLISECONDS);
        assertTrue(handler.ends.get() == 1, "the sink ended " + handler.ends.get() + " times: " + handler.endedAt);
    }

    /** What the scripted server did about one request. */
    private enum Answer { NONE, VALID, VALID_CLOSE, FAULT }

    /** One call: its request, future and what the server did about it. */
    private static final class Call {
        final int index;
        final String method;
        final String target;
        final boolean hasBody;
        final CountingHandler handler = new CountingHandler();
        CompletableFuture<Response<String>> future;
        Answer answer = Answer.NONE;
        String expectedBody;

        Call(int index, String method, boolean hasBody) {
            this.index = index;
            this.method = method;
            this.target = "/r" + index;
            this.hasBody = hasBody;
        }

        Request request() {
            Request.Builder b = Request.builder(method, target);
            if (hasBody) b.body(RequestBody.of("body-of-" + index));
            return b.build();
        }

        boolean idempotent() {
            return Request.isIdempotentMethod(method);
        }

        /** The request line the client writes. */
        String line() {
            return method + " " + target + " HTTP/1.1\r\n";
        }
    }

    /** One connection, its calls and the server's script. */
    private final class Round {
        private final String where;
        private final Random random;
        private final List<Call> calls = new ArrayList<>();
        private boolean callerClosed;
        private boolean faulted;

        Round(String where, Random random) {
            this.where = where;
            this.random = random;
        }

        int run() throws Exception {
            Persistence persistence = Persistence.values()[random.nextInt(Persistence.values().length)];
            ConnectionOptions options = ConnectionOptions.builder().persistence(persistence)
                    .pipelineAfterNonIdempotent(random.nextBoolean()).maxPipelineDepth(1 + random.nextInt(8))
                    .build();
            String w = where + " (" + persistence + ")";
            Connection c = factory.create(Endpoint.http("example.test", 80), options);
            MemoryTransport server = connector.next();
            int n = 1 + random.nextInt(8);
            String[] methods = {"GET", "HEAD", "DELETE", "PUT", "POST", "PATCH", "OPTIONS"};
            for (int i = 0; i < n; i++) {
                String method = methods[random.nextInt(methods.length)];
                boolean body = method.equals("PUT") || method.equals("POST") || method.equals("PATCH")
                        ? random.nextInt(4) > 0 : !method.equals("HEAD") && random.nextInt(8) == 0;
                Call call = new Call(i, method, body);
                call.future = c.call(call.request(), call.handler);
                calls.add(call);
            }
            serve(c, server);
            check(c, server, w);
            return n;
        }

        /** The server answers each request once it is written, until a fault or the end. */
        private void serve(Connection c, MemoryTransport server) throws Exception {
            for (Call call : calls) {
                int callerAction = random.nextInt(24);
                if (callerAction == 0) {
                    callerClosed = true;
                    c.close();
                } else if (callerAction == 1) {
                    c.shutdown();
                }
                if (!awaitWritten(server, call)) break;
                int kind = random.nextInt(20);
                if (kind < 12) {
                    boolean close = random.nextInt(6) == 0;
                    serveSliced(server, validResponse(call, close));
                    call.answer = close ? Answer.VALID_CLOSE : Answer.VALID;
                    if (close) break;
                } else if (kind == 12) {
                    // A close-delimited body: the response ends with the connection.
                    call.expectedBody = call.method.equals("HEAD") ? "" : "closed-" + call.index;
                    serveSliced(server, ("HTTP/1.1 200 OK\r\n\r\n" + call.expectedBody)
                            .getBytes(StandardCharsets.ISO_8859_1));
                    // To HEAD the head is the whole response: the connection stays persistent until the FIN.
                    call.answer = call.method.equals("HEAD") ? Answer.VALID : Answer.VALID_CLOSE;
                    server.fin();
                    return;
                } else {
                    call.answer = Answer.FAULT;
                    faulted = true;
                    byte[] valid = validResponse(call, false);
                    switch (kind) {
                        case 13, 14 -> serveSliced(server, mutate(valid));
                        case 15 -> serveSliced(server, randomBytes());
                        default -> serveSliced(server, java.util.Arrays.copyOf(valid, random.nextInt(valid.length)));
                    }
                    break;
                }
            }
            // The end: the server closes (FIN or RST), or the caller does (close, or shutdown and then the FIN).
            switch (random.nextInt(5)) {
                case 0 -> server.reset();
                case 1 -> {
                    callerClosed = true;
                    c.close();
                }
                case 2 -> {
                    c.shutdown();
                    if (faulted) server.fin(); // a mutated response may still be waiting for its body
                }
                default -> server.fin();
            }
        }

        /** Waits until the client wrote {@code call}'s request; false if it never will (closed, output shut). */
        private boolean awaitWritten(MemoryTransport server, Call call) throws InterruptedException {
            long deadline = System.currentTimeMillis() + WAIT_MS;
            synchronized (server) {
                while (true) {
                    String written = server.writtenText();
                    if (written.contains(call.line())) return true;
                    if (server.isClosed() || server.isOutputShut()) return false;
                    long left = deadline - System.currentTimeMillis();
                    if (left <= 0) {
                        throw new AssertionError(where + ": the client neither wrote " + call.target
                                + " nor closed; wrote: " + written);
                    }
                    server.wait(left);
                }
            }
        }

        private byte[] validResponse(Call call, boolean close) {
            String body = "body-" + call.index + "-" + "x".repeat(random.nextInt(40));
            StringBuilder r = new StringBuilder("HTTP/1.1 200 OK\r\n");
            if (close) r.append("Connection: close\r\n");
            boolean head = call.method.equals("HEAD");
            switch (random.nextInt(3)) {
                case 0 -> r.append("Content-Length: ").append(body.length()).append("\r\n\r\n")
                        .append(head ? "" : body);
                case 1 -> {
                    r.append("Transfer-Encoding: chunked\r\n\r\n");
                    if (!head) {
                        int split = random.nextInt(body.length());
                        if (split > 0) r.append(Integer.toHexString(split)).append("\r\n")
                                .append(body, 0, split).append("\r\n");
                        r.append(Integer.toHexString(body.length() - split)).append("\r\n")
                                .append(body.substring(split)).append("\r\n0\r\n\r\n");
                    }
                }
                default -> {
                    body = "";
                    r.append("Content-Length: 0\r\n\r\n");
                }
            }
            call.expectedBody = head ? "" : body;
            return r.toString().getBytes(StandardCharsets.ISO_8859_1);
        }

        private byte[] mutate(byte[] valid) {
            byte[] b = valid.clone();
            int edits = 1 + random.nextInt(3);
            for (int e = 0; e < edits && b.length > 0; e++) {
                int at = random.nextInt(b.length);
                switch (random.nextInt(3)) {
                    case 0 -> b[at] = (byte) random.nextInt(256);
                    case 1 -> {
                        byte[] longer = new byte[b.length + 1];
                        System.arraycopy(b, 0, longer, 0, at);
                        longer[at] = (byte) random.nextInt(256);
                        System.arraycopy(b, at, longer, at + 1, b.length - at);
                        b = longer;
                    }
                    default -> {
                        byte[] shorter = new byte[b.length - 1];
                        System.arraycopy(b, 0, shorter, 0, at);
                        System.arraycopy(b, at + 1, shorter, at, b.length - at - 1);
                        b = shorter;
                    }
                }
            }
            return b;
        }

        private byte[] randomBytes() {
            byte[] b = new byte[1 + random.nextInt(64)];
            random.nextBytes(b);
            return b;
        }

        /** Serves {@code bytes} in random slices (each one read's worth at most). */
        private void serveSliced(MemoryTransport server, byte[] bytes) {
            int off = 0;
            while (off < bytes.length) {
                int len = random.nextInt(3) == 0 ? bytes.length - off : 1 + random.nextInt(bytes.length - off);
                server.serve(java.util.Arrays.copyOfRange(bytes, off, off + len));
                off += len;
            }
        }

        private void check(Connection c, MemoryTransport server, String w) throws Exception {
            try {
                c.closed().toCompletableFuture().get(WAIT_MS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError(w + ": the connection did not close; state " + c.state() + ", length "
                        + c.length() + ", calls " + describe());
            }
            server.awaitClosed();
            String written = server.writtenText();
            String attempted = server.attemptedText();
            boolean closeAhead = false;
            boolean faultAhead = false;
            for (Call call : calls) {
                String at = w + ", " + call.method + " " + call.target + (call.hasBody ? " with a body" : "")
                        + " (" + call.answer + "), calls " + describe();
                Throwable failure = outcome(call, at);
                if (call.handler.ends.get() > 1) {
                    AssertionError e = new AssertionError(at + ": its body sink ended " + call.handler.ends.get()
                            + " times");
                    call.handler.endedAt.forEach(e::addSuppressed);
                    throw e;
                }
                assertTrue(!call.handler.dataAfterEnd, at + ": its body sink got data after its end");
                assertTrue(call.handler.otherThread == null, at + ": its body sink was called on "
                        + call.handler.otherThread + ", not on the reader thread that opened it");
                boolean wasWritten = written.contains(call.line());
                boolean writeAttempted = attempted.contains(call.line());
                if (failure != null) {
                    assertTrue(failure instanceof PipelaneException, at + ": undocumented failure type " + failure);
                    if (failure.getClass() == PipelaneException.class) {
                        assertTrue(failure.getCause() != null || String.valueOf(failure.getMessage())
                                .contains("cut short"), at + ": a plain PipelaneException says why: " + failure);
                    }
                    if (!writeAttempted) {
                        assertTrue(failure instanceof RetryException, at + ": never written, so it may be sent"
                                + " again, but failed with " + failure);
                    } else if (!call.idempotent() && failure instanceof RetryException) {
                        assertTrue(closeAhead, at + ": a written " + call.method + " was not answered, yet it"
                                + " failed with " + failure);
                    }
                    if (call.answer == Answer.VALID && !faultAhead && !callerClosed) {
                        throw new AssertionError(at + ": answered in full, yet failed", failure);
                    }
                } else {
                    assertTrue(wasWritten, at + ": a response to a request never written");
                    Response<String> response = call.future.getNow(null);
                    if (!faultAhead && call.answer != Answer.FAULT) {
                        assertTrue(call.answer == Answer.VALID || call.answer == Answer.VALID_CLOSE,
                                at + ": a response although the server sent none: " + response.body());
                        assertTrue(response.body().equals(call.expectedBody), at + ": body '" + response.body()
                                + "', expected '" + call.expectedBody + "' (out of order?)");
                    }
                }
                // A mutated response that was accepted (or not refused as malformed) may have said "close" (an
                // HTTP/1.0 status line, a close-delimited body): the requests behind it may then be sent again.
                closeAhead |= call.answer == Answer.VALID_CLOSE
                        || call.answer == Answer.FAULT && !(failure instanceof MalformedResponseException);
                faultAhead |= call.answer == Answer.FAULT;
            }
            assertTrue(c.length() == 0, w + ": length() is " + c.length() + " after the end");
            assertTrue(c.isClosed(), w + ": isClosed() is false after closed() completed");
        }

        /** The call's failure, null if it succeeded; fails if it is still pending after a bounded wait. */
        private Throwable outcome(Call call, String at) throws InterruptedException {
            try {
                call.future.get(WAIT_MS, TimeUnit.MILLISECONDS);
                return null;
            } catch (ExecutionException e) {
                return e.getCause();
            } catch (TimeoutException e) {
                throw new AssertionError(at + ": its future is still pending after the connection closed");
            }
        }

        private String describe() {
            StringBuilder s = new StringBuilder();
            for (Call call : calls) {
                s.append(call.method).append(' ').append(call.target).append('=').append(call.answer)
                        .append(call.future.isDone() ? "" : "(pending)").append(' ');
            }
            return s + (callerClosed ? "caller closed" : "");
        }
    }

    /** {@code ofString()}, counting how its sink ends. */
    private static final class CountingHandler implements BodyHandler<String> {
        final AtomicInteger ends = new AtomicInteger();
        final List<Throwable> endedAt = java.util.Collections.synchronizedList(new ArrayList<>());
        volatile boolean dataAfterEnd;
        /** The thread that opened the sink (the reader), and any other thread that called it. */
        volatile Thread opener;
        volatile String otherThread;
        final java.util.concurrent.CountDownLatch gotData = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.CountDownLatch gotEnd = new java.util.concurrent.CountDownLatch(1);

        private void onReader(String method) {
            if (Thread.currentThread() != opener) otherThread = Thread.currentThread().getName() + " (" + method + ")";
        }

        private void ended(String how) {
            onReader(how);
            ends.incrementAndGet();
            endedAt.add(new Throwable(how + " on " + Thread.currentThread().getName()));
            gotEnd.countDown();
        }

        @Override
        public BodySink<String> open(ResponseHead head, ConnectionOptions options) {
            opener = Thread.currentThread();
            BodySink<String> inner = BodyHandlers.ofString().open(head, options);
            return new BodySink<>() {
                @Override
                public void onData(ByteBuffer data) throws IOException {
                    onReader("onData");
                    if (ends.get() > 0) dataAfterEnd = true;
                    inner.onData(data);
                    gotData.countDown();
                }

                @Override
                public void onComplete(Headers trailers) throws IOException {
                    ended("onComplete");
                    inner.onComplete(trailers);
                }

                @Override
                public void onError(Throwable cause) {
                    ended("onError(" + cause + ")");
                    inner.onError(cause);
                }

                @Override
                public CompletionStage<String> body() {
                    return inner.body();
                }
            };
        }
    }
}
