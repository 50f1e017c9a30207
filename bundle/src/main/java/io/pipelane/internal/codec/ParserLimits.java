package io.pipelane.internal.codec;

import io.pipelane.ConnectionOptions;

/**
 * The limits the {@link ResponseParser} enforces. Names match {@link ConnectionOptions}' options, and so the
 * {@code limit()} of the {@link io.pipelane.LimitExceededException} raised past one.
 */
public final class ParserLimits {
    final int maxResponseHeadBytes;
    final int maxHeaderCount;
    final int maxChunkLineBytes;

    public ParserLimits(int maxResponseHeadBytes, int maxHeaderCount, int maxChunkLineBytes) {
        this.maxResponseHeadBytes = maxResponseHeadBytes;
        this.maxHeaderCount = maxHeaderCount;
        this.maxChunkLineBytes = maxChunkLineBytes;
    }

    public static ParserLimits of(ConnectionOptions o) {
        return new ParserLimits(o.maxResponseHeadBytes(), o.maxHeaderCount(), o.maxChunkLineBytes());
    }

    public static ParserLimits defaults() {
        return of(ConnectionOptions.defaults());
    }
}
