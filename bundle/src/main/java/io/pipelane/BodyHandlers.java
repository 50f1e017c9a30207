package io.pipelane;

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
     * this response with {@link LimitExceededException} and the rest of it is dropped. The buffer grows with the
     * bytes that arrive, never to the declared {@code Content-Length} ahead of them.
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
     * Buffers the body in a byte array that grows with the bytes that arrive (doubling), never ahead of them: a head
     * declaring {@code Content-Length: 16000000} costs at most {@link #FIRST_CAPACITY} bytes until the body comes.
     * The declared length only caps the growth, so a body that matches it ends in an array of exactly its size
     * (returned without a last copy).
     */
    static class ByteArraySink implements BodySink<byte[]> {
        /** The most allocated before any body byte arrives. */
        static final int FIRST_CAPACITY = 8 * 1024;

        private final long limit;
        /** The body length the head declares ({@link ResponseHead#bodyLength()}), or -1. */
        private final long declared;
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private byte[] buf = new byte[0];
        private int size;

        ByteArraySink(ResponseHead head, long limit) {
            this.limit = limit;
            this.declared = head.bodyLength(); // decided with the framing: no field is looked up again
        }

        @Override
        public void onData(ByteBuffer data) throws IOException {
            int n = data.remaining();
            if ((long) size + n > limit) {
                throw new LimitExceededException("maxBufferedBodyBytes", limit,
                        "response body larger than the buffered-body limit");
            }
            if (size + n > buf.length) buf = Arrays.copyOf(buf, capacityFor((long) size + n));
            data.get(buf, size, n);
            size += n;
        }

        /** The next capacity for {@code needed} bytes: double (at least the first capacity), capped. */
        private int capacityFor(long needed) {
            long grown = Math.max(needed, Math.max(FIRST_CAPACITY, 2L * buf.length));
            if (declared >= needed) grown = Math.min(grown, declared);
            return (int) Math.min(grown, Math.min(limit, Integer.MAX_VALUE - 8));
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

    static final class StringSink implements BodySink<String> {
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
