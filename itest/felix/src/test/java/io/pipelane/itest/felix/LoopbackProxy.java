package io.pipelane.itest.felix;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A forwarding HTTP proxy on loopback (absolute-form requests only; one origin connection per client connection,
 * requests relayed one after the other). It requires {@code Proxy-Authorization} to equal the given value, else
 * answers {@code 407}, and records each request line it received. Origins must frame responses with
 * {@code Content-Length}; requests carry no body.
 */
final class LoopbackProxy implements AutoCloseable {
    private final ServerSocket server;
    private final String requiredAuthorization;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    /** "METHOD target" of every request received, and whether it carried the required authorization. */
    final List<String> seen = new CopyOnWriteArrayList<>();

    LoopbackProxy(String requiredAuthorization) throws IOException {
        this.requiredAuthorization = requiredAuthorization;
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "loopback-proxy");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (true) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException closed) {
                return;
            }
            sockets.add(s);
            Thread t = new Thread(() -> serve(s), "loopback-proxy-" + s.getPort());
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(Socket client) {
        Socket upstream = null;
        try (client) {
            InputStream in = new BufferedInputStream(client.getInputStream());
            OutputStream out = client.getOutputStream();
            for (String requestLine; (requestLine = HttpLines.readLine(in)) != null; ) {
                List<String> headers = new ArrayList<>();
                for (String line; !(line = HttpLines.readLine(in)).isEmpty(); ) headers.add(line);
                String[] parts = requestLine.split(" ");
                seen.add(parts[0] + " " + parts[1]);
                if (!requiredAuthorization.equals(header(headers, "Proxy-Authorization"))) {
                    out.write(("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"t\"\r\n"
                            + "Content-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    return;
                }
                URI uri = URI.create(parts[1]);
                if (upstream == null) {
                    upstream = new Socket(uri.getHost(), uri.getPort());
                    sockets.add(upstream);
                }
                StringBuilder b = new StringBuilder(parts[0] + " " + uri.getRawPath() + " HTTP/1.1\r\n");
                for (String h : headers) {
                    if (!h.toLowerCase(Locale.ROOT).startsWith("proxy-")) b.append(h).append("\r\n");
                }
                upstream.getOutputStream().write(b.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
                upstream.getOutputStream().flush();
                InputStream upIn = upstream.getInputStream();
                String status = HttpLines.readLine(upIn);
                if (status == null) return;
                List<String> responseHeaders = new ArrayList<>();
                for (String line; !(line = HttpLines.readLine(upIn)).isEmpty(); ) responseHeaders.add(line);
                StringBuilder r = new StringBuilder(status).append("\r\n");
                for (String h : responseHeaders) r.append(h).append("\r\n");
                out.write(r.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
                String length = header(responseHeaders, "Content-Length");
                if (length != null) out.write(upIn.readNBytes(Integer.parseInt(length)));
                out.flush();
            }
        } catch (IOException e) {
            // a client or the origin went away
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

    private static String header(List<String> headers, String name) {
        for (String h : headers) {
            int colon = h.indexOf(':');
            if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase(name)) return h.substring(colon + 1).trim();
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) s.close();
    }
}
