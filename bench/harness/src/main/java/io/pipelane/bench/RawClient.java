package io.pipelane.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The ceiling: a plain blocking socket that writes {@code depth} pre-serialized GETs in one write (in the sliding
 * window: after each read, as many requests as it completed responses, in one write) and counts the
 * responses with a minimal parser (status line and header bytes scanned for the end of the head and
 * {@code Content-Length}; the body skipped by arithmetic, never copied). No futures, no objects per request.
 */
final class RawClient extends BenchClient {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final byte[] request;
    private byte[] batchBytes = new byte[0];
    private int batchDepth;
    private final byte[] buf = new byte[64 * 1024];

    // parser state (persists across reads; a batch always ends on a response boundary)
    private static final byte[] CL = "content-length:".getBytes(StandardCharsets.US_ASCII);
    private boolean inBody;
    private long bodyRemaining;
    private int lineLength;
    private int clMatch;
    private boolean clDigits;
    private long contentLength;
    private boolean statusOk;
    private int statusChars;
    private int statusCode;
    private long bodyBytes;

    RawClient(Target target) throws IOException {
        super("raw socket", target);
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(target.host(), target.port()));
        out = socket.getOutputStream();
        in = socket.getInputStream();
        request = ("GET " + target.path() + " HTTP/1.1\r\nHost: " + target.authority() + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    boolean pipelines() {
        return true;
    }

    @Override
    long batch(int depth) throws IOException {
        out.write(requests(depth), 0, depth * request.length);
        int remaining = depth;
        bodyBytes = 0;
        while (remaining > 0) {
            remaining -= readResponses();
        }
        return bodyBytes;
    }

    @Override
    boolean windows() {
        return true;
    }

    /**
     * The sliding-window limit: fills the window with one write, then after each read writes, in one write, as
     * many requests as that read completed responses (what an event loop that flushes once per read does).
     */
    @Override
    long window(int depth, int n) throws IOException {
        byte[] all = requests(depth);
        int issued = Math.min(depth, n);
        out.write(all, 0, issued * request.length);
        int completed = 0;
        bodyBytes = 0;
        while (completed < n) {
            int done = readResponses();
            completed += done;
            int more = Math.min(done, n - issued);
            if (more > 0) {
                out.write(all, 0, more * request.length);
                issued += more;
            }
        }
        return bodyBytes;
    }

    /** {@code depth} pre-serialized requests back to back (at least). */
    private byte[] requests(int depth) {
        if (depth > batchDepth) {
            batchBytes = new byte[request.length * depth];
            for (int i = 0; i < depth; i++) System.arraycopy(request, 0, batchBytes, i * request.length, request.length);
            batchDepth = depth;
        }
        return batchBytes;
    }

    /** One socket read, parsed: returns the responses it completed; adds their body bytes to {@link #bodyBytes}. */
    private int readResponses() throws IOException {
        int completed = 0;
        int n = in.read(buf, 0, buf.length);
        if (n < 0) throw new IOException("server closed the connection");
        int i = 0;
        while (i < n) {
            if (inBody) {
                long take = Math.min(bodyRemaining, n - i);
                i += (int) take;
                bodyRemaining -= take;
                bodyBytes += take;
                if (bodyRemaining == 0) {
                    inBody = false;
                    completed++;
                }
                continue;
            }
            byte c = buf[i++];
            if (c == '\n') {
                if (lineLength == 0) { // end of head
                    check(statusOk, "raw client: status not 200");
                    statusOk = false;
                    statusChars = 0;
                    if (contentLength > 0) {
                        inBody = true;
                        bodyRemaining = contentLength;
                    } else {
                        completed++;
                    }
                    contentLength = 0;
                }
                lineLength = 0;
                clMatch = 0;
                clDigits = false;
                continue;
            }
            if (c == '\r') continue;
            if (statusChars < 12) { // "HTTP/1.1 200": characters 10 to 12 are the status code
                statusChars++;
                if (statusChars >= 10) statusCode = statusCode * 10 + (c - '0');
                if (statusChars == 12) {
                    statusOk = statusCode == 200;
                    statusCode = 0;
                }
            }
            if (clDigits) {
                if (c >= '0' && c <= '9') contentLength = contentLength * 10 + (c - '0');
            } else if (clMatch == lineLength && clMatch < CL.length) {
                if ((c | 0x20) == CL[clMatch] || c == CL[clMatch]) {
                    clMatch++;
                    if (clMatch == CL.length) clDigits = true;
                }
            }
            lineLength++;
        }
        return completed;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
