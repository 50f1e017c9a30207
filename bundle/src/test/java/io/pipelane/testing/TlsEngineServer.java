package io.pipelane.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * A TLS test server built on an {@link SSLEngine} over a plain socket, so that a script sees what an
 * {@code SSLSocket} hides: whether the client ended with {@code close_notify} or just closed TCP, the ALPN
 * protocols it offered and the SNI name it sent; and so that it can end its own side with or without
 * {@code close_notify}. Handshake failures are collected apart from script failures (a refused handshake is
 * what some tests expect).
 */
public final class TlsEngineServer implements AutoCloseable {

    /** What the server does with one connection once the handshake is done. */
    @FunctionalInterface
    public interface Script {
        void run(Peer peer) throws Exception;
    }

    private final LoopbackAcceptor server;
    private final SSLContext context;
    private final Script script;
    private final List<Peer> peers = new CopyOnWriteArrayList<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final BlockingQueue<Throwable> handshakeFailures = new LinkedBlockingQueue<>();
    private final BlockingQueue<Peer> handshaken = new LinkedBlockingQueue<>();
    private volatile boolean closing;
    private volatile java.util.concurrent.CountDownLatch handshakeGate = new java.util.concurrent.CountDownLatch(0);

    public TlsEngineServer(SSLContext context, Script script) throws IOException {
        this.context = context;
        this.script = script;
        this.server = new LoopbackAcceptor("tls-engine-server", 50, this::serve);
    }

    public int port() {
        return server.port();
    }

    public int connections() {
        return server.accepted();
    }

    /** The next connection whose handshake succeeded, waiting up to 10 s. */
    public Peer nextPeer() throws InterruptedException {
        Peer p = handshaken.poll(10, TimeUnit.SECONDS);
        if (p == null) throw new AssertionError("no TLS handshake completed within 10 s");
        return p;
    }

    /** The next failed handshake, waiting up to 10 s. */
    public Throwable nextHandshakeFailure() throws InterruptedException {
        Throwable t = handshakeFailures.poll(10, TimeUnit.SECONDS);
        if (t == null) throw new AssertionError("no TLS handshake failed within 10 s");
        return t;
    }

    /** Holds every handshake (the client stays connecting) until {@link #releaseHandshakes()}. */
    public void holdHandshakes() {
        handshakeGate = new java.util.concurrent.CountDownLatch(1);
    }

    public void releaseHandshakes() {
        handshakeGate.countDown();
    }

    private void serve(Socket s) {
        Peer peer;
        try {
            peer = new Peer(s);
            peers.add(peer);
            if (!handshakeGate.await(10, TimeUnit.SECONDS)) throw new IOException("handshake held for 10 s");
            peer.handshake();
        } catch (Throwable t) {
            handshakeFailures.add(t);
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
            return;
        }
        handshaken.add(peer);
        try {
            script.run(peer);
        } catch (Throwable t) {
            if (!closing) failures.add(t);
        }
    }

    @Override
    public void close() throws IOException {
        closing = true;
        server.close();
        for (Peer p : peers) p.closeQuietly();
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError("the TLS server script failed: " + failures.get(0), failures.get(0));
            for (int i = 1; i < failures.size(); i++) e.addSuppressed(failures.get(i));
            throw e;
        }
    }

    /** How the client ended its side. */
    public enum End {
        /** A {@code close_notify} alert arrived. */
        CLOSE_NOTIFY,
        /** TCP ended without {@code close_notify}. */
        TCP_EOF_WITHOUT_CLOSE_NOTIFY
    }

    /** A request as the server received it (GET-like requests with an optional Content-Length body). */
    public static final class Req {
        public final String requestLine;
        public final List<String> headerLines;
        public final byte[] body;

        Req(String requestLine, List<String> headerLines, byte[] body) {
            this.requestLine = requestLine;
            this.headerLines = headerLines;
            this.body = body;
        }

        public String target() {
            return requestLine.split(" ")[1];
        }

        public String header(String name) {
            for (String line : headerLines) {
                int colon = line.indexOf(':');
                if (line.substring(0, colon).equalsIgnoreCase(name)) return line.substring(colon + 1).trim();
            }
            return null;
        }

        @Override
        public String toString() {
            return requestLine;
        }
    }

    /** One TLS connection, as seen by its script. Used by one thread. */
    public final class Peer {
        private final Socket socket;
        private final InputStream rawIn;
        private final OutputStream rawOut;
        private final SSLEngine engine;
        private ByteBuffer netIn;
        private ByteBuffer appIn;
        private final ByteBuffer netOut;
        private End end;
        private volatile List<String> offeredAlpn = List.of();

        Peer(Socket socket) throws IOException {
            this.socket = socket;
            this.rawIn = socket.getInputStream();
            this.rawOut = socket.getOutputStream();
            this.engine = context.createSSLEngine();
            engine.setUseClientMode(false);
            engine.setHandshakeApplicationProtocolSelector((e, offered) -> {
                offeredAlpn = List.copyOf(offered);
                return offered.contains("http/1.1") ? "http/1.1" : "";
            });
            int packet = engine.getSession().getPacketBufferSize();
            this.netIn = ByteBuffer.allocate(packet).flip();
            this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize()).flip();
            this.netOut = ByteBuffer.allocate(packet);
        }

        public Socket socket() {
            return socket;
        }

        public SSLEngine engine() {
            return engine;
        }

        /** The protocol negotiated, e.g. {@code TLSv1.3}. */
        public String protocol() {
            return engine.getSession().getProtocol();
        }

        /** The ALPN protocols the client offered, in its order. */
        public List<String> offeredAlpn() {
            return offeredAlpn;
        }

        /** The SNI host names the client sent. */
        public List<String> sniHostNames() {
            List<String> names = new ArrayList<>();
            if (engine.getSession() instanceof ExtendedSSLSession) {
                for (SNIServerName n : ((ExtendedSSLSession) engine.getSession()).getRequestedServerNames()) {
                    if (n instanceof SNIHostName) names.add(((SNIHostName) n).getAsciiName());
                }
            }
            return names;
        }

        void handshake() throws IOException {
            engine.beginHandshake();
            while (true) {
                switch (engine.getHandshakeStatus()) {
                    case NEED_WRAP:
                        wrapAndSend(ByteBuffer.allocate(0));
                        break;
                    case NEED_UNWRAP:
                    case NEED_UNWRAP_AGAIN:
                        if (!unwrapOnce()) throw new EOFException("client closed during the handshake");
                        break;
                    case NEED_TASK:
                        runTasks();
                        break;
                    default:
                        return;
                }
            }
        }

        private void runTasks() {
            Runnable r;
            while ((r = engine.getDelegatedTask()) != null) r.run();
        }

        /** Unwraps one record; false at the end of input (recorded in {@link #end}). */
        private boolean unwrapOnce() throws IOException {
            if (end != null) return false;
            while (true) {
                appIn.compact();
                SSLEngineResult r;
                try {
                    r = engine.unwrap(netIn, appIn);
                } finally {
                    appIn.flip();
                }
                switch (r.getStatus()) {
                    case OK:
                        SSLEngineResult.HandshakeStatus hs = r.getHandshakeStatus();
                        while (true) {
                            if (hs == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                                runTasks();
                            } else if (hs == SSLEngineResult.HandshakeStatus.NEED_WRAP && !engine.isOutboundDone()) {
                                wrapAndSend(ByteBuffer.allocate(0));
                            } else {
                                break;
                            }
                            hs = engine.getHandshakeStatus();
                        }
                        return true;
                    case CLOSED:
                        end = End.CLOSE_NOTIFY;
                        return false;
                    case BUFFER_OVERFLOW: {
                        ByteBuffer bigger = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize()
                                + appIn.remaining());
                        bigger.put(appIn).flip();
                        appIn = bigger;
                        break;
                    }
                    case BUFFER_UNDERFLOW: {
                        if (netIn.position() == 0 && netIn.limit() == netIn.capacity()) {
                            ByteBuffer bigger = ByteBuffer.allocate(2 * netIn.capacity());
                            bigger.put(netIn).flip();
                            netIn = bigger;
                        }
                        netIn.compact();
                        int n = rawIn.read(netIn.array(), netIn.position(), netIn.remaining());
                        if (n < 0) {
                            netIn.flip();
                            end = End.TCP_EOF_WITHOUT_CLOSE_NOTIFY;
                            return false;
                        }
                        netIn.position(netIn.position() + n).flip();
                        break;
                    }
                    default:
                        throw new IllegalStateException(r.toString());
                }
            }
        }

        private void wrapAndSend(ByteBuffer src) throws IOException {
            do {
                netOut.clear();
                SSLEngineResult r = engine.wrap(src, netOut);
                if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) runTasks();
                if (r.getStatus() == SSLEngineResult.Status.CLOSED && src.hasRemaining()) {
                    throw new SSLException("the server's TLS output is closed (" + r + ")");
                }
                netOut.flip();
                if (netOut.hasRemaining()) {
                    rawOut.write(netOut.array(), 0, netOut.limit());
                    rawOut.flush();
                }
            } while (src.hasRemaining());
        }

        private int readByte() throws IOException {
            while (!appIn.hasRemaining()) {
                if (!unwrapOnce()) return -1;
            }
            return appIn.get() & 0xff;
        }

        private String readLine(boolean eofAllowed) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int c;
            while ((c = readByte()) != '\n') {
                if (c < 0) {
                    if (eofAllowed && line.size() == 0) return null;
                    throw new IOException("connection ended mid-line (" + end + ")");
                }
                line.write(c);
            }
            byte[] b = line.toByteArray();
            if (b.length == 0 || b[b.length - 1] != '\r') throw new IOException("line not ended by CRLF");
            return new String(b, 0, b.length - 1, StandardCharsets.ISO_8859_1);
        }

        /** Reads one request; null if the client's side ended first (see {@link #end()}). */
        public Req readRequest() throws IOException {
            String requestLine = readLine(true);
            if (requestLine == null) return null;
            List<String> headers = new ArrayList<>();
            int length = 0;
            for (String line; !(line = readLine(false)).isEmpty(); ) {
                headers.add(line);
                int colon = line.indexOf(':');
                if (colon <= 0) throw new IOException("bad header line: " + line);
                if (line.substring(0, colon).equalsIgnoreCase("Content-Length")) {
                    length = Integer.parseInt(line.substring(colon + 1).trim());
                }
                if (line.substring(0, colon).equalsIgnoreCase("Transfer-Encoding")) {
                    throw new IOException("this server does not read chunked requests");
                }
            }
            byte[] body = new byte[length];
            for (int i = 0; i < length; i++) {
                int c = readByte();
                if (c < 0) throw new IOException("request body cut short");
                body[i] = (byte) c;
            }
            return new Req(requestLine, List.copyOf(headers), body);
        }

        /** Reads exactly {@code n} requests. */
        public List<Req> readRequests(int n) throws IOException {
            List<Req> list = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Req r = readRequest();
                if (r == null) throw new IOException("client ended (" + end + ") after " + i + " of " + n + " requests");
                list.add(r);
            }
            return list;
        }

        /** Reads (and drops) whatever comes until the client's side ends, and says how it ended. */
        public End awaitEnd() throws IOException {
            while (readByte() >= 0) {
                // dropped
            }
            return end;
        }

        /** How the client's side ended, or null if it has not been seen to end. */
        public End end() {
            return end;
        }

        public void send(String text) throws IOException {
            wrapAndSend(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
        }

        /** A complete response with a Content-Length body. */
        public void respond(int status, String body, String... extraHeaders) throws IOException {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            StringBuilder sb = new StringBuilder("HTTP/1.1 ").append(status).append(" X\r\n");
            for (String h : extraHeaders) sb.append(h).append("\r\n");
            sb.append("Content-Length: ").append(b.length).append("\r\n\r\n").append(body);
            send(sb.toString());
        }

        /** Sends {@code close_notify} and then a TCP FIN; reading goes on. */
        public void closeNotifyAndFin() throws IOException {
            engine.closeOutbound();
            while (!engine.isOutboundDone()) {
                netOut.clear();
                SSLEngineResult r = engine.wrap(ByteBuffer.allocate(0), netOut);
                netOut.flip();
                if (netOut.hasRemaining()) rawOut.write(netOut.array(), 0, netOut.limit());
                if (r.bytesProduced() == 0) break;
            }
            rawOut.flush();
            socket.shutdownOutput();
        }

        /** Ends the server's side with a bare TCP FIN under the TLS layer: no {@code close_notify}. */
        public void finWithoutCloseNotify() throws IOException {
            socket.shutdownOutput();
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
