package io.pipelane.internal.engine;

import io.pipelane.BodyHandler;
import io.pipelane.BodyHandlers;
import io.pipelane.BodySink;
import io.pipelane.Headers;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletionStage;

/** Body handlers of the application's that make the reader wait in their sink (slow or blocked consumers). */
final class WaitingSinks {
    /** What the sink does before each {@code onData}: it may block, or fail the body. */
    interface BeforeData {
        void await() throws IOException;
    }

    private WaitingSinks() {
    }

    /** Strings, as {@link BodyHandlers#ofString()}, with {@code before} run on the reader before each data slice. */
    static BodyHandler<String> ofString(BeforeData before) {
        return (head, options) -> {
            BodySink<String> inner = BodyHandlers.ofString().open(head, options);
            return new BodySink<>() {
                @Override
                public void onData(ByteBuffer data) throws IOException {
                    before.await();
                    inner.onData(data);
                }

                @Override
                public void onComplete(Headers trailers) throws IOException {
                    inner.onComplete(trailers);
                }

                @Override
                public void onError(Throwable cause) {
                    inner.onError(cause);
                }

                @Override
                public CompletionStage<String> body() {
                    return inner.body();
                }
            };
        };
    }
}
