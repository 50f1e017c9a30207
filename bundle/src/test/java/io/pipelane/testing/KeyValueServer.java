package io.pipelane.testing;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * cohttp's key-value store test server, on embedded Jetty 12: {@code PUT /key} stores the body (201 when new,
 * 204 when replaced), {@code HEAD /key} answers with the value's {@code Content-Length} and no body,
 * {@code GET /key} returns the value, {@code DELETE /key} removes it (204); a missing key is a 404. Every
 * request is recorded with its framing headers and the connection it came on; Jetty's connections are counted.
 */
public final class KeyValueServer implements AutoCloseable {

    /** A request as Jetty handed it to the handler. */
    public static final class Seen {
        public final String method;
        public final String path;
        /** The Content-Length header, or null. */
        public final String contentLength;
        /** The Transfer-Encoding header, or null. */
        public final String transferEncoding;
        /** The Connection header, or null. */
        public final String connection;
        /** The client's address: one per TCP connection. */
        public final SocketAddress remote;
        public final int bodyBytes;

        Seen(String method, String path, String contentLength, String transferEncoding, String connection,
             SocketAddress remote, int bodyBytes) {
            this.method = method;
            this.path = path;
            this.contentLength = contentLength;
            this.transferEncoding = transferEncoding;
            this.connection = connection;
            this.remote = remote;
            this.bodyBytes = bodyBytes;
        }

        @Override
        public String toString() {
            return method + " " + path + " CL=" + contentLength + " TE=" + transferEncoding + " from " + remote;
        }
    }

    private final Server server;
    private final ServerConnector connector;
    private final Map<String, byte[]> store = new ConcurrentHashMap<>();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final AtomicInteger opened = new AtomicInteger();
    private final AtomicInteger closed = new AtomicInteger();
    private volatile Consumer<Seen> onRequest = s -> { };

    public KeyValueServer() throws Exception {
        this(null);
    }

    /** @param tls when non-null, the server speaks HTTPS with this context */
    public KeyValueServer(javax.net.ssl.SSLContext tls) throws Exception {
        server = new Server();
        if (tls == null) {
            connector = new ServerConnector(server, 1, 1);
        } else {
            org.eclipse.jetty.util.ssl.SslContextFactory.Server ssl = new org.eclipse.jetty.util.ssl.SslContextFactory.Server();
            ssl.setSslContext(tls);
            connector = new ServerConnector(server, 1, 1, ssl);
        }
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.addEventListener(new Connection.Listener() {
            @Override
            public void onOpened(Connection connection) {
                opened.incrementAndGet();
            }

            @Override
            public void onClosed(Connection connection) {
                closed.incrementAndGet();
            }
        });
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                KeyValueServer.this.handle(request, response, callback);
                return true;
            }
        });
        server.start();
    }

    public int port() {
        return connector.getLocalPort();
    }

    /** Connections Jetty opened so far. */
    public int connectionsOpened() {
        return opened.get();
    }

    public int connectionsClosed() {
        return closed.get();
    }

    /** Every request handled, in the order handled. */
    public List<Seen> seen() {
        return List.copyOf(seen);
    }

    public Map<String, byte[]> store() {
        return store;
    }

    /** Runs on the handling thread before each request is answered (e.g. to hold a response back). */
    public void onRequest(Consumer<Seen> hook) {
        this.onRequest = hook;
    }

    private void handle(Request request, Response response, Callback callback) throws Exception {
        String method = request.getMethod();
        String key = Request.getPathInContext(request);
        byte[] body = Content.Source.asInputStream(request).readAllBytes();
        Seen s = new Seen(method, key, request.getHeaders().get(HttpHeader.CONTENT_LENGTH),
                request.getHeaders().get(HttpHeader.TRANSFER_ENCODING), request.getHeaders().get(HttpHeader.CONNECTION),
                request.getConnectionMetaData().getRemoteSocketAddress(), body.length);
        seen.add(s);
        onRequest.accept(s);
        switch (method) {
            case "PUT": {
                byte[] old = store.put(key, body);
                response.setStatus(old == null ? 201 : 204);
                if (old == null) response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0L);
                callback.succeeded();
                return;
            }
            case "HEAD": {
                byte[] v = store.get(key);
                if (v == null) {
                    response.setStatus(404);
                    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0L);
                } else {
                    response.setStatus(200);
                    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, v.length);
                }
                callback.succeeded();
                return;
            }
            case "GET": {
                byte[] v = store.get(key);
                if (v == null) {
                    respond(response, callback, 404, "no such key: " + key);
                } else {
                    response.setStatus(200);
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
                    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, v.length);
                    response.write(true, ByteBuffer.wrap(v), callback);
                }
                return;
            }
            case "DELETE": {
                byte[] v = store.remove(key);
                if (v == null) {
                    respond(response, callback, 404, "no such key: " + key);
                } else {
                    response.setStatus(204);
                    callback.succeeded();
                }
                return;
            }
            default:
                respond(response, callback, 405, "method not allowed: " + method + " " + key);
        }
    }

    private static void respond(Response response, Callback callback, int status, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain;charset=utf-8");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, b.length);
        response.write(true, ByteBuffer.wrap(b), callback);
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
