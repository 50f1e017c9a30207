package io.pipelane.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The listening half of the test servers: a server socket on loopback, and a daemon thread per accepted
 * connection that runs the server's handler. Closing it stops accepting; the handlers' sockets are theirs.
 */
public final class LoopbackAcceptor implements AutoCloseable {
    private final ServerSocket server;
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile boolean closing;

    /**
     * @param name    the prefix of its threads' names
     * @param backlog the listen backlog
     * @param handler runs on its own thread for each accepted connection
     */
    public LoopbackAcceptor(String name, int backlog, Consumer<Socket> handler) throws IOException {
        this.server = new ServerSocket(0, backlog, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> acceptLoop(name, handler), name + "-" + server.getLocalPort());
        t.setDaemon(true);
        t.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Connections accepted so far. */
    public int accepted() {
        return accepted.get();
    }

    private void acceptLoop(String name, Consumer<Socket> handler) {
        while (!closing) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return;
            }
            accepted.incrementAndGet();
            Thread t = new Thread(() -> handler.accept(s), name + "-peer-" + s.getPort());
            t.setDaemon(true);
            t.start();
        }
    }

    @Override
    public void close() throws IOException {
        closing = true;
        server.close();
    }
}
