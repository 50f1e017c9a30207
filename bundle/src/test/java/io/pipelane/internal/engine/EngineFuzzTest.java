package io.pipelane.internal.engine;

import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.PipelaneException;
import io.pipelane.Request;
import io.pipelane.RequestBody;
import io.pipelane.Response;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 11, item 7 (the engine): seeded random server behaviour over the in-memory transport, for a bounded time.
 * Each round opens a connection, sends random requests, and has the "server" send a random mix of valid responses
 * (every framing), garbage and truncations, in random slices, then end with FIN, reset, or nothing (the client then
 * closes). Every future must complete exactly once, with a response or a {@link PipelaneException}, never an
 * unexpected exception type anywhere in its cause chain (a failed state transition, a null pointer...); the
 * connection must end with {@code length() == 0} and {@code closed()} complete. The seed is printed on failure.
 */
class EngineFuzzTest {
    private static final long BUDGET_MILLIS = Long.getLong("pipelane.fuzz.millis", 3000);

    @Test
    void randomServersNeverBreakTheEngine() throws Exception {
        long seed = Long.getLong("pipelane.fuzz.seed", System.nanoTime());
        Random random = new Random(seed);
        MemoryTransport.Connector connector = new MemoryTransport.Connector();
        long end = System.currentTimeMillis() + BUDGET_MILLIS;
        int rounds = 0;
        try (PipelaneConnectionFactory factory = new PipelaneConnectionFactory(ConnectionOptions.defaults(),
                Map.of(), null, "fuzz", connector)) {
            while (System.currentTimeMillis() < end) {
                round(random, factory, connector, seed, rounds++);
            }
        }
        System.out.println("engine fuzz: " + rounds + " rounds, seed " + seed);
    }

    private static void round(Random random, PipelaneConnectionFactory factory, MemoryTransport.Connector connector,
                              long seed, int round) throws Exception {
        String where = "seed " + seed + ", round " + round;
        Persistence persistence = Persistence.values()[random.nextInt(3)];
        ConnectionOptions options = ConnectionOptions.builder().persistence(persistence)
                .pipelineAfterNonIdempotent(random.nextBoolean()).maxPipelineDepth(1 + random.nextInt(8))
                .responseTimeout(Duration.ofSeconds(5)).idleReadTimeout(Duration.ofSeconds(5))
                .maxResponseHeadBytes(256 + random.nextInt(4096)).build();
        Connection c = factory.create(Endpoint.http("fuzz.test", 80), options);
        MemoryTransport server = connector.next();
        int n = 1 + random.nextInt(persistence == Persistence.FALSE ? 1 : 8);
        List<CompletableFuture<? extends Response<?>>> calls = new ArrayList<>();
        AtomicInteger completions = new AtomicInteger();
        for (int i = 0; i < n; i++) {
            Request r;
            switch (random.nextInt(4)) {
                case 0: r = Request.post("/p" + i, RequestBody.of("body" + i)); break;
                case 1: r = Request.head("/h" + i); break;
                default: r = Request.get("/g" + i);
            }
            CompletableFuture<? extends Response<?>> f = random.nextBoolean()
                    ? c.call(r, BodyHandlers.ofString()) : c.call(r, BodyHandlers.ofByteArray());
            f.whenComplete((v, e) -> completions.incrementAndGet());
            calls.add(f);
        }
        StringBuilder bytes = new StringBuilder();
        int responses = random.nextInt(n + 2);
        for (int i = 0; i < responses; i++) bytes.append(randomResponse(random));
        if (random.nextInt(4) == 0) bytes.setLength(random.nextInt(bytes.length() + 1)); // truncated somewhere
        byte[] all = bytes.toString().getBytes(StandardCharsets.ISO_8859_1);
        for (int off = 0; off < all.length; ) {
            int len = Math.min(all.length - off, 1 + random.nextInt(64));
            byte[] slice = new byte[len];
            System.arraycopy(all, off, slice, 0, len);
            server.serve(slice);
            off += len;
        }
        switch (random.nextInt(3)) {
            case 0: server.fin(); break;
            case 1: server.reset(); break;
            default: break;
        }
        server.awaitReaderIdle();
        c.close();
        for (CompletableFuture<? extends Response<?>> f : calls) {
            try {
                f.get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                check(e.getCause(), where);
            } catch (java.util.concurrent.TimeoutException e) {
                fail(where + ": a future never completed");
            }
        }
        c.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(0, c.length(), where);
        assertEquals(n, completions.get(), where + ": every future completes exactly once");
    }

    /** Only PipelaneExceptions, and nothing unexpected anywhere in the cause chain. */
    private static void check(Throwable t, String where) {
        assertTrue(t instanceof PipelaneException, where + ": unexpected failure type " + t);
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof IllegalStateException || c instanceof NullPointerException
                    || c instanceof ClassCastException || c instanceof IndexOutOfBoundsException
                    || c instanceof AssertionError) {
                AssertionError e = new AssertionError(where + ": unexpected " + c + " in the cause chain of " + t);
                e.initCause(t);
                throw e;
            }
        }
    }

    private static String randomResponse(Random random) {
        String body = "x".repeat(random.nextInt(40));
        switch (random.nextInt(7)) {
            case 0:
                return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + (body.isEmpty() ? ""
                        : Integer.toHexString(body.length()) + "\r\n" + body + "\r\n") + "0\r\n\r\n";
            case 1:
                return "HTTP/1.1 204 No Content\r\n\r\n";
            case 2:
                return "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n"
                        + body;
            case 3:
                return "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
            case 4:
                return "HTTP/1.0 200 OK\r\n\r\n" + body; // close-delimited
            case 5: {
                StringBuilder garbage = new StringBuilder();
                for (int i = random.nextInt(30); i > 0; i--) garbage.append((char) random.nextInt(256));
                return garbage.toString();
            }
            default:
                return "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
        }
    }
}
