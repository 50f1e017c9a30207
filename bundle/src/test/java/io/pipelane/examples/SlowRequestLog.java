package io.pipelane.examples;

import io.pipelane.ConnectionEvent;
import io.pipelane.ConnectionListener;

import java.time.Duration;

import org.osgi.service.component.annotations.Component;

// The README's example listener, word for word from here on (SlowRequestLogExampleTest checks it).
@Component(property = ConnectionListener.ENDPOINTS_PROPERTY + "=billing")
public class SlowRequestLog implements ConnectionListener {
    private static final System.Logger LOG = System.getLogger("com.example.slow");
    private static final Duration SLOW = Duration.ofMillis(500);

    @Override
    public void responseComplete(ConnectionEvent.ResponseCompleted e) {
        if (e.duration().compareTo(SLOW) > 0) {
            LOG.log(System.Logger.Level.WARNING, e.request().method() + " " + e.request().target() + " on "
                    + e.connection() + " took " + e.duration().toMillis() + " ms");
        }
    }
}
