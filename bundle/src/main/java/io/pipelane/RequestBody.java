package io.pipelane;

import io.pipelane.internal.codec.Printable;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The body of a request: none, bytes, a string, or a stream of known or unknown length.
 *
 * <p>How it is framed on the wire follows from {@link #contentLength()}: a known length is sent with
 * {@code Content-Length}. A body of unknown length ({@code -1}) is sent with
 * {@code Transfer-Encoding: chunked} once the connection is known to pipeline ({@link Persistence#TRUE}, or
 * {@link Persistence#AUTO} after the first response); before that it is read into memory first and sent with
 * {@code Content-Length}, up to {@link ConnectionOptions#maxBufferedRequestBodyBytes()}.
 *
 * <p>Applications may implement this interface, e.g. to stream a serializer's output:
 * {@link #writeTo(OutputStream)} is called on the connection's writer thread, at most once per send.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface RequestBody {

    /** The length in bytes, or {@code -1} when unknown. */
    long contentLength();

    /**
     * Whether the body can be written more than once, so that a failed request may be sent again. A body
     * read from a one-shot {@link InputStream} is not.
     */
    boolean isRepeatable();

    /**
     * Writes the body. Writes exactly {@link #contentLength()} bytes when that is known; the connection fails
     * the request if the count differs. Do not close {@code out}.
     */
    void writeTo(OutputStream out) throws IOException;

    /** No body. */
    static RequestBody empty() {
        return Bodies.EMPTY;
    }

    /** The bytes, copied. */
    static RequestBody of(byte[] bytes) {
        return new Bodies.ByteArrayBody(bytes.clone());
    }

    /** The string encoded as UTF-8. */
    static RequestBody of(String text) {
        return of(text, StandardCharsets.UTF_8);
    }

    /** The string in the given charset. */
    static RequestBody of(String text, Charset charset) {
        return new Bodies.ByteArrayBody(text.getBytes(charset));
    }

    /**
     * The file's content. Repeatable. Its length is read now: if the file has grown or shrunk when the request is
     * written, the request fails and its connection closes (no byte beyond the declared length is ever sent).
     */
    static RequestBody ofFile(Path file) {
        Objects.requireNonNull(file, "file");
        return new Bodies.StreamBody(() -> {
            try {
                return Files.newInputStream(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read request body file " + Printable.quote(file), e);
            }
        }, fileLength(file), true);
    }

    /** A repeatable stream of known length: {@code source} is asked for a new stream at each send. */
    static RequestBody ofStream(Supplier<? extends InputStream> source, long length) {
        if (length < 0) throw new IllegalArgumentException("length " + length + " < 0: use ofStream(source)");
        return new Bodies.StreamBody(source, length, true);
    }

    /** A repeatable stream of unknown length: {@code source} is asked for a new stream at each send. */
    static RequestBody ofStream(Supplier<? extends InputStream> source) {
        return new Bodies.StreamBody(source, -1, true);
    }

    /** A one-shot stream of known length. Not repeatable: a failed request with it is not sent again. */
    static RequestBody ofStream(InputStream in, long length) {
        if (length < 0) throw new IllegalArgumentException("length " + length + " < 0: use ofStream(in)");
        return new Bodies.StreamBody(Bodies.once(in), length, false);
    }

    /** A one-shot stream of unknown length. Not repeatable. */
    static RequestBody ofStream(InputStream in) {
        return new Bodies.StreamBody(Bodies.once(in), -1, false);
    }

    private static long fileLength(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the size of request body file " + Printable.quote(file), e);
        }
    }
}

/** The implementations behind {@link RequestBody}'s factories. */
final class Bodies {
    static final RequestBody EMPTY = new ByteArrayBody(new byte[0]);

    private Bodies() {
    }

    static Supplier<InputStream> once(InputStream in) {
        Objects.requireNonNull(in, "in");
        AtomicBoolean taken = new AtomicBoolean();
        return () -> {
            if (taken.getAndSet(true)) {
                throw new IllegalStateException("this one-shot request body stream was already sent once");
            }
            return in;
        };
    }

    static final class ByteArrayBody implements RequestBody {
        private final byte[] bytes;

        ByteArrayBody(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public long contentLength() {
            return bytes.length;
        }

        @Override
        public boolean isRepeatable() {
            return true;
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
            out.write(bytes);
        }

        @Override
        public String toString() {
            return "bytes[" + bytes.length + "]";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ByteArrayBody && Arrays.equals(bytes, ((ByteArrayBody) o).bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }

    static final class StreamBody implements RequestBody {
        private final Supplier<? extends InputStream> source;
        private final long length;
        private final boolean repeatable;

        StreamBody(Supplier<? extends InputStream> source, long length, boolean repeatable) {
            this.source = Objects.requireNonNull(source, "source");
            this.length = length;
            this.repeatable = repeatable;
        }

        @Override
        public long contentLength() {
            return length;
        }

        @Override
        public boolean isRepeatable() {
            return repeatable;
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
            try (InputStream in = source.get()) {
                in.transferTo(out);
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }

        @Override
        public String toString() {
            return (repeatable ? "stream" : "one-shot stream") + (length < 0 ? "[unknown length]" : "[" + length + "]");
        }
    }
}
