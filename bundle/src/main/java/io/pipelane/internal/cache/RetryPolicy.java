package io.pipelane.internal.cache;

import io.pipelane.RetryException;

/**
 * What the cache does with a request that failed on a connection.
 * <ul>
 *   <li>{@link Verdict#REPLACE}: the server certainly did not process it ({@link
 *       RetryException#certainlyNotProcessed()}), its body can be sent again, and the connection it failed on
 *       answered at least one request: it is placed again without counting against {@code retry}. Requiring
 *       progress bounds the loop: every free placement follows a response, so a server that answers nothing
 *       cannot keep a request going round.</li>
 *   <li>{@link Verdict#RETRY}: any other {@link RetryException} of a request with a repeatable body, while
 *       {@code retry} allows.</li>
 *   <li>{@link Verdict#FAIL}: the rest, and a {@link io.pipelane.PossiblyProcessedException}, a timeout or any
 *       other failure.</li>
 * </ul>
 */
final class RetryPolicy {
    enum Verdict { REPLACE, RETRY, FAIL }

    private RetryPolicy() {
    }

    /**
     * @param error              the failure
     * @param attempt            the request
     * @param retryOption        {@code retry}: how many counted retries a request may have
     * @param connectionAnswered whether the connection it failed on answered at least one request
     */
    static Verdict decide(Throwable error, Attempt<?> attempt, int retryOption, boolean connectionAnswered) {
        if (!(error instanceof RetryException)) return Verdict.FAIL;
        RetryException retry = (RetryException) error;
        // A refused request was not touched: even a one-shot body is intact.
        boolean bodyIntact = retry.reason() == RetryException.Reason.REFUSED
                || attempt.request.body().isRepeatable();
        if (!bodyIntact) return Verdict.FAIL;
        if (retry.certainlyNotProcessed() && connectionAnswered) return Verdict.REPLACE;
        return attempt.retries < retryOption ? Verdict.RETRY : Verdict.FAIL;
    }
}
