package io.pipelane;

/**
 * Chooses how a response body is received: buffered into bytes or a string, streamed, written to a file or
 * dropped. {@link BodyHandlers} has the usual ones.
 *
 * @param <T> the body type
 */
@org.osgi.annotation.versioning.ConsumerType
@FunctionalInterface
public interface BodyHandler<T> {
    /**
     * Called on the connection's reader thread when the head of the final response has arrived. Returning
     * {@code null} or throwing fails only this response (the rest of its body is read and dropped); the
     * connection and the responses behind it go on.
     *
     * @param head    the status line and headers
     * @param options the connection's options, for the limits a sink must honour
     *                ({@link ConnectionOptions#maxBufferedBodyBytes()},
     *                {@link ConnectionOptions#bodyReadTimeout()})
     * @return the sink that receives the body bytes
     */
    BodySink<T> open(ResponseHead head, ConnectionOptions options);
}
