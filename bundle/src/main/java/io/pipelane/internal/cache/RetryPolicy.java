package io.pipelane.internal.cache;

import io.pipelane.PipelaneTimeoutException;
import io.pipelane.ProxyException;
import io.pipelane.RetryException;

import java.io.EOFException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketException;
import java.net.UnknownHostException;
import javax.net.ssl.SSLException;

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

    /**
     * Whether a connection that could not be opened was ended by the server after accepting it (a reset or a FIN
     * before it could be used, e.g. during the TLS handshake): its requests then go by {@link #decide} as on a
     * connection that answered nothing (counted against {@code retry}). A server that is not there (connection
     * refused, no route, unknown host, a connect or handshake timeout) or that refused in words (a TLS alert or
     * certificate failure, a proxy's answer) fails them at once: sending again would meet the same answer.
     */
    static boolean endedAfterAccept(Throwable connectError) {
        boolean ended = false;
        for (Throwable t = connectError; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof NoRouteToHostException
                    || t instanceof PortUnreachableException || t instanceof UnknownHostException
                    || t instanceof SSLException || t instanceof ProxyException
                    || t instanceof PipelaneTimeoutException) {
                return false;
            }
            ended |= t instanceof SocketException || t instanceof EOFException;
        }
        return ended;
    }
}
