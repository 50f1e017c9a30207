package io.pipelane.internal.codec;

import io.pipelane.Headers;
import io.pipelane.Request;

import java.io.IOException;

/**
 * Writes request heads (RFC 9112 §3): the request-line in origin-form, or absolute-form for a forwarding
 * proxy; {@code Host} always (the request's own, else the endpoint's authority); the framing header the body
 * needs; {@code Connection: close} when asked. Header names and values were validated when the
 * {@link Request} was built, so nothing here can inject a line.
 *
 * <p>Pure: it writes into a {@link BatchOutput} and does nothing else.
 */
public final class RequestEncoder {
    private RequestEncoder() {
    }

    /** How the request body is framed. */
    public enum Framing {
        /** No body and no framing header (a GET, say, with an empty body). */
        NONE,
        /** {@code Content-Length: n}, possibly 0 (for methods that expect content, such as an empty POST). */
        CONTENT_LENGTH,
        /** {@code Transfer-Encoding: chunked}. */
        CHUNKED
    }

    /**
     * The framing of a body of {@code length} bytes ({@code -1}: unknown) for {@code method}.
     *
     * @param chunkedAllowed whether the connection is known to pipeline (else an unknown length is refused
     *                       here: the caller buffers the body first to learn its length)
     */
    public static Framing framingFor(String method, long length, boolean chunkedAllowed) {
        if (length < 0) {
            if (!chunkedAllowed) throw new IllegalStateException("unknown body length before pipelining is known");
            return Framing.CHUNKED;
        }
        if (length == 0 && !expectsContent(method)) return Framing.NONE;
        return Framing.CONTENT_LENGTH;
    }

    /**
     * Whether a request with this method is expected to carry content, so that an empty body is sent with
     * {@code Content-Length: 0} (RFC 9110 §8.6: a user agent does not send it for GET, HEAD, DELETE, ...).
     */
    static boolean expectsContent(String method) {
        switch (method) {
            case "GET":
            case "HEAD":
            case "DELETE":
            case "OPTIONS":
            case "TRACE":
                return false;
            default:
                return true;
        }
    }

    /**
     * Writes the request-line and header section, up to and including the empty line.
     *
     * @param authority      the endpoint's {@code host[:port]}, for {@code Host} and the absolute-form
     * @param absoluteScheme {@code "http"} to write the absolute-form ({@code GET http://host/path}) for a
     *                       forwarding proxy; {@code null} for the origin-form
     * @param framing        how the body is framed
     * @param contentLength  the body length, for {@link Framing#CONTENT_LENGTH}
     * @param close          whether to send {@code Connection: close}
     * @param extraHeaders   headers added by the connection (e.g. {@code Proxy-Authorization}), or {@code null}
     * @return the number of bytes of the head
     */
    public static int writeHead(Request request, String authority, String absoluteScheme, Framing framing,
                                long contentLength, boolean close, Headers extraHeaders, BatchOutput out)
            throws IOException {
        int start = out.buffered();
        long before = out.bytesWritten();
        out.writeLatin1(request.method());
        out.write(' ');
        if (absoluteScheme != null) {
            out.writeLatin1(absoluteScheme);
            out.writeLatin1("://");
            out.writeLatin1(authority);
            // A server-wide OPTIONS goes to a proxy as the authority with an empty path; the last proxy sends
            // it on as "*" (RFC 9112 §3.2.4). A bare "*" would leave the proxy without a target.
            if (!request.target().equals("*")) out.writeLatin1(request.target());
        } else {
            out.writeLatin1(request.target());
        }
        out.writeLatin1(" HTTP/1.1\r\n");
        Headers h = request.headers();
        if (!h.contains("Host")) {
            out.writeLatin1("Host: ");
            out.writeLatin1(authority);
            out.writeCrlf();
        }
        for (int i = 0, n = h.size(); i < n; i++) {
            writeField(h.name(i), h.value(i), out);
        }
        if (extraHeaders != null) {
            for (int i = 0, n = extraHeaders.size(); i < n; i++) {
                writeField(extraHeaders.name(i), extraHeaders.value(i), out);
            }
        }
        switch (framing) {
            case CONTENT_LENGTH:
                out.writeLatin1("Content-Length: ");
                out.writeDecimal(contentLength);
                out.writeCrlf();
                break;
            case CHUNKED:
                out.writeLatin1("Transfer-Encoding: chunked\r\n");
                break;
            default:
                break;
        }
        if (close) out.writeLatin1("Connection: close\r\n");
        out.writeCrlf();
        return (int) (out.bytesWritten() - before + out.buffered() - start);
    }

    private static void writeField(String name, String value, BatchOutput out) throws IOException {
        out.writeLatin1(name);
        out.write(':');
        out.write(' ');
        out.writeLatin1(value);
        out.writeCrlf();
    }
}
