package io.pipelane.internal.engine;

import io.pipelane.PipelaneException;
import io.pipelane.PossiblyProcessedException;
import io.pipelane.RetryException;

/**
 * How an outstanding request fails when its connection ends (RFC 9112 §9.3.1 and §9.6): whether it may be
 * sent again ({@link RetryException}), may have been processed ({@link PossiblyProcessedException}), or had
 * its response cut short after the application received it.
 */
final class Failures {
    private Failures() {
    }

    /** Classifies {@code e}, whose stage is the one it had when the connection ended. Under the connection's lock. */
    static Throwable classify(Exchange<?> e, Throwable cause) {
        String why = why(cause);
        Exchange.Stage stage = e.stage();
        if (stage.hasHead()) {
            if (!e.delivered() && e.request.isIdempotent()) {
                // The body was being buffered: the application has nothing of this response, so the request is
                // as unanswered as one whose head never came, and an idempotent one may be sent again.
                return new RetryException(RetryException.Reason.IDEMPOTENT_UNANSWERED, "the response to " + e.request
                        + " was cut short before its body was complete; it is idempotent, so it may be sent again: "
                        + why, cause);
            }
            return new PipelaneException("the response to " + e.request + " was cut short: " + why, cause);
        }
        if (!stage.mayHaveBeenSent()) return notSent(e, cause);
        if (stage == Exchange.Stage.UNPROCESSED) {
            return new RetryException(RetryException.Reason.SENT_AFTER_CLOSE, e.request + " was sent after a"
                    + " response with Connection: close, so the"
                    + " server did not process it: " + why, cause);
        }
        // writtenAt is set once the whole request went out: before, a write failed or timed out in its middle
        String sent = e.writtenAt == 0 ? " was partly sent and" : " was sent but";
        if (e.request.isIdempotent()) {
            return new RetryException(RetryException.Reason.IDEMPOTENT_UNANSWERED, e.request + sent + " not"
                    + " answered; it is idempotent, so it may be sent again: " + why, cause);
        }
        return new PossiblyProcessedException(e.request + sent + " not answered, and the server may have"
                + " processed it: " + why, cause);
    }

    /** The failure of a request none of whose bytes reached the transport: it may be sent again. */
    static RetryException notSent(Exchange<?> e, Throwable cause) {
        return new RetryException(RetryException.Reason.NOT_SENT, e.request + " was not sent: " + why(cause), cause);
    }

    /** As {@link #notSent(Exchange, Throwable)}, saying first what failed ({@code what}: "writing to ... failed"). */
    static RetryException notSent(Exchange<?> e, String what, Throwable cause) {
        return new RetryException(RetryException.Reason.NOT_SENT, e.request + " was not sent: " + what + ": "
                + why(cause), cause);
    }

    /** What a failure says, for a message: its message, or its type when it has none. */
    static String why(Throwable cause) {
        return cause.getMessage() != null ? cause.getMessage() : cause.toString();
    }
}
