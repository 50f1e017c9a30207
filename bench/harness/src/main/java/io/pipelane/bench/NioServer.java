package io.pipelane.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;

/**
 * The second load target: a single-threaded NIO HTTP/1.1 server that answers GETs from memory, run in its own
 * JVM by the harness. One worker saturates at a few hundred thousand small pipelined requests per second, well
 * above nginx's one worker, so deep pipelines measure the client rather than the server.
 *
 * <p>It serves {@code /13b} (13 bytes) and {@code /64k} (65,536 bytes); anything else gets a 404. It understands
 * only bodiless requests (the benchmark sends GETs). {@code GET /_stats} answers, in its body,
 * {@code accepts=N requests=N reads=N maxPerRead=N}: connections accepted, requests decoded, socket reads that
 * decoded at least one request, and the largest number of requests decoded from one read — a value above one
 * proves the client wrote requests before the responses to the earlier ones arrived. {@code GET /_stats/reset}
 * zeroes the request counters (not {@code accepts}).
 *
 * <p>Prints {@code listening <port>} on stdout once bound; ends when stdin closes (the harness died or is done).
 */
public final class NioServer {
    static final byte[] SMALL = "Hello, world!".getBytes(StandardCharsets.US_ASCII); // 13 bytes
    static final byte[] LARGE = Files64k.content();

    private static long accepts;
    private static long requests;
    private static long reads;
    private static long maxPerRead;

    private static final byte[] SMALL_RESPONSE = response(200, SMALL, "text/plain");
    private static final byte[] LARGE_RESPONSE = response(200, LARGE, "application/octet-stream");
    private static final byte[] NOT_FOUND = response(404, "not found\n".getBytes(StandardCharsets.US_ASCII), "text/plain");

    private NioServer() {
    }

    static byte[] response(int status, byte[] body, String type) {
        String head = "HTTP/1.1 " + status + (status == 200 ? " OK" : " Not Found") + "\r\nServer: nio-bench\r\n"
                + "Content-Type: " + type + "\r\nContent-Length: " + body.length + "\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] r = new byte[h.length + body.length];
        System.arraycopy(h, 0, r, 0, h.length);
        System.arraycopy(body, 0, r, h.length, body.length);
        return r;
    }

    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        Selector selector = Selector.open();
        ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress("127.0.0.1", port), 4096);
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        System.out.println("listening " + ((InetSocketAddress) server.getLocalAddress()).getPort());
        System.out.flush();
        Thread watcher = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // wait for end of input
                }
            } catch (IOException ignored) {
                // parent gone
            }
            System.exit(0);
        }, "stdin-watcher");
        watcher.setDaemon(true);
        watcher.start();

        while (true) {
            selector.select();
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey key = it.next();
                it.remove();
                try {
                    if (!key.isValid()) continue;
                    if (key.isAcceptable()) {
                        SocketChannel ch;
                        while ((ch = server.accept()) != null) {
                            accepts++;
                            ch.configureBlocking(false);
                            ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
                            ch.register(selector, SelectionKey.OP_READ, new Conn(ch));
                        }
                        continue;
                    }
                    Conn c = (Conn) key.attachment();
                    if (key.isWritable()) c.flush(key);
                    if (key.isValid() && key.isReadable()) c.read(key);
                } catch (IOException e) {
                    key.cancel();
                    try {
                        key.channel().close();
                    } catch (IOException ignored) {
                        // closing
                    }
                }
            }
        }
    }

    /** One connection: input buffer of unparsed request bytes, output buffer of unwritten response bytes. */
    private static final class Conn {
        /** Stop decoding requests while this much response data waits to be written. */
        private static final int OUT_HIGH_WATER = 1 << 20;

        final SocketChannel ch;
        ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        ByteBuffer out = ByteBuffer.allocateDirect(2 << 20);
        boolean closeAfterFlush;

        Conn(SocketChannel ch) {
            this.ch = ch;
            out.flip(); // empty, in read mode
        }

        void read(SelectionKey key) throws IOException {
            if (!in.hasRemaining()) {
                if (in.capacity() >= 1 << 20) throw new IOException("request head too large");
                ByteBuffer bigger = ByteBuffer.allocate(in.capacity() * 2);
                in.flip();
                bigger.put(in);
                in = bigger;
            }
            int n = ch.read(in);
            if (n < 0) {
                key.cancel();
                ch.close();
                return;
            }
            int decoded = decode();
            if (decoded > 0) {
                reads++;
                if (decoded > maxPerRead) maxPerRead = decoded;
            }
            flush(key);
        }

        /** Decodes every complete request head in {@code in} and appends its response. Returns the count. */
        int decode() {
            byte[] b = in.array();
            int end = in.position();
            int start = 0;
            int count = 0;
            int i = 0;
            while (out.remaining() < OUT_HIGH_WATER && !closeAfterFlush) {
                int headEnd = -1;
                for (i = Math.max(i, start + 3); i < end; i++) {
                    if (b[i] == '\n' && b[i - 1] == '\r' && b[i - 2] == '\n' && b[i - 3] == '\r') {
                        headEnd = i + 1;
                        break;
                    }
                }
                if (headEnd < 0) break;
                respond(b, start, headEnd);
                count++;
                start = headEnd;
                i = start;
            }
            requests += count;
            // keep the unparsed rest
            System.arraycopy(b, start, b, 0, end - start);
            in.position(end - start);
            return count;
        }

        private void respond(byte[] b, int start, int end) {
            // request-line: METHOD SP target SP version
            int sp1 = indexOf(b, start, end, (byte) ' ');
            int sp2 = indexOf(b, sp1 + 1, end, (byte) ' ');
            String target = new String(b, sp1 + 1, sp2 - sp1 - 1, StandardCharsets.US_ASCII);
            if (containsIgnoreCase(b, start, end, "\r\nconnection: close")) closeAfterFlush = true;
            byte[] r;
            switch (target) {
                case "/13b":
                    r = SMALL_RESPONSE;
                    break;
                case "/64k":
                    r = LARGE_RESPONSE;
                    break;
                case "/_stats":
                    r = response(200, ("accepts=" + accepts + " requests=" + requests + " reads=" + reads
                            + " maxPerRead=" + maxPerRead).getBytes(StandardCharsets.US_ASCII), "text/plain");
                    break;
                case "/_stats/reset":
                    requests = 0;
                    reads = 0;
                    maxPerRead = 0;
                    r = response(200, new byte[0], "text/plain");
                    break;
                default:
                    r = NOT_FOUND;
            }
            append(r);
        }

        private void append(byte[] r) {
            if (out.capacity() - out.limit() < r.length) {
                out.compact().flip();
                if (out.capacity() - out.limit() < r.length) {
                    ByteBuffer bigger = ByteBuffer.allocateDirect(Math.max(out.capacity() * 2, out.remaining() + r.length));
                    bigger.put(out).flip();
                    out = bigger;
                }
            }
            int pos = out.position();
            out.position(out.limit()).limit(out.limit() + r.length);
            out.put(r);
            out.position(pos);
        }

        void flush(SelectionKey key) throws IOException {
            while (out.hasRemaining()) {
                if (ch.write(out) == 0) break;
            }
            if (out.hasRemaining()) {
                key.interestOps(SelectionKey.OP_WRITE);
                return;
            }
            out.clear().flip();
            if (closeAfterFlush) {
                key.cancel();
                ch.close();
                return;
            }
            // requests held back by the high-water mark
            if (in.position() > 0 && decode() > 0) {
                flush(key);
                return;
            }
            key.interestOps(SelectionKey.OP_READ);
        }
    }

    private static int indexOf(byte[] b, int from, int to, byte c) {
        for (int i = from; i < to; i++) {
            if (b[i] == c) return i;
        }
        return to;
    }

    private static boolean containsIgnoreCase(byte[] b, int from, int to, String s) {
        outer:
        for (int i = from; i + s.length() <= to; i++) {
            for (int j = 0; j < s.length(); j++) {
                if (Character.toLowerCase((char) b[i + j]) != s.charAt(j)) continue outer;
            }
            return true;
        }
        return false;
    }
}
