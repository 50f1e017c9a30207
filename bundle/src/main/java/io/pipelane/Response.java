package io.pipelane;

import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * A final (non-1xx) response and its body, of the type chosen by the {@link BodyHandler} given to
 * {@link Connection#call(Request, BodyHandler)}. Immutable.
 *
 * @param <T> the body type
 */
public final class Response<T> {
    private final Request request;
    private final ResponseHead head;
    private final T body;
    private final CompletionStage<Headers> trailers;

    public Response(Request request, ResponseHead head, T body, CompletionStage<Headers> trailers) {
        this.request = Objects.requireNonNull(request, "request");
        this.head = Objects.requireNonNull(head, "head");
        this.body = body;
        this.trailers = Objects.requireNonNull(trailers, "trailers");
    }

    /** The request this response answers. */
    public Request request() {
        return request;
    }

    public ResponseHead head() {
        return head;
    }

    public int status() {
        return head.status();
    }

    public String reason() {
        return head.reason();
    }

    public HttpVersion version() {
        return head.version();
    }

    public Headers headers() {
        return head.headers();
    }

    /** The body, as produced by the body handler. */
    public T body() {
        return body;
    }

    /**
     * The trailer fields of a chunked body (empty for any other body). Already complete for buffered bodies;
     * for a streamed body it completes when the stream has been read to its end.
     */
    public CompletionStage<Headers> trailers() {
        return trailers;
    }

    @Override
    public String toString() {
        return request + " -> " + head;
    }
}
