package io.pipelane.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small HTTP proxy on loopback, for tests: it forwards absolute-form requests to their origin (one upstream
 * connection per client connection, requests relayed one after the other, so a pipelining client keeps its
 * order) and opens CONNECT tunnels (bytes pumped both ways, half-closes passed on). When a credential is set,
 * requests without the matching {@code Proxy-Authorization} get {@code 407}. Everything it receives is recorded.
 * Responses from origins must be framed by {@code Content-Length} (or have no body).
 */
public final class TestProxy implements AutoCloseable {

    /** A request line and headers as the proxy received them from the client. */
    public static final class Seen {
        public final String method;
        public final String target;
        public final List<String> headers;

        Seen(String method, String target, List<String> headers) {
            this.method = method;
            this.target = target;
            this.headers = headers;
        }

        public String header(String name) {
            for (String line : headers) {
                int colon = line.indexOf(':');
                if (line.substring(0, colon).trim().equalsIgnoreCase(name)) return line.substring(colon + 1).trim();
            }
            return null;
        }

        @Override
        public String toString() {
            return method + " " + target;
        }
    }

    private final LoopbackAcceptor server;
    private final String requiredAuthorization;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final Map<String, String> hosts = new ConcurrentHashMap<>();
    private volatile boolean closing;

    /** @param requiredAuthorization the {@code Proxy-Authorization} value required, or null for none */
    public TestProxy(String requiredAuthorization) throws IOException {
        this.requiredAuthorization = requiredAuthorization;
        this.server = new LoopbackAcceptor("test-proxy", 50, this::accepted);
    }

    public int port() {
        return server.port();
    }

    /**
     * Makes the proxy resolve {@code name} to {@code address} when it opens a tunnel, like a hosts file of its own:
     * a test can reach a name that no resolver knows (a trailing dot, an underscore) without touching the machine.
     */
    public void resolve(String name, String address) {
        hosts.put(name, address);
    }

    /** Client connections accepted so far. */
    public int connections() {
        return server.accepted();
    }

    /** Every request (CONNECT included) received from clients, in order. */
    public List<Seen> seen() {
        return List.copyOf(seen);
    }

    private void accepted(Socket s) {
        sockets.add(s);
        serve(s);
    }

    private void serve(Socket client) {
        Socket upstream = null;
        String upstreamAuthority = null;
        try (client) {
            InputStream in = new BufferedInputStream(client.getInputStream());
            OutputStream out = client.getOutputStream();
            while (true) {
                String requestLine = readLine(in);
                if (requestLine == null) return;
                List<String> headers = new ArrayList<>();
                for (String line; !(line = readLine(in)).isEmpty(); ) headers.add(line);
                String[] parts = requestLine.split(" ");
                Seen s = new Seen(parts[0], parts[1], List.copyOf(headers));
                seen.add(s);
                if (requiredAuthorization != null && !requiredAuthorization.equals(s.header("Proxy-Authorization"))) {
                    long length = contentLength(headers);
                    in.readNBytes((int) Math.max(0, length));
                    out.write(("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"t\""
                            + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    return;
                }
                if (s.method.equals("CONNECT")) {
                    tunnel(client, in, out, s.target);
                    return;
                }
                URI uri = URI.create(s.target);
                if (!"http".equals(uri.getScheme())) throw new IOException("not absolute-form: " + requestLine);
                String authority = uri.getHost() + ":" + uri.getPort();
                if (upstream == null || !authority.equals(upstreamAuthority)) {
                    if (upstream != null) upstream.close();
                    upstream = new Socket(uri.getHost(), uri.getPort());
                    sockets.add(upstream);
                    upstreamAuthority = authority;
                }
                forward(s, uri, headers, in, upstream, out);
            }
        } catch (IOException e) {
            // a client or origin went away: the connection ends
        } catch (Throwable t) {
            if (!closing) failures.add(t);
        } finally {
            if (upstream != null) {
                try {
                    upstream.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
        }
    }

    private static void forward(Seen s, URI uri, List<String> headers, InputStream clientIn, Socket upstream,
                                OutputStream clientOut) throws IOException {
        String target = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) target += "?" + uri.getRawQuery();
        StringBuilder b = new StringBuilder(s.method + " " + target + " HTTP/1.1\r\n");
        for (String h : headers) {
            if (!h.toLowerCase(Locale.ROOT).startsWith("proxy-")) b.append(h).append("\r\n");
        }
        b.append("\r\n");
        OutputStream up = upstream.getOutputStream();
        up.write(b.toString().getBytes(StandardCharsets.ISO_8859_1));
        long length = contentLength(headers);
        if (length > 0) up.write(clientIn.readNBytes((int) length));
        up.flush();

        InputStream upIn = upstream.getInputStream();
        String status = readLine(upIn);
        if (status == null) throw new IOException("origin closed");
        List<String> responseHeaders = new ArrayList<>();
        for (String line; !(line = readLine(upIn)).isEmpty(); ) responseHeaders.add(line);
        StringBuilder r = new StringBuilder(status).append("\r\n");
        for (String h : responseHeaders) r.append(h).append("\r\n");
        r.append("\r\n");
        clientOut.write(r.toString().getBytes(StandardCharsets.ISO_8859_1));
        int code = Integer.parseInt(status.split(" ")[1]);
        long bodyLength = s.method.equals("HEAD") || code == 204 || code == 304 ? 0 : contentLength(responseHeaders);
        if (bodyLength > 0) clientOut.write(upIn.readNBytes((int) bodyLength));
        clientOut.flush();
    }

    private void tunnel(Socket client, InputStream clientIn, OutputStream clientOut, String target)
            throws IOException, InterruptedException {
        int colon = target.lastIndexOf(':');
        String host = target.substring(0, colon);
        if (host.startsWith("[")) host = host.substring(1, host.length() - 1);
        host = hosts.getOrDefault(host, host);
        Socket upstream;
        try {
            upstream = new Socket(host, Integer.parseInt(target.substring(colon + 1)));
        } catch (IOException e) {
            clientOut.write("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            clientOut.flush();
            return;
        }
        sockets.add(upstream);
        try (upstream) {
            clientOut.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            clientOut.flush();
            Thread up = pump(clientIn, upstream.getOutputStream(), upstream);
            Thread down = pump(upstream.getInputStream(), clientOut, client);
            up.join();
            down.join();
        }
    }

    /** Copies until EOF, then shuts the write side of {@code to}. */
    private static Thread pump(InputStream from, OutputStream out, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            try {
                for (int n; (n = from.read(buf)) >= 0; ) {
                    out.write(buf, 0, n);
                    out.flush();
                }
                to.shutdownOutput();
            } catch (IOException e) {
                try {
                    to.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
        }, "test-proxy-pump");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static long contentLength(List<String> headers) {
        for (String h : headers) {
            int colon = h.indexOf(':');
            if (h.substring(0, colon).trim().equalsIgnoreCase("Content-Length")) {
                return Long.parseLong(h.substring(colon + 1).trim());
            }
        }
        return 0;
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                if (line.size() == 0) return null;
                throw new IOException("closed mid-line");
            }
            line.write(c);
        }
        byte[] b = line.toByteArray();
        int n = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
        return new String(b, 0, n, StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        closing = true;
        server.close();
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        if (!failures.isEmpty()) throw new AssertionError("the test proxy failed: " + failures.get(0), failures.get(0));
    }
}
