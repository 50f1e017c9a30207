package io.pipelane.internal.engine;

import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.LimitExceededException;
import io.pipelane.RetryException;
import io.pipelane.Persistence;
import io.pipelane.Request;
import io.pipelane.Response;
import io.pipelane.testing.ScriptedServer;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Buffered bodies ({@code ofByteArray}, {@code ofString}) grow with the bytes that arrive: a server cannot make
 * the client allocate what its head merely declares. Measured on the threads that read the responses (the
 * factory's executor), with HotSpot's per-thread allocation counters: a 45-byte head declaring
 * {@code Content-Length: 16000000} used to allocate 16 MB at once on the reader thread; now it costs a few KiB.
 */
class BufferedBodyAllocationTest {
    private static final long WAIT_S = 10;
    private static final String HEAD_16MB = "HTTP/1.1 200 OK\r\nContent-Length: 16000000\r\n\r\n";

    /** The threads of an executor, so their allocation can be read. */
    private static final class CountedThreads {
        final List<Thread> threads = new CopyOnWriteArrayList<>();
        final ExecutorService executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "alloc-test-io");
            t.setDaemon(true);
            threads.add(t);
            return t;
        });

        long allocatedBytes() {
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long sum = 0;
            for (Thread t : threads) {
                long n = mx.getThreadAllocatedBytes(t.getId());
                if (n > 0) sum += n; // -1 once a thread has ended; the cached pool keeps them for 60 s
            }
            return sum;
        }
    }

    @Test
    void aHeadDeclaring16MBDoesNotAllocate16MB() throws Exception {
        assertEquals(45, HEAD_16MB.length());
        CountedThreads io = new CountedThreads();
        try (ScriptedServer server = new ScriptedServer(peer -> {
            peer.readRequest();
            peer.send(HEAD_16MB + "0123456789");
            peer.close();
        }); ConnectionFactory factory = ConnectionFactory.builder().executor(io.executor).build()) {
            Connection c = factory.connect(Endpoint.http("127.0.0.1", server.port()),
                    ConnectionOptions.builder().persistence(Persistence.TRUE).build())
                    .toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
            long before = io.allocatedBytes();
            var bytes = c.call(Request.get("/a"), BodyHandlers.ofByteArray());
            ExecutionException e = assertThrows(ExecutionException.class, () -> bytes.get(WAIT_S, TimeUnit.SECONDS));
            // The body is cut short by the connection: incomplete, not malformed; a buffered GET may be sent again.
            RetryException cause = assertInstanceOf(RetryException.class, e.getCause());
            assertTrue(cause.getMessage().contains("after 10 of 16000000 body bytes"), cause.getMessage());
            long allocated = io.allocatedBytes() - before;
            System.out.println("16 MB head: the I/O threads allocated " + allocated + " bytes");
            // Before the change: 16,000,000 bytes at the head, on the reader thread. The rest of the exchange
            // (request encoding, the parse, the failure) stays far below 4 MB.
            assertTrue(allocated < 4_000_000, "the reader and writer threads allocated " + allocated + " bytes");
            c.close();
        } finally {
            io.executor.shutdownNow();
        }
    }

    @Test
    void aBodyDeclaredOverTheLimitFailsAtItsFirstByteWithoutBufferingAnyOfIt() throws Exception {
        int declared = 8_000_000;
        int limit = 4_000_000;
        CountedThreads io = new CountedThreads();
        try (ScriptedServer server = new ScriptedServer(peer -> {
            peer.readRequests(2);
            peer.send("HTTP/1.1 200 OK\r\nContent-Length: " + declared + "\r\n\r\n");
            byte[] piece = new byte[100_000];
            for (int sent = 0; sent < declared; sent += piece.length) peer.send(piece);
            peer.respond(200, "behind");
        }); ConnectionFactory factory = ConnectionFactory.builder().executor(io.executor).build()) {
            Connection c = factory.connect(Endpoint.http("127.0.0.1", server.port()),
                    ConnectionOptions.builder().persistence(Persistence.TRUE).maxBufferedBodyBytes(limit).build())
                    .toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
            long before = io.allocatedBytes();
            var big = c.call(Request.get("/big"), BodyHandlers.ofByteArray());
            var behind = c.call(Request.get("/behind"), BodyHandlers.ofString());
            ExecutionException e = assertThrows(ExecutionException.class, () -> big.get(WAIT_S, TimeUnit.SECONDS));
            LimitExceededException cause = assertInstanceOf(LimitExceededException.class, e.getCause());
            assertEquals("maxBufferedBodyBytes", cause.limit());
            assertTrue(cause.getMessage().contains(declared + " bytes (Content-Length)"), cause.getMessage());
            assertEquals("behind", behind.get(WAIT_S, TimeUnit.SECONDS).body()); // the rest was read and dropped
            long allocated = io.allocatedBytes() - before;
            System.out.println("8 MB body over a 4 MB limit: the I/O threads allocated " + allocated + " bytes");
            // Before: the array grew with the bytes up to the limit (8 KiB ... 4 MB, about 8 MB in all) before the
            // body was refused. Now nothing is reserved for it: what is left is the read buffer (up to 64 KiB), the
            // exchange and the failure.
            assertTrue(allocated < 2_000_000, "the reader and writer threads allocated " + allocated + " bytes");
            c.close();
        } finally {
            io.executor.shutdownNow();
        }
    }

    @Test
    void aBodyOfDeclaredLengthIsBufferedInOneArrayOfItsSize() throws Exception {
        int responses = 64;
        byte[] body = new byte[65_536];
        for (int i = 0; i < body.length; i++) body[i] = (byte) (i * 31 + 7);
        byte[] head = ("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        CountedThreads io = new CountedThreads();
        try (ScriptedServer server = new ScriptedServer(peer -> {
            peer.readRequests(responses);
            for (int i = 0; i < responses; i++) {
                peer.send(head);
                peer.send(body);
            }
        }); ConnectionFactory factory = ConnectionFactory.builder().executor(io.executor).build()) {
            Connection c = factory.connect(Endpoint.http("127.0.0.1", server.port()),
                    ConnectionOptions.builder().persistence(Persistence.TRUE).maxPipelineDepth(responses).build())
                    .toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
            long before = io.allocatedBytes();
            List<java.util.concurrent.CompletableFuture<Response<byte[]>>> calls = new java.util.ArrayList<>();
            for (int i = 0; i < responses; i++) {
                calls.add(c.call(Request.get("/64k/" + i), BodyHandlers.ofByteArray()).toCompletableFuture());
            }
            for (var call : calls) assertArrayEquals(body, call.get(WAIT_S, TimeUnit.SECONDS).body());
            long perResponse = (io.allocatedBytes() - before) / responses;
            System.out.println("64 KiB bodies: the I/O threads allocated " + perResponse + " bytes per response");
            // One array of 64 KiB per body (the read buffer, the exchange and the head are shared or small). Before:
            // the array grew 8, 16, 32, 64 KiB as the bytes came, 120 KiB per body.
            assertTrue(perResponse < 96 * 1024, perResponse + " bytes per 64 KiB response");
            c.close();
        } finally {
            io.executor.shutdownNow();
        }
    }

    @Test
    void bodiesThatDoArriveAreBufferedWhole() throws Exception {
        byte[] large = new byte[300_000];
        for (int i = 0; i < large.length; i++) large[i] = (byte) ('a' + i % 26);
        String head = "HTTP/1.1 200 OK\r\nContent-Length: " + large.length + "\r\n\r\n";
        try (ScriptedServer server = new ScriptedServer(peer -> {
            peer.readRequest();
            peer.send(head.getBytes(StandardCharsets.ISO_8859_1));
            for (int off = 0; off < large.length; off += 7_777) {
                peer.send(java.util.Arrays.copyOfRange(large, off, Math.min(large.length, off + 7_777)));
            }
            peer.readRequest();
            peer.send("HTTP/1.1 200 OK\r\n\r\nclose-delimited, no length");
            peer.close();
        }); ConnectionFactory factory = ConnectionFactory.builder().build()) {
            Connection c = factory.create(Endpoint.http("127.0.0.1", server.port()),
                    ConnectionOptions.builder().persistence(Persistence.TRUE).build());
            Response<byte[]> r = c.call(Request.get("/large"), BodyHandlers.ofByteArray())
                    .get(WAIT_S, TimeUnit.SECONDS);
            assertArrayEquals(large, r.body());
            Response<String> s = c.call(Request.get("/unframed"), BodyHandlers.ofString())
                    .get(WAIT_S, TimeUnit.SECONDS);
            assertEquals("close-delimited, no length", s.body());
            c.close();
        }
    }
}
