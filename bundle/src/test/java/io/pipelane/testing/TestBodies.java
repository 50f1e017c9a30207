package io.pipelane.testing;

import io.pipelane.RequestBody;

import java.io.IOException;
import java.io.OutputStream;

/** Request bodies whose {@code writeTo} is the test's: an upload source that stalls, fails or waits for a cue. */
public final class TestBodies {
    private TestBodies() {
    }

    /** What the body writes when the connection's writer asks for it. */
    @FunctionalInterface
    public interface Source {
        void writeTo(OutputStream out) throws IOException;
    }

    /** A body that declares {@code length} bytes, cannot be replayed, and is written by {@code source}. */
    public static RequestBody oneShot(long length, Source source) {
        return new RequestBody() {
            @Override
            public long contentLength() {
                return length;
            }

            @Override
            public boolean isRepeatable() {
                return false;
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                source.writeTo(out);
            }
        };
    }
}
