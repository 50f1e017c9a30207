package io.pipelane.itest.felix;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/1.1 server on loopback that reads pipelined requests as they arrive (each connection on its own
 * thread) and holds every answer until {@link #release()}, so it can count what a client has in flight: the
 * connections it opened, the requests each one sent ahead, and the connections the client ended. Answers are
 * {@code 200} with the request target as body, in order, keeping the connection open.
 */
final class PipeliningServer implements AutoCloseable {
    private final ServerSocket server;
    private final CountDownLatch gate = new CountDownLatch(1);
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger received = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    /** Connections the client ended (EOF read). */
    final AtomicInteger ended = new AtomicInteger();

    PipeliningServer() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "pipelining-server");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Answers every request held so far, and every later one at once. */
    void release() {
        gate.countDown();
    }

    private void accept() {
        while (true) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException closed) {
                return;
            }
            connections.incrementAndGet();
            sockets.add(s);
            Thread t = new Thread(() -> serve(s), "pipelining-server-" + s.getPort());
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(Socket s) {
        BlockingQueue<String> toAnswer = new LinkedBlockingQueue<>();
        AtomicInteger inFlight = new AtomicInteger();
        Thread responder = new Thread(() -> {
            try {
                OutputStream out = s.getOutputStream();
                while (true) {
                    String target = toAnswer.take();
                    if (target.isEmpty()) return;
                    gate.await();
                    // Answered from now on: the client sends the next request only once it has read this answer.
                    inFlight.decrementAndGet();
                    byte[] body = target.getBytes(StandardCharsets.UTF_8);
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.write(body);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // the connection or the test ended
            }
        }, "pipelining-server-responder");
        responder.setDaemon(true);
        responder.start();
        try {
            InputStream in = new BufferedInputStream(s.getInputStream());
            for (String line; (line = HttpLines.readLine(in)) != null; ) {
                while (!HttpLines.readLine(in).isEmpty()) {
                    // headers: requests without a body only
                }
                int n = inFlight.incrementAndGet();
                maxInFlight.accumulateAndGet(n, Math::max);
                received.incrementAndGet();
                toAnswer.add(line.split(" ")[1]);
            }
            ended.incrementAndGet();
            toAnswer.add(""); // answer what was read, then stop
            responder.join(TimeUnit.SECONDS.toMillis(30));
        } catch (IOException | InterruptedException e) {
            responder.interrupt();
        } finally {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    @Override
    public void close() throws IOException {
        release();
        server.close();
        for (Socket s : sockets) s.close();
    }
}
