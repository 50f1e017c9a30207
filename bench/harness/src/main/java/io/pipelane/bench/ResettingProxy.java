package io.pipelane.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on loopback between the client and a server that resets some connections: each accepted
 * connection is, with probability {@code resetChance}, cut with an RST on both sides after a random number of
 * bytes (up to 8 KiB, about as much as 100 requests) has gone towards the server. Two threads per connection. Lifecycle: {@link #start} →
 * {@link #close()} (stops accepting and cuts every connection it relays).
 */
final class ResettingProxy implements AutoCloseable {
    private final ServerSocket server;
    private final int targetPort;
    private final double resetChance;
    private final SplittableRandom random;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    final AtomicLong accepted = new AtomicLong();
    final AtomicLong resets = new AtomicLong();
    private volatile boolean closed;

    private ResettingProxy(ServerSocket server, int targetPort, double resetChance, long seed) {
        this.server = server;
        this.targetPort = targetPort;
        this.resetChance = resetChance;
        this.random = new SplittableRandom(seed);
    }

    static ResettingProxy start(int targetPort, double resetChance, long seed) throws IOException {
        ServerSocket s = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
        ResettingProxy p = new ResettingProxy(s, targetPort, resetChance, seed);
        Thread t = new Thread(p::acceptLoop, "resetting-proxy-accept");
        t.setDaemon(true);
        t.start();
        return p;
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                accepted.incrementAndGet();
                long cutAfter;
                synchronized (random) {
                    cutAfter = random.nextDouble() < resetChance ? 1 + random.nextInt(8 * 1024) : Long.MAX_VALUE;
                }
                Socket upstream = new Socket();
                upstream.connect(new InetSocketAddress("127.0.0.1", targetPort), 5000);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                open.add(client);
                open.add(upstream);
                java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger(2);
                relay(client, upstream, cutAfter, "up", running);
                relay(upstream, client, Long.MAX_VALUE, "down", running);
            } catch (IOException e) {
                if (!closed) System.err.println("proxy: " + e);
            }
        }
    }

    /** Copies {@code from} to {@code to}; the last of a pair's two relays to end closes both sockets. */
    private void relay(Socket from, Socket to, long cutAfter, String name,
                       java.util.concurrent.atomic.AtomicInteger running) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            long total = 0;
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                for (int n; (n = in.read(buf)) >= 0; ) {
                    if (total + n >= cutAfter) {
                        out.write(buf, 0, (int) (cutAfter - total));
                        out.flush();
                        resets.incrementAndGet();
                        reset(from);
                        reset(to);
                        return;
                    }
                    total += n;
                    out.write(buf, 0, n);
                    out.flush();
                }
                to.shutdownOutput(); // pass the FIN on
            } catch (IOException e) {
                reset(from);
                reset(to);
            } finally {
                if (running.decrementAndGet() == 0) {
                    close(from);
                    close(to);
                    open.remove(from);
                    open.remove(to);
                }
            }
        }, "resetting-proxy-" + name);
        t.setDaemon(true);
        t.start();
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    private static void reset(Socket s) {
        try {
            s.setSoLinger(true, 0); // close with an RST
            s.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket s : open) reset(s);
    }
}
