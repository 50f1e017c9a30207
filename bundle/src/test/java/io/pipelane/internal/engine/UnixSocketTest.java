package io.pipelane.internal.engine;

import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.ConnectionState;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.Request;
import io.pipelane.RequestBody;
import io.pipelane.Response;
import io.pipelane.RetryException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HTTP over a Unix domain socket: pipelining, {@code Host: localhost}, and the half-close of shutdown(). */
class UnixSocketTest {
    private static final long WAIT_S = 10;

    @TempDir
    Path dir;
    private Path socketPath;
    private ServerSocketChannel server;
    private Thread acceptor;
    private final List<Throwable> serverFailures = new CopyOnWriteArrayList<>();
    private ConnectionFactory factory;

    /** A request as read by the test server. */
    record Req(String requestLine, List<String> headers, String body) {
        String header(String name) {
            for (String h : headers) {
                int colon = h.indexOf(':');
                if (h.substring(0, colon).equalsIgnoreCase(name)) return h.substring(colon + 1).trim();
            }
            return null;
        }

        String target() {
            return requestLine.split(" ")[1];
        }
    }

    /** One accepted Unix socket connection, seen by a script. */
    static final class Peer {
        final SocketChannel channel;
        final InputStream in;
        final OutputStream out;

        Peer(SocketChannel channel) {
            this.channel = channel;
            this.in = new BufferedInputStream(Channels.newInputStream(channel));
            this.out = Channels.newOutputStream(channel);
        }

        private String readLine(boolean eofAllowed) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) {
                    if (eofAllowed && line.size() == 0) return null;
                    throw new IOException("connection closed mid-line");
                }
                line.write(c);
            }
            String s = line.toString(StandardCharsets.ISO_8859_1);
            if (!s.endsWith("\r")) throw new IOException("line not ended by CRLF: " + s);
            return s.substring(0, s.length() - 1);
        }

        /** One request (Content-Length bodies only); null at EOF. */
        Req readRequest() throws IOException {
            String requestLine = readLine(true);
            if (requestLine == null) return null;
            List<String> headers = new ArrayList<>();
            int length = 0;
            for (String line; !(line = readLine(false)).isEmpty(); ) {
                headers.add(line);
                if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            byte[] body = in.readNBytes(length);
            return new Req(requestLine, List.copyOf(headers), new String(body, StandardCharsets.UTF_8));
        }

        List<Req> readRequests(int n) throws IOException {
            List<Req> list = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Req r = readRequest();
                if (r == null) throw new IOException("EOF after " + i + " of " + n + " requests");
                list.add(r);
            }
            return list;
        }

        /** Whether the client's side ended (read -1) with nothing more sent. */
        boolean readsEof() throws IOException {
            return in.read() < 0;
        }

        void respond(String body) throws IOException {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + b.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(b);
            out.flush();
        }
    }

    @FunctionalInterface
    interface Script {
        void run(Peer peer) throws Exception;
    }

    @BeforeEach
    void setUp() {
        socketPath = dir.resolve("http.sock");
        factory = ConnectionFactory.builder().build();
    }

    @AfterEach
    void tearDown() throws Exception {
        factory.close();
        if (server != null) server.close();
        if (acceptor != null) acceptor.join(TimeUnit.SECONDS.toMillis(WAIT_S));
        if (!serverFailures.isEmpty()) throw new AssertionError("server script failed", serverFailures.get(0));
    }

    private void serve(Script script) throws IOException {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socketPath));
        acceptor = new Thread(() -> {
            while (true) {
                SocketChannel ch;
                try {
                    ch = server.accept();
                } catch (IOException closed) {
                    return;
                }
                Thread t = new Thread(() -> {
                    try (ch) {
                        script.run(new Peer(ch));
                    } catch (Throwable e) {
                        serverFailures.add(e);
                    }
                }, "unix-peer");
                t.setDaemon(true);
                t.start();
            }
        }, "unix-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Endpoint.unix", "Endpoint.of"})
    void pipelinesGetsWithHostLocalhost(String how) throws Exception {
        BlockingQueue<List<Req>> seen = new LinkedBlockingQueue<>();
        serve(peer -> {
            List<Req> reqs = peer.readRequests(5); // all five before any answer: pipelined
            seen.add(reqs);
            for (Req r : reqs) peer.respond("unix " + r.target());
            peer.readsEof();
        });
        Endpoint endpoint = how.equals("Endpoint.unix") ? Endpoint.unix(socketPath) : Endpoint.of("unix:" + socketPath);
        assertEquals(Endpoint.Scheme.UNIX, endpoint.scheme());
        assertEquals(socketPath, endpoint.socketPath());
        Connection c = factory.connect(endpoint, ConnectionOptions.builder().persistence(Persistence.TRUE).build())
                .toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
        List<CompletableFuture<Response<String>>> rs = new ArrayList<>();
        for (int i = 0; i < 5; i++) rs.add(c.call(Request.get("/items/" + i), BodyHandlers.ofString()));
        for (int i = 0; i < 5; i++) assertEquals("unix /items/" + i, rs.get(i).get(WAIT_S, TimeUnit.SECONDS).body());
        List<Req> reqs = seen.poll(WAIT_S, TimeUnit.SECONDS);
        assertNotNull(reqs);
        for (Req r : reqs) assertEquals("localhost", r.header("Host"), r.requestLine());
        assertEquals(0, c.length());
        c.close();
    }

    /**
     * Pipelined bodies around and above the size the reader reads straight into a buffering sink's array (the
     * channel then reads into the sink's array, not the read buffer), written by the server in pieces that cut
     * heads and bodies anywhere: every byte arrives, in order.
     */
    @ParameterizedTest
    @ValueSource(ints = {1_000, 16_384, 65_536, 150_000})
    void largePipelinedBodiesArriveIntactHoweverTheyAreCut(int piece) throws Exception {
        int[] sizes = {0, 1, 32_767, 32_768, 65_536, 100_003, 13, 200_003};
        List<byte[]> bodies = new ArrayList<>();
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        for (int i = 0; i < sizes.length; i++) {
            byte[] b = new byte[sizes[i]];
            for (int k = 0; k < b.length; k++) b[k] = (byte) (k * 31 + i * 7 + (k >>> 8));
            bodies.add(b);
            stream.writeBytes(("HTTP/1.1 200 OK\r\nContent-Length: " + b.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            stream.writeBytes(b);
        }
        byte[] all = stream.toByteArray();
        serve(peer -> {
            peer.readRequests(sizes.length);
            for (int off = 0; off < all.length; off += piece) {
                peer.out.write(all, off, Math.min(piece, all.length - off));
                peer.out.flush();
            }
            peer.readsEof();
        });
        Connection c = factory.connect(Endpoint.unix(socketPath),
                ConnectionOptions.builder().persistence(Persistence.TRUE).build()).toCompletableFuture()
                .get(WAIT_S, TimeUnit.SECONDS);
        List<CompletableFuture<Response<byte[]>>> rs = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) rs.add(c.call(Request.get("/b" + i), BodyHandlers.ofByteArray()));
        for (int i = 0; i < sizes.length; i++) {
            byte[] got = rs.get(i).get(WAIT_S, TimeUnit.SECONDS).body();
            assertEquals(sizes[i], got.length, "body " + i);
            assertTrue(java.util.Arrays.equals(bodies.get(i), got), "body " + i + " (" + sizes[i] + " bytes) differs");
        }
        c.close();
    }

    @Test
    void shutdownHalfClosesAndTheServerStillAnswers() throws Exception {
        BlockingQueue<Object> seen = new LinkedBlockingQueue<>();
        serve(peer -> {
            List<Req> reqs = peer.readRequests(3);
            seen.add(reqs);
            seen.add(peer.readsEof()); // the client's FIN, before any response
            for (Req r : reqs) peer.respond("after FIN " + r.target() + " " + r.body());
        });
        Connection c = factory.create(Endpoint.unix(socketPath),
                ConnectionOptions.builder().persistence(Persistence.TRUE).build());
        List<CompletableFuture<Response<String>>> rs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            rs.add(c.call(Request.put("/k" + i, RequestBody.of("v" + i)), BodyHandlers.ofString()));
        }
        c.shutdown();
        assertTrue(c.isClosed());
        for (int i = 0; i < 3; i++) {
            assertEquals("after FIN /k" + i + " v" + i, rs.get(i).get(WAIT_S, TimeUnit.SECONDS).body());
        }
        @SuppressWarnings("unchecked")
        List<Req> reqs = (List<Req>) seen.poll(WAIT_S, TimeUnit.SECONDS);
        assertNotNull(reqs);
        assertEquals("close", reqs.get(2).header("Connection"), "the last request carries Connection: close");
        assertEquals(Boolean.TRUE, seen.poll(WAIT_S, TimeUnit.SECONDS), "the server read EOF after the requests");
        c.closed().toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
        assertEquals(ConnectionState.CLOSED, c.state());
        assertEquals(0, c.length());
    }

    @Test
    void noServerAtThePath() throws Exception {
        Endpoint endpoint = Endpoint.unix(dir.resolve("nobody-listens.sock"));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> factory.connect(endpoint).toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS));
        assertInstanceOf(IOException.class, e.getCause());
        Connection c = factory.create(endpoint);
        CompletableFuture<Response<byte[]>> queued = c.call(Request.get("/"));
        ExecutionException q = assertThrows(ExecutionException.class, () -> queued.get(WAIT_S, TimeUnit.SECONDS));
        assertInstanceOf(RetryException.class, q.getCause());
        c.closed().toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
        assertEquals(ConnectionState.FAILED, c.state());
    }
}
