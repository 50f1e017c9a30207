package io.pipelane.internal.engine;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * TLS through an {@link SSLEngine} over a plain transport. The engine, rather than an {@code SSLSocket}, gives
 * what HTTP needs from TLS: a real half-close ({@code close_notify}, then reading on), and knowing whether the
 * peer ended with {@code close_notify} or just dropped the connection (a truncation, RFC 9112 §9.8).
 *
 * <p>Threads: the reader thread owns the inbound side ({@code netIn}, {@code appIn}); writes, including the
 * records the engine must send while reading (a TLS 1.3 key update), go through {@code writeLock}.
 */
final class TlsTransport implements Transport {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final Transport net;
    private final SSLEngine engine;
    /**
     * Serialises the writers (the writer, and the reader sending what the engine asks for while reading). A lock,
     * not a monitor: the holder blocks in a socket write, which inside {@code synchronized} pins a virtual thread
     * to its carrier on Java 21 to 23.
     */
    private final ReentrantLock writeLock = new ReentrantLock();
    private final int packetSize;

    /** Encrypted bytes received and not yet unwrapped; kept flipped (position..limit = unread). */
    private ByteBuffer netIn;
    /** Decrypted bytes not yet delivered; kept flipped. */
    private ByteBuffer appIn;
    private boolean inputDone;
    /** While the reader waits with a time limit ({@link #read(byte[], int, int, int)}): that limit, else 0. */
    private int netReadTimeout;
    private boolean cleanClose;
    /** Encrypted bytes to send; used under writeLock. */
    private final ByteBuffer netOut;

    TlsTransport(Transport net, SSLEngine engine) {
        this.net = net;
        this.engine = engine;
        this.packetSize = engine.getSession().getPacketBufferSize();
        this.netIn = ByteBuffer.allocate(packetSize).flip();
        this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize()).flip();
        this.netOut = ByteBuffer.allocate(4 * packetSize);
    }

    SSLEngine engine() {
        return engine;
    }

    /**
     * Runs the handshake to its end, blocking. If it fails here (an untrusted or mismatched certificate), the
     * alert the engine has queued is sent before the exception propagates, so the server learns why.
     */
    void handshake() throws IOException {
        try {
            runHandshake();
        } catch (SSLException e) {
            try {
                sendEngineRecords();
            } catch (IOException | RuntimeException alertNotSent) {
                e.addSuppressed(alertNotSent);
            }
            throw e;
        }
    }

    private void runHandshake() throws IOException {
        engine.beginHandshake();
        while (true) {
            switch (engine.getHandshakeStatus()) {
                case NEED_WRAP:
                    sendEngineRecords();
                    break;
                case NEED_UNWRAP:
                case NEED_UNWRAP_AGAIN:
                    if (!unwrapOnce()) {
                        throw new EOFException("the server closed the connection during the TLS handshake");
                    }
                    break;
                case NEED_TASK:
                    runTasks();
                    break;
                default: // FINISHED, NOT_HANDSHAKING
                    return;
            }
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        while (!appIn.hasRemaining()) {
            if (inputDone || !unwrapOnce()) {
                if (!appIn.hasRemaining()) return -1;
            }
        }
        int n = Math.min(len, appIn.remaining());
        appIn.get(b, off, n);
        return n;
    }

    /** A read whose network reads give up after {@code timeoutMillis} without a byte. */
    @Override
    public int read(byte[] b, int off, int len, int timeoutMillis) throws IOException {
        netReadTimeout = timeoutMillis;
        try {
            return read(b, off, len);
        } finally {
            netReadTimeout = 0;
        }
    }

    @Override
    public java.nio.channels.SocketChannel parkableChannel() {
        return net.parkableChannel();
    }

    @Override
    public void gateWrites(WriteGate gate) {
        net.gateWrites(gate); // the engine's records go through net.write too
    }

    /** Ciphertext read and not yet unwrapped, or plaintext not yet returned: a parked wait would not see it. */
    @Override
    public boolean holdsInput() {
        return netIn.hasRemaining() || appIn.hasRemaining();
    }

    /**
     * Unwraps one record, reading from the network as needed. Returns {@code false} at the end of input (a
     * {@code close_notify}, or the connection closed without one).
     */
    private boolean unwrapOnce() throws IOException {
        while (true) {
            appIn.compact();
            SSLEngineResult r;
            try {
                r = engine.unwrap(netIn, appIn);
            } finally {
                appIn.flip();
            }
            switch (r.getStatus()) {
                case OK:
                    afterEngineCall(r.getHandshakeStatus());
                    return true;
                case CLOSED:
                    inputDone = true;
                    cleanClose = true;
                    return false;
                case BUFFER_OVERFLOW: {
                    int need = engine.getSession().getApplicationBufferSize() + appIn.remaining();
                    ByteBuffer bigger = ByteBuffer.allocate(need);
                    bigger.put(appIn).flip();
                    appIn = bigger;
                    break;
                }
                case BUFFER_UNDERFLOW: {
                    if (netIn.position() == 0 && netIn.limit() == netIn.capacity()) {
                        ByteBuffer bigger = ByteBuffer.allocate(Math.max(2 * netIn.capacity(),
                                engine.getSession().getPacketBufferSize()));
                        bigger.put(netIn).flip();
                        netIn = bigger;
                    }
                    netIn.compact();
                    int n;
                    try {
                        n = netReadTimeout > 0
                                ? net.read(netIn.array(), netIn.position(), netIn.remaining(), netReadTimeout)
                                : net.read(netIn.array(), netIn.position(), netIn.remaining());
                    } catch (java.net.SocketTimeoutException nothingYet) {
                        netIn.flip(); // as it was: the record's bytes so far stay
                        throw nothingYet;
                    }
                    if (n < 0) {
                        netIn.flip();
                        inputDone = true;
                        cleanClose = false;
                        try {
                            engine.closeInbound();
                        } catch (SSLException expected) {
                            // "closing inbound before receiving peer's close_notify": that is the point
                        }
                        return false;
                    }
                    netIn.position(netIn.position() + n).flip();
                    break;
                }
                default:
                    throw new IllegalStateException(r.toString());
            }
        }
    }

    /** Handles what the engine asks for after an unwrap: delegated tasks, or records to send. */
    private void afterEngineCall(SSLEngineResult.HandshakeStatus hs) throws IOException {
        while (true) {
            if (hs == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                runTasks();
                hs = engine.getHandshakeStatus();
            } else if (hs == SSLEngineResult.HandshakeStatus.NEED_WRAP && !engine.isOutboundDone()) {
                sendEngineRecords();
                hs = engine.getHandshakeStatus();
            } else {
                return;
            }
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) task.run();
    }

    @Override
    public boolean endedCleanly() {
        return cleanClose;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ByteBuffer src = ByteBuffer.wrap(b, off, len);
        writeLock.lock();
        try {
            boolean first = true;
            while (src.hasRemaining()) {
                int before = src.remaining();
                try {
                    wrapAndSend(src);
                } catch (TransportClosedException closed) {
                    // Nothing of this write was sent only if the closed record write was its first.
                    if (first) throw closed;
                    java.io.IOException midway = new java.net.SocketException("Socket closed");
                    midway.initCause(closed);
                    throw midway;
                }
                first = false;
                if (src.remaining() == before) {
                    // e.g. a TLS 1.2 renegotiation, which Pipelane does not support: fail rather than spin
                    throw new IOException("the TLS engine accepted no data to send (handshake status "
                            + engine.getHandshakeStatus() + ")");
                }
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** Sends the records the engine has to send on its own (handshake, alert, key update). */
    private void sendEngineRecords() throws IOException {
        writeLock.lock();
        try {
            wrapAndSend(EMPTY);
        } finally {
            writeLock.unlock();
        }
    }

    /** Wraps as many records of {@code src} as fit into netOut, and sends them in one write. Under writeLock. */
    private void wrapAndSend(ByteBuffer src) throws IOException {
        netOut.clear();
        do {
            SSLEngineResult r = engine.wrap(src, netOut);
            if (r.getStatus() == SSLEngineResult.Status.CLOSED && src.hasRemaining()) {
                throw new IOException("TLS output already closed");
            }
            if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) break;
            if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) runTasks();
            if (r.bytesProduced() == 0) break;
        } while (src.hasRemaining() && netOut.remaining() >= packetSize);
        netOut.flip();
        if (netOut.hasRemaining()) net.write(netOut.array(), 0, netOut.limit());
    }

    @Override
    public boolean supportsHalfClose() {
        return "TLSv1.3".equals(engine.getSession().getProtocol());
    }

    @Override
    public void shutdownOutput() throws IOException {
        writeLock.lock();
        try {
            engine.closeOutbound();
            while (!engine.isOutboundDone()) {
                int before = netOut.position();
                wrapAndSend(EMPTY);
                if (netOut.limit() == 0 && before == 0) break;
            }
        } finally {
            writeLock.unlock();
        }
        net.shutdownOutput();
    }

    /** Below TLS: the writer may hold {@code writeLock} in a blocked write, which this makes fail. */
    @Override
    public void abortOutput() {
        net.abortOutput();
    }

    @Override
    public void close() {
        net.close();
    }

    @Override
    public String describe() {
        javax.net.ssl.SSLSession session = engine.getSession();
        return session.getProtocol() + " " + session.getCipherSuite() + " " + net.describe();
    }
}
