package io.pipelane.internal.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.InterruptedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;

/**
 * TCP through a {@link SocketChannel}, blocking except while its connection is parked ({@link IdleParking}): reads
 * and writes go through the channel's socket adaptor streams, whose reads take a timeout (the idle wait's grace
 * period, {@link #read(byte[], int, int, int)}) and whose writes refuse a channel in non-blocking mode
 * ({@link java.nio.channels.IllegalBlockingModeException}) rather than write part of a batch. Every write passes
 * the connection's {@link WriteGate} first, which brings a parked channel back to blocking mode.
 */
final class PlainTransport implements Transport {
    private final SocketChannel channel;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    /** Set by close() before the channel closes: a write that sees it sends nothing. */
    private volatile boolean closed;
    /** What every write passes (the connection's idle parking), or null before the connection is open. */
    private volatile WriteGate gate;

    PlainTransport(SocketChannel channel) throws IOException {
        this.channel = channel;
        this.socket = channel.socket();
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        try {
            return in.read(b, off, len);
        } catch (IOException e) {
            throw socketFailure(e);
        }
    }

    /** A read that gives up with a {@link SocketTimeoutException} after {@code timeoutMillis} without a byte. */
    @Override
    public int read(byte[] b, int off, int len, int timeoutMillis) throws IOException {
        socket.setSoTimeout(timeoutMillis); // only the reader reads: the timeout is its own
        try {
            return in.read(b, off, len);
        } catch (IOException e) {
            throw socketFailure(e);
        } finally {
            if (!closed) socket.setSoTimeout(0);
        }
    }

    @Override
    public boolean endedCleanly() {
        return true;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        WriteGate g = gate;
        if (g != null) g.enter();
        try {
            if (closed) throw new TransportClosedException();
            out.write(b, off, len);
        } catch (IOException e) {
            throw socketFailure(e);
        } finally {
            if (g != null) g.leave();
        }
    }

    /**
     * A failure as a {@link Socket}'s streams report it, a {@link SocketException} (the retry policy tells a
     * connection the server reset by it): the channel's streams report a reset or broken pipe on write, and a close
     * during a read or write, with other types.
     */
    private static IOException socketFailure(IOException e) {
        if (e instanceof SocketException || e instanceof InterruptedIOException) return e; // timeouts included
        SocketException s = new SocketException(e instanceof ClosedChannelException ? "Socket closed" : e.getMessage());
        s.initCause(e);
        return s;
    }

    @Override
    public SocketChannel parkableChannel() {
        return channel;
    }

    @Override
    public void gateWrites(WriteGate gate) {
        this.gate = gate;
    }

    @Override
    public void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    @Override
    public void abortOutput() {
        try {
            channel.shutdownOutput(); // wakes a write blocked in the kernel: it fails with EPIPE
        } catch (IOException alreadyShutOrClosed) {
            // nothing more can be written either way
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing: nothing left to do
        }
    }

    @Override
    public String describe() {
        return socket.getLocalSocketAddress() + " -> " + socket.getRemoteSocketAddress();
    }
}
