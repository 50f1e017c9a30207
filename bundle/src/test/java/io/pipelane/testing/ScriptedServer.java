package io.pipelane.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A raw HTTP/1.1 test server on loopback that plays a script per connection: it reads requests (a minimal,
 * strict request parser) and writes exact bytes, closes, half-closes, resets or stalls on cue. Each accepted
 * connection runs its script on its own thread; failures of a script are kept and rethrown by {@link #close()}.
 */
public final class ScriptedServer implements AutoCloseable {

    /** What the server does with one accepted connection. */
    @FunctionalInterface
    public interface Script {
        void run(Peer peer) throws Exception;
    }

    private final LoopbackAcceptor server;
    private final Script script;
    private final SSLContext tls;
    private final List<Peer> peers = new CopyOnWriteArrayList<>();
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final BlockingQueue<Peer> acceptedPeers = new LinkedBlockingQueue<>();
    private volatile boolean closing;
    private final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);

    public ScriptedServer(Script script) throws IOException {
        this(script, null, 50);
    }

    /**
     * @param tls     when non-null, every accepted connection is wrapped in a server-side TLS socket
     * @param backlog the listen backlog
     */
    public ScriptedServer(Script script, SSLContext tls, int backlog) throws IOException {
        this.script = script;
        this.tls = tls;
        this.server = new LoopbackAcceptor("scripted-server", backlog, this::serve);
    }

    public int port() {
        return server.port();
    }

    public String host() {
        return "127.0.0.1";
    }

    /** Connections accepted so far. */
    public int connections() {
        return server.accepted();
    }

    /** Every request read by any connection's script, in the order read. */
    public List<RecordedRequest> requests() {
        return Collections.unmodifiableList(requests);
    }

    /** The next accepted connection, waiting up to 10 s. */
    public Peer nextPeer() throws InterruptedException {
        Peer p = acceptedPeers.poll(10, TimeUnit.SECONDS);
        if (p == null) throw new AssertionError("no connection was accepted within 10 s");
        return p;
    }

    private void serve(Socket raw) {
        Peer peer = null;
        try {
            Socket s = raw;
            if (tls != null) {
                SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(raw, null, raw.getPort(), true);
                ssl.setUseClientMode(false);
                ssl.startHandshake();
                s = ssl;
            }
            peer = new Peer(s, raw);
            peers.add(peer);
            acceptedPeers.add(peer);
            script.run(peer);
        } catch (Throwable t) {
            if (!closing) failures.add(t);
        } finally {
            if (peer != null) peer.scriptDone = true;
        }
    }

    /** Stops accepting, closes every connection, and rethrows the first script failure, if any. */
    @Override
    public void close() throws IOException {
        closing = true;
        closed.countDown();
        server.close();
        for (Peer p : peers) p.closeQuietly();
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError("the server script failed: " + failures.get(0), failures.get(0));
            for (int i = 1; i < failures.size(); i++) e.addSuppressed(failures.get(i));
            throw e;
        }
    }

    /** A request as the server received it. */
    public static final class RecordedRequest {
        public final String method;
        public final String target;
        public final String version;
        /** Header lines as received, "Name: value". */
        public final List<String> headerLines;
        public final byte[] body;
        /** Whether the body came chunked. */
        public final boolean chunked;

        RecordedRequest(String method, String target, String version, List<String> headerLines, byte[] body,
                        boolean chunked) {
            this.method = method;
            this.target = target;
            this.version = version;
            this.headerLines = headerLines;
            this.body = body;
            this.chunked = chunked;
        }

        /** The value of the first header with this name, or null. */
        public String header(String name) {
            for (String line : headerLines) {
                int colon = line.indexOf(':');
                if (line.substring(0, colon).equalsIgnoreCase(name)) return line.substring(colon + 1).trim();
            }
            return null;
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return method + " " + target;
        }
    }

    /** One accepted connection, as seen by its script. */
    public final class Peer {
        private final Socket socket;
        private final Socket tcp;
        private final InputStream in;
        private final OutputStream out;
        private final AtomicInteger rawReads = new AtomicInteger();
        volatile boolean scriptDone;

        Peer(Socket socket, Socket tcp) throws IOException {
            this.socket = socket;
            this.tcp = tcp;
            InputStream raw = socket.getInputStream();
            this.in = new BufferedInputStream(new InputStream() {
                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = raw.read(b, off, len);
                    if (n > 0) rawReads.incrementAndGet();
                    return n;
                }
            }, 256 * 1024);
            this.out = socket.getOutputStream();
        }

        public Socket socket() {
            return socket;
        }

        /** How many socket reads returned data so far (to observe how the client batched its writes). */
        public int rawReads() {
            return rawReads.get();
        }

        /** Reads one request; null if the client closed (or half-closed) before a new request began. */
        public RecordedRequest readRequest() throws IOException {
            String requestLine = readLine(true);
            if (requestLine == null) return null;
            String[] parts = requestLine.split(" ", -1);
            if (parts.length != 3) throw new IOException("bad request line: " + requestLine);
            List<String> headers = new ArrayList<>();
            long length = 0;
            boolean chunked = false;
            for (String line; !(line = readLine(false)).isEmpty(); ) {
                headers.add(line);
                int colon = line.indexOf(':');
                if (colon <= 0) throw new IOException("bad header line: " + line);
                String name = line.substring(0, colon);
                String value = line.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("Content-Length")) length = Long.parseLong(value);
                if (name.equalsIgnoreCase("Transfer-Encoding") && value.equalsIgnoreCase("chunked")) chunked = true;
            }
            byte[] body;
            if (chunked) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                while (true) {
                    int size = Integer.parseInt(readLine(false).trim(), 16);
                    if (size == 0) {
                        while (!readLine(false).isEmpty()) {
                            // trailers: ignored
                        }
                        break;
                    }
                    b.write(in.readNBytes(size));
                    if (!readLine(false).isEmpty()) throw new IOException("chunk not followed by CRLF");
                }
                body = b.toByteArray();
            } else {
                body = in.readNBytes((int) length);
                if (body.length != length) throw new IOException("request body cut short");
            }
            RecordedRequest r = new RecordedRequest(parts[0], parts[1], parts[2], List.copyOf(headers), body, chunked);
            requests.add(r);
            return r;
        }

        /** Reads exactly {@code n} requests. */
        public List<RecordedRequest> readRequests(int n) throws IOException {
            List<RecordedRequest> list = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                RecordedRequest r = readRequest();
                if (r == null) throw new IOException("client closed after " + i + " of " + n + " requests");
                list.add(r);
            }
            return list;
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
            byte[] b = line.toByteArray();
            int n = b.length;
            if (n == 0 || b[n - 1] != '\r') throw new IOException("line not ended by CRLF");
            return new String(b, 0, n - 1, StandardCharsets.ISO_8859_1);
        }

        public void send(String text) throws IOException {
            send(text.getBytes(StandardCharsets.ISO_8859_1));
        }

        public void send(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        /** A complete response with a Content-Length body. */
        public void respond(int status, String body, String... extraHeaders) throws IOException {
            StringBuilder b = new StringBuilder("HTTP/1.1 ").append(status).append(" X\r\n");
            for (String h : extraHeaders) b.append(h).append("\r\n");
            b.append("Content-Length: ").append(body.getBytes(StandardCharsets.UTF_8).length).append("\r\n\r\n");
            send(b.toString().getBytes(StandardCharsets.ISO_8859_1));
            send(body.getBytes(StandardCharsets.UTF_8));
        }

        /** Shuts the server's write side (FIN, or close_notify for TLS), keeps reading. */
        public void halfClose() throws IOException {
            socket.shutdownOutput();
        }

        /** Closes with a TCP reset (SO_LINGER 0); over TLS, without {@code close_notify}. */
        public void reset() throws IOException {
            tcp.setSoLinger(true, 0);
            tcp.close();
            if (socket != tcp) closeQuietly();
        }

        public void close() throws IOException {
            socket.close();
        }

        /**
         * Waits, for as long as the test runs, until the client ends its side (read returns -1, or the client
         * resets); false if the test closed the server first. Consumes and drops any bytes that arrive before. For a
         * step the test's own deadline bounds: the server keeps no shorter clock of its own.
         */
        public boolean awaitClientEof() throws IOException {
            try {
                while (true) {
                    if (in.read() < 0) return true;
                }
            } catch (SocketException e) {
                return !closing;
            }
        }

        /**
         * Waits until the client ends its side (read returns -1); true if it did within {@code timeout}.
         * Consumes and drops any bytes that arrive before.
         */
        public boolean awaitClientEof(Duration timeout) throws IOException {
            socket.setSoTimeout((int) timeout.toMillis());
            try {
                while (true) {
                    if (in.read() < 0) return true;
                }
            } catch (java.net.SocketTimeoutException e) {
                return false;
            } catch (SocketException e) {
                return true;
            } finally {
                if (!socket.isClosed()) socket.setSoTimeout(0);
            }
        }

        /** Blocks until the test ends the server (a stalled peer). */
        public void stall() throws InterruptedException {
            closed.await();
        }

        void closeQuietly() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }
}
