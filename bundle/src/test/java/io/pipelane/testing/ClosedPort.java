package io.pipelane.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A port of 127.0.0.1 where nothing listens, held for the test: a TCP socket bound to it that neither listens nor
 * connects, so a connect to it is refused ("Connection refused") and no other process can bind it meanwhile (a port
 * picked with {@code new ServerSocket(0)} and closed again may be taken by anyone before the test connects).
 *
 * <p>Lifecycle: created bound → {@link #close()} frees the port.
 */
public final class ClosedPort implements AutoCloseable {
    private final Socket socket = new Socket();

    public ClosedPort() throws IOException {
        try {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** {@code http://127.0.0.1:PORT}. */
    public String uri() {
        return "http://" + host() + ":" + port();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
