package io.pipelane.internal.engine;

import java.io.IOException;

/**
 * The connection ended (FIN, reset, TLS without {@code close_notify}) in the middle of a response: the message
 * says where. Not a {@link io.pipelane.MalformedResponseException}: the server sent an incomplete message, not an
 * invalid one (RFC 9112 §8), so the request is classified as unanswered by {@link Failures#classify}.
 */
final class IncompleteResponseException extends IOException {
    private static final long serialVersionUID = 1L;

    IncompleteResponseException(String message, Throwable cause) {
        super(message, cause);
    }
}
