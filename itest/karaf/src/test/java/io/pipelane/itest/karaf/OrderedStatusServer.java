package io.pipelane.itest.karaf;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small HTTP/1.1 server on 127.0.0.1 that keeps connections alive and reads pipelined requests. The n-th
 * request on a connection (from 0) is answered with status {@code 200 + n} (so 200, 201, 202, ...) and a
 * short body, which makes the order of the responses visible in what a client prints. It records the
 * request lines it received and how many connections it accepted.
 *
 * <p>It also tells whether the client pipelined: from the second request on a connection, before answering a
 * request that does not close the connection, it waits (up to {@link #PIPELINE_WAIT}) for the next request to
 * start arriving. A pipelining client has already written it; a client that waits for each response before
 * writing the next request has not, and then the server answers after the wait. The first request is answered
 * at once, since a client may rightly send it alone to learn whether the server keeps connections alive.
 */
final class OrderedStatusServer implements AutoCloseable {

    /** How long the server waits for a pipelined request before answering the one before it. */
    static final int PIPELINE_WAIT = 5_000;

    private final ServerSocket serverSocket;
    private final Thread acceptor;
    private final AtomicInteger connections = new AtomicInteger();
    private final List<String> requestLines = new CopyOnWriteArrayList<>();
    private final List<String> proxyAuthorizations = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger pipelined = new AtomicInteger();

    OrderedStatusServer() throws IOException {
        serverSocket = new ServerSocket();
        serverSocket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        acceptor = new Thread(this::acceptLoop, "itest-http-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return serverSocket.getLocalPort();
    }

    String uri() {
        return "http://127.0.0.1:" + port();
    }

    int connections() {
        return connections.get();
    }

    /** The Proxy-Authorization values received (when this server stands in for a proxy). */
    List<String> proxyAuthorizations() {
        return new ArrayList<>(proxyAuthorizations);
    }

    List<String> requestLines() {
        return new ArrayList<>(requestLines);
    }

    /** How many requests had started arriving before the response to the request before them was written. */
    int pipelinedRequests() {
        return pipelined.get();
    }

    private void acceptLoop() {
        while (!serverSocket.isClosed()) {
            Socket socket;
            try {
                socket = serverSocket.accept();
            } catch (IOException closed) {
                return;
            }
            connections.incrementAndGet();
            sockets.add(socket);
            Thread t = new Thread(() -> serve(socket), "itest-http-connection-" + connections.get());
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            for (int n = 0; ; n++) {
                String requestLine = readLine(in);
                if (requestLine == null) {
                    return;
                }
                long contentLength = 0;
                boolean close = false;
                for (String field = readLine(in); field != null && !field.isEmpty(); field = readLine(in)) {
                    String lower = field.toLowerCase(Locale.ROOT);
                    if (lower.startsWith("content-length:")) {
                        contentLength = Long.parseLong(lower.substring("content-length:".length()).trim());
                    } else if (lower.startsWith("connection:") && lower.contains("close")) {
                        close = true;
                    } else if (lower.startsWith("proxy-authorization:")) {
                        proxyAuthorizations.add(field.substring("proxy-authorization:".length()).trim());
                    }
                }
                in.skipNBytes(contentLength);
                requestLines.add(requestLine);
                if (n > 0 && !close && nextRequestArrives(socket, in)) {
                    pipelined.incrementAndGet();
                }
                int status = 200 + n;
                byte[] body = ("response " + n + " to " + requestLine + "\n").getBytes(StandardCharsets.UTF_8);
                String head = "HTTP/1.1 " + status + " Status " + status + "\r\n"
                        + "Content-Type: text/plain; charset=UTF-8\r\n"
                        + "Content-Length: " + body.length + "\r\n"
                        + (close ? "Connection: close\r\n" : "")
                        + "\r\n";
                out.write(head.getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                if (close) {
                    return;
                }
            }
        } catch (SocketException closed) {
            // the client or close() ended the connection
        } catch (IOException | RuntimeException e) {
            requestLines.add("SERVER ERROR: " + e);
        }
    }

    /** Whether a byte of the next request arrives within {@link #PIPELINE_WAIT}, leaving it unread. */
    private static boolean nextRequestArrives(Socket socket, InputStream in) throws IOException {
        socket.setSoTimeout(PIPELINE_WAIT);
        try {
            in.mark(1);
            boolean arrived = in.read() != -1;
            in.reset();
            return arrived;
        } catch (SocketTimeoutException e) {
            return false;
        } finally {
            socket.setSoTimeout(0);
        }
    }

    /** A CRLF- (or LF-) terminated line, without its terminator; null at the end of the stream. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); ; b = in.read()) {
            if (b == -1) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
            }
            if (b == '\n') {
                String s = line.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            line.write(b);
        }
    }

    @Override
    public void close() throws IOException {
        serverSocket.close();
        for (Socket s : sockets) {
            s.close();
        }
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
