package io.pipelane.internal.codec;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * A write buffer that coalesces pipelined requests into few writes to the underlying stream: request heads
 * and small bodies are copied into one array, which goes out in a single {@code write} when the writer has
 * nothing more to send ({@link #flush()}) or when the array is full. Writes larger than the free space after a
 * flush go straight through, uncopied.
 *
 * <p>The array starts small ({@value #INITIAL_BYTES} bytes, or the capacity if smaller) and grows up to the
 * capacity the first time a batch needs it, so that a connection that never batches much does not hold the
 * whole capacity. Growing changes nothing of what is written when: the underlying stream sees the same writes
 * as with an array of the full capacity from the start.
 *
 * <p>Not thread-safe: it belongs to the connection's writer.
 */
public final class BatchOutput extends OutputStream {
    /** The first size of the array. */
    public static final int INITIAL_BYTES = 2048;

    private static final byte[] NO_BYTES = new byte[0];

    private final OutputStream out;
    private final int capacity;
    private byte[] buf;
    private int count;
    private long writeCalls;
    private long bytesWritten;

    public BatchOutput(OutputStream out, int capacity) {
        this.out = out;
        this.capacity = capacity;
        this.buf = new byte[Math.min(capacity, INITIAL_BYTES)];
    }

    /**
     * Grows the array, up to the capacity, so that {@code len} more bytes fit. Returns whether they fit now;
     * false means the array is at its capacity and the caller drains it as it always did.
     */
    private boolean grow(int len) {
        if (buf.length == capacity) return false;
        long needed = (long) count + len;
        long size = Math.max(needed, Math.max(Math.min(capacity, INITIAL_BYTES), 2L * buf.length));
        buf = Arrays.copyOf(buf, (int) Math.min(capacity, size));
        return needed <= buf.length;
    }

    /**
     * Lets the array go (an idle connection); it comes back, from the first size, at the next write. Only with
     * nothing buffered.
     */
    public void release() {
        if (count == 0) buf = NO_BYTES;
    }

    /** The size of the array now. */
    public int bufferBytes() {
        return buf.length;
    }

    /** Bytes buffered and not yet written to the underlying stream. */
    public int buffered() {
        return count;
    }

    /** How many times the underlying stream's {@code write} was called. */
    public long writeCalls() {
        return writeCalls;
    }

    /** Bytes handed to the underlying stream. */
    public long bytesWritten() {
        return bytesWritten;
    }

    @Override
    public void write(int b) throws IOException {
        if (count == buf.length && !grow(1)) drain();
        buf[count++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (len > buf.length - count && !grow(len)) {
            drain();
            if (len >= buf.length) {
                writeThrough(b, off, len);
                return;
            }
        }
        System.arraycopy(b, off, buf, count, len);
        count += len;
    }

    /** Writes the chars of {@code s}, each of which must be below 0x100 (checked when requests are built). */
    public void writeLatin1(String s) throws IOException {
        int n = s.length();
        if (n > buf.length - count && !grow(n)) {
            drain();
            if (n > buf.length) {
                for (int i = 0; i < n; i++) write(s.charAt(i));
                return;
            }
        }
        for (int i = 0; i < n; i++) buf[count + i] = (byte) s.charAt(i);
        count += n;
    }

    public void writeDecimal(long v) throws IOException {
        writeLatin1(Long.toString(v));
    }

    public void writeHex(long v) throws IOException {
        writeLatin1(Long.toHexString(v));
    }

    public void writeCrlf() throws IOException {
        if (buf.length - count < 2 && !grow(2)) drain();
        buf[count++] = '\r';
        buf[count++] = '\n';
    }

    /** Writes the buffered bytes to the underlying stream (one write call) and flushes it. */
    @Override
    public void flush() throws IOException {
        drain();
        out.flush();
    }

    private void drain() throws IOException {
        if (count > 0) {
            writeThrough(buf, 0, count);
            count = 0;
        }
    }

    private void writeThrough(byte[] b, int off, int len) throws IOException {
        writeCalls++;
        bytesWritten += len;
        out.write(b, off, len);
    }

    /** Drops buffered bytes without writing them (the connection is failing). */
    public void discard() {
        count = 0;
    }
}
