package io.pipelane.internal.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * A Unix domain socket through a blocking {@link SocketChannel} (Java 16+). Reads and writes go to the channel
 * directly rather than through {@code Channels.newInputStream}, whose streams share one lock and would block
 * the writer behind a pending read.
 *
 * <p>It does not park when idle ({@link IdleParking}): a Unix domain socket channel has no socket adaptor
 * ({@code socket()} is unsupported), so no read with a timeout, and a blocking channel read cannot be left
 * otherwise without closing the channel; its reader keeps its thread while the connection is open.
 */
final class UnixTransport implements Transport {
    private final SocketChannel channel;
    private ByteBuffer readView;
    private ByteBuffer writeView;
    /** Set by close() before the channel closes: a write that sees it sends nothing. */
    private volatile boolean closed;

    UnixTransport(SocketChannel channel) {
        this.channel = channel;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        ByteBuffer view = readView;
        if (view == null || view.array() != b) {
            view = readView = ByteBuffer.wrap(b);
        }
        view.limit(off + len).position(off);
        return channel.read(view);
    }

    @Override
    public boolean endedCleanly() {
        return true;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (closed) throw new TransportClosedException();
        ByteBuffer view = writeView;
        if (view == null || view.array() != b) {
            view = writeView = ByteBuffer.wrap(b);
        }
        view.limit(off + len).position(off);
        while (view.hasRemaining()) channel.write(view);
    }

    @Override
    public void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    @Override
    public void abortOutput() {
        try {
            channel.shutdownOutput(); // signals a writer blocked in the channel: its write fails
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
        try {
            return "unix:" + channel.getRemoteAddress();
        } catch (IOException e) {
            return "unix:(closed)";
        }
    }
}
