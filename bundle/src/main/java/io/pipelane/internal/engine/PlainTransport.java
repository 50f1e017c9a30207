package io.pipelane.internal.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

/** TCP through a blocking {@link Socket}. */
final class PlainTransport implements Transport {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    /** Set by close() before the socket closes: a write that sees it sends nothing. */
    private volatile boolean closed;

    PlainTransport(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    Socket socket() {
        return socket;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        return in.read(b, off, len);
    }

    @Override
    public boolean endedCleanly() {
        return true;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (closed) throw new TransportClosedException();
        out.write(b, off, len);
    }

    @Override
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    @Override
    public void abortOutput() {
        try {
            socket.shutdownOutput(); // wakes a write blocked in the kernel: it fails with EPIPE
        } catch (IOException alreadyShutOrClosed) {
            // nothing more can be written either way
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing: nothing left to do
        }
    }

    @Override
    public String describe() {
        return socket.getLocalSocketAddress() + " -> " + socket.getRemoteSocketAddress();
    }
}
