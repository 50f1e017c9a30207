package io.pipelane;

import io.pipelane.internal.engine.DirectReadSink;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The usual {@link BodyHandler}s.
 *
 * <p><b>A body cut short by the connection</b> (FIN, reset, TLS without {@code close_notify}, a read timeout before
 * its end: {@code idleReadTimeout} or {@code minBodyRate}, the {@link PipelaneTimeoutException} then being the
 * cause) is an incomplete response, not a malformed one. With a buffering handler ({@link #ofByteArray()},
 * {@link #ofString()}, {@link #discarding()}, {@link #ofFile}) the application has nothing of the response yet,
 * so an idempotent request fails with a {@link RetryException} (a {@link ConnectionCache} sends it again) and
 * any other with a {@link PipelaneException} saying the response was cut short. With {@link #ofInputStream()}
 * the application already has the response: reading the stream fails with an {@code IOException} naming the cut.
 * Where these handlers run: see {@link BodyHandler} (on the connection's reader thread; the response future
 * completes on the executor).
 */
public final class BodyHandlers {
    private BodyHandlers() {
    }

    /**
     * The body as bytes, buffered up to {@link ConnectionOptions#maxBufferedBodyBytes()}; a larger body fails
     * this response with {@link LimitExceededException} and the rest of it is dropped (a body whose declared
     * {@code Content-Length} is larger fails at its first byte). The buffer is sized from the declared length when
     * the first body byte arrives, but never more than 64 KiB ahead of the bytes received (at most twice them
     * past that): a declared length alone cannot make the client reserve more.
     */
    public static BodyHandler<byte[]> ofByteArray() {
        return (head, options) -> new ByteArraySink(head, options.maxBufferedBodyBytes());
    }

    /**
     * The body as a string decoded with the charset of its {@code Content-Type} ({@code charset=}
     * parameter), UTF-8 when there is none. Buffered like {@link #ofByteArray()}.
     */
    public static BodyHandler<String> ofString() {
        return (head, options) -> new StringSink(head, options.maxBufferedBodyBytes());
    }

    /** Reads and drops the body; the response's body is {@code null}. */
    public static BodyHandler<Void> discarding() {
        return (head, options) -> new DiscardingSink();
    }

    /** Writes the body to {@code file} (created or truncated); the body value is the path. */
    public static BodyHandler<Path> ofFile(Path file) {
        Objects.requireNonNull(file, "file");
        return (head, options) -> new FileSink(file);
    }

    /**
     * Streams the body: the response completes as soon as its head has arrived, and the body is read from
     * the returned {@link InputStream}.
     *
     * <p><b>Read it or close it.</b> Responses on a connection arrive in order, so the responses behind this
     * one wait until its body has been read. Up to {@value StreamSink#BUFFER_BYTES} bytes are buffered ahead of
     * the reader; past that the connection waits for the application at most
     * {@link ConnectionOptions#bodyReadTimeout()}, then logs a warning and closes the connection with a
     * {@link PipelaneTimeoutException} ({@code BODY_READ}). Closing the stream before its end drops the rest
     * of the body and lets the pipeline go on.
     */
    public static BodyHandler<InputStream> ofInputStream() {
        return (head, options) -> new StreamSink(options.bodyReadTimeout());
    }

    /** The charset named by a {@code Content-Type} header's {@code charset} parameter, else UTF-8. */
    static Charset charsetOf(Headers headers) {
        String type = headers.first("Content-Type");
        if (type != null) {
            for (String param : type.split(";")) {
                String p = param.trim();
                if (p.regionMatches(true, 0, "charset=", 0, 8)) {
                    String name = p.substring(8).trim();
                    if (name.length() > 1 && name.startsWith("\"") && name.endsWith("\"")) {
                        name = name.substring(1, name.length() - 1);
                    }
                    try {
                        return Charset.forName(name.toUpperCase(Locale.ROOT));
                    } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
                        return StandardCharsets.UTF_8;
                    }
                }
            }
        }
        return StandardCharsets.UTF_8;
    }

    /**
     * Buffers the body in one byte array. When the first body byte arrives, the array is sized from the length the
     * head declares, up to {@link #UPFRONT_CAPACITY}; a longer or undeclared body grows it with the bytes that
     * arrive (doubling, capped by the declared length and the limit), so the array is never larger than
     * {@code UPFRONT_CAPACITY} or twice the bytes received. A head declaring {@code Content-Length: 16000000}
     * therefore costs nothing until its body comes and 64 KiB at its first byte, and a declared length over the
     * limit fails the response at its first byte, before anything is reserved for it. A body that matches its
     * declared length ends in an array of exactly its size (returned without a last copy).
     */
    static class ByteArraySink implements BodySink<byte[]>, DirectReadSink {
        /**
         * The most reserved ahead of the body bytes: the declared length when it is at most this (one array, no
         * growth: a 64 KiB body costs 64 KiB), else this much at the first byte. Equal to the reader's largest
         * read buffer: a server can make the client hold no more per response than one read of it does.
         */
        static final int UPFRONT_CAPACITY = 64 * 1024;
        /** The first array of a body whose length is not declared (chunked, close-delimited): often small. */
        static final int UNDECLARED_FIRST_CAPACITY = 8 * 1024;
        private static final byte[] NONE = new byte[0];

        private final long limit;
        /** The body length the head declares ({@link ResponseHead#bodyLength()}), or -1. */
        private final long declared;
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private byte[] buf = NONE;
        private int size;

        ByteArraySink(ResponseHead head, long limit) {
            this.limit = limit;
            this.declared = head.bodyLength(); // decided with the framing: no field is looked up again
        }

        @Override
        public void onData(ByteBuffer data) throws IOException {
            int n = data.remaining();
            if (n == 0) return;
            if (size + n > buf.length) makeRoom((long) size + n);
            data.get(buf, size, n);
            size += n;
        }

        /**
         * The reader reads body bytes straight into the array (no copy from its read buffer), into the room the
         * array has; a full one grows first, as for {@link #onData}. A body over the limit is left to {@code onData}.
         */
        @Override
        public int readFrom(Source source, int max) throws IOException {
            if (size == buf.length) {
                if (declared > limit || size >= limit) return 0;
                makeRoom((long) size + 1);
            }
            int n = source.read(buf, size, Math.min(max, buf.length - size));
            if (n > 0) size += n;
            return n;
        }

        /**
         * Grows the array to hold {@code needed} bytes: to the declared length (at most {@link #UPFRONT_CAPACITY})
         * at the first byte, else doubling (from {@link #UNDECLARED_FIRST_CAPACITY} without a declared length);
         * never past the declared length or the limit. Throws
         * {@link LimitExceededException} when the body, declared or received, is larger than the limit: a declared
         * length over the limit fails at the first byte, before anything is reserved for it.
         */
        private void makeRoom(long needed) throws LimitExceededException {
            if (declared > limit) {
                throw new LimitExceededException("maxBufferedBodyBytes", limit, "response body of " + declared
                        + " bytes (Content-Length) is larger than the buffered-body limit");
            }
            if (needed > limit) {
                throw new LimitExceededException("maxBufferedBodyBytes", limit,
                        "response body larger than the buffered-body limit");
            }
            long grown;
            if (declared >= needed) { // a declared length (the parser passes no more than it)
                grown = buf.length == 0 ? Math.max(needed, Math.min(declared, UPFRONT_CAPACITY))
                        : Math.min(declared, Math.max(needed, 2L * buf.length));
            } else { // chunked or close-delimited: no length to size from
                grown = Math.max(needed, Math.max(UNDECLARED_FIRST_CAPACITY, 2L * buf.length));
            }
            buf = Arrays.copyOf(buf, (int) Math.min(grown, Math.min(limit, Integer.MAX_VALUE - 8)));
        }

        @Override
        public void onComplete(Headers trailers) throws IOException {
            result.complete(size == buf.length ? buf : Arrays.copyOf(buf, size));
        }

        @Override
        public void onError(Throwable cause) {
            result.completeExceptionally(cause);
        }

        @Override
        public CompletionStage<byte[]> body() {
            return result;
        }

        byte[] bytes() {
            return buf;
        }

        int size() {
            return size;
        }
    }

    static final class StringSink implements BodySink<String>, DirectReadSink {
        private final ByteArraySink bytes;
        private final Charset charset;
        private final CompletableFuture<String> result = new CompletableFuture<>();

        StringSink(ResponseHead head, long limit) {
            this.bytes = new ByteArraySink(head, limit);
            this.charset = charsetOf(head.headers());
        }

        @Override
        public void onData(ByteBuffer data) throws IOException {
            bytes.onData(data);
        }

        @Override
        public int readFrom(Source source, int max) throws IOException {
            return bytes.readFrom(source, max);
        }

        @Override
        public void onComplete(Headers trailers) {
            result.complete(new String(bytes.bytes(), 0, bytes.size(), charset));
        }

        @Override
        public void onError(Throwable cause) {
            result.completeExceptionally(cause);
        }

        @Override
        public CompletionStage<String> body() {
            return result;
        }
    }

    static final class DiscardingSink implements BodySink<Void> {
        private final CompletableFuture<Void> result = new CompletableFuture<>();

        @Override
        public void onData(ByteBuffer data) {
            data.position(data.limit());
        }

        @Override
        public void onComplete(Headers trailers) {
            result.complete(null);
        }

        @Override
        public void onError(Throwable cause) {
            result.completeExceptionally(cause);
        }

        @Override
        public CompletionStage<Void> body() {
            return result;
        }
    }

    static final class FileSink implements BodySink<Path> {
        private final Path file;
        private final CompletableFuture<Path> result = new CompletableFuture<>();
        private FileChannel channel;

        FileSink(Path file) {
            this.file = file;
        }

        private FileChannel channel() throws IOException {
            if (channel == null) {
                channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
            }
            return channel;
        }

        @Override
        public void onData(ByteBuffer data) throws IOException {
            FileChannel ch = channel();
            while (data.hasRemaining()) ch.write(data);
        }

        @Override
        public void onComplete(Headers trailers) throws IOException {
            channel().close();
            result.complete(file);
        }

        @Override
        public void onError(Throwable cause) {
            try {
                if (channel != null) channel.close();
            } catch (IOException e) {
                cause.addSuppressed(e);
            }
            result.completeExceptionally(cause);
        }

        @Override
        public CompletionStage<Path> body() {
            return result;
        }
    }
}
