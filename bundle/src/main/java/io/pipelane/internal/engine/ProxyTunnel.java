package io.pipelane.internal.engine;

import io.pipelane.Endpoint;
import io.pipelane.Headers;
import io.pipelane.ProxyException;
import io.pipelane.ProxyOptions;
import io.pipelane.internal.codec.Printable;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Opens a CONNECT tunnel through an HTTP proxy (RFC 9110 §9.3.6) on a fresh transport to the proxy: sends
 * {@code CONNECT host:port}, reads the proxy's answer, and returns once it is 2xx; from then on the transport
 * carries bytes to the origin (TLS, for {@code https}). Blocking; runs on the connection's reader task, within the
 * connect timeout (the watchdog closes the socket when it expires).
 */
final class ProxyTunnel {
    private ProxyTunnel() {
    }

    static void open(Transport proxy, Endpoint origin, ProxyOptions options, int maxHeadBytes) throws IOException {
        String target = (origin.host().indexOf(':') >= 0 ? "[" + origin.host() + "]" : origin.host())
                + ":" + origin.port();
        StringBuilder b = new StringBuilder(128).append("CONNECT ").append(target).append(" HTTP/1.1\r\n")
                .append("Host: ").append(target).append("\r\n");
        Headers h = options.proxyHeaders();
        for (int i = 0; i < h.size(); i++) b.append(h.name(i)).append(": ").append(h.value(i)).append("\r\n");
        b.append("\r\n");
        byte[] request = b.toString().getBytes(StandardCharsets.ISO_8859_1);
        proxy.write(request, 0, request.length);

        String head = readHead(proxy, maxHeadBytes, options.address(), target);
        int eol = head.indexOf("\r\n");
        String statusLine = eol < 0 ? head : head.substring(0, eol);
        int status = parseStatus(statusLine);
        if (status < 0) {
            throw new ProxyException("proxy " + options.address() + " answered CONNECT " + target
                    + " with something that is not an HTTP response: "
                    + Printable.singleQuote(Printable.escape(statusLine)) + "", -1);
        }
        if (status < 200 || status > 299) {
            throw new ProxyException("proxy " + options.address() + " refused CONNECT " + target + ": "
                    + Printable.escape(statusLine), status);
        }
    }

    /**
     * Reads the proxy's response head up to the empty line, one byte at a time, so that nothing of the tunnel
     * behind it is consumed. A 2xx answer to CONNECT has no body (RFC 9110 §9.3.6); for any other the
     * connection is closed anyway.
     */
    private static String readHead(Transport t, int max, Endpoint proxy, String target) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream(256);
        byte[] one = new byte[1];
        int matched = 0; // of "\r\n\r\n"
        while (matched < 4) {
            int n = t.read(one, 0, 1);
            if (n < 0) {
                throw new EOFException("proxy " + proxy + " closed the connection before answering CONNECT " + target);
            }
            if (n == 0) continue;
            head.write(one[0]);
            if (head.size() > max) {
                throw new ProxyException("the answer of proxy " + proxy + " to CONNECT " + target
                        + " exceeds maxResponseHeadBytes=" + max, -1);
            }
            byte c = one[0];
            if ((matched == 0 || matched == 2) && c == '\r') {
                matched++;
            } else if ((matched == 1 || matched == 3) && c == '\n') {
                matched++;
            } else {
                matched = c == '\r' ? 1 : 0;
            }
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** The status code of {@code HTTP/1.x NNN reason}, or -1. */
    static int parseStatus(String line) {
        if (!line.startsWith("HTTP/1.") || line.length() < 12 || line.charAt(8) != ' ') return -1;
        int status = 0;
        for (int i = 9; i < 12; i++) {
            char c = line.charAt(i);
            if (c < '0' || c > '9') return -1;
            status = status * 10 + (c - '0');
        }
        if (line.length() > 12 && line.charAt(12) != ' ') return -1;
        return status;
    }
}
