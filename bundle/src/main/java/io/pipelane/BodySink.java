package io.pipelane;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletionStage;

/**
 * Receives one response body. Every method is called on the connection's reader thread, in this order:
 * {@link #onData} zero or more times, then either {@link #onComplete} or {@link #onError}, once.
 *
 * <p>Because responses on one connection are read in order, a sink that blocks in {@code onData} holds up
 * every response behind it. A sink may block (a streaming sink waits for its reader) but must bound the wait,
 * and should end it when interrupted: when the connection ends (closed, failed, timed out) while the reader is in
 * a sink's method, the reader thread is interrupted, and the sink is told {@link #onError} once that method has
 * returned or thrown. An {@link IOException} or a {@code RuntimeException} thrown from {@code onData} or
 * {@code onComplete} (a {@link LimitExceededException} among them) fails only this response (the exception is its
 * failure, or that failure's cause): the rest of its body is read and dropped, and the pipeline goes on. A
 * {@link PipelaneTimeoutException} thrown from {@code onData} (a streamed body the application did not read in
 * time) ends the connection: the requests behind it fail with {@link RetryException} or
 * {@link PossiblyProcessedException}.
 *
 * @param <T> the body type
 */
@org.osgi.annotation.versioning.ConsumerType
public interface BodySink<T> {
    /**
     * Body bytes, from the buffer's position to its limit. The buffer is only valid during the call: copy
     * what you keep.
     */
    void onData(ByteBuffer data) throws IOException;

    /** The body is complete; {@code trailers} are the trailer fields of a chunked body, else empty. */
    void onComplete(Headers trailers) throws IOException;

    /** The body will not complete. */
    void onError(Throwable cause);

    /**
     * The body value. The response future completes when this stage does: after {@link #onComplete} for
     * buffered bodies, at once for streamed ones.
     */
    CompletionStage<T> body();
}
