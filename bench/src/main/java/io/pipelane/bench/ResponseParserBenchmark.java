package io.pipelane.bench;

import io.pipelane.Headers;
import io.pipelane.ResponseHead;
import io.pipelane.internal.codec.BodyFraming;
import io.pipelane.internal.codec.ParserLimits;
import io.pipelane.internal.codec.ResponseParser;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Parse throughput of {@link ResponseParser}: a typical 200 response (10 header fields, a 1 KiB body) fed whole,
 * and a buffer of 16 small pipelined responses parsed one after the other as a connection's reader does.
 *
 * <p>Besides the operations per second, each benchmark reports two counters: {@code responses} (responses parsed
 * per second) and {@code megabytes} (MB, 10^6 bytes, of response bytes parsed per second).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ResponseParserBenchmark {

    /** A typical response: 10 header fields and a 1 KiB body. */
    static byte[] typicalResponse() {
        byte[] body = new byte[1024];
        for (int i = 0; i < body.length; i++) body[i] = (byte) ('a' + i % 26);
        String head = "HTTP/1.1 200 OK\r\n"
                + "Date: Tue, 03 Jun 2025 12:28:53 GMT\r\n"
                + "Server: Apache/2.4.62 (Unix)\r\n"
                + "Content-Type: application/json; charset=utf-8\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + "Cache-Control: max-age=0, private, must-revalidate\r\n"
                + "ETag: \"33a64df551425fcc55e4d42a148795d9f25f89d4\"\r\n"
                + "Last-Modified: Wed, 21 Oct 2015 07:28:00 GMT\r\n"
                + "Vary: Accept-Encoding\r\n"
                + "X-Request-Id: 3f0c8a4e-9b1d-4c2e-8f6a-2d7e5b9c1a0f\r\n"
                + "Strict-Transport-Security: max-age=31536000; includeSubDomains\r\n"
                + "\r\n";
        return concat(head.getBytes(StandardCharsets.ISO_8859_1), body);
    }

    /** 16 small responses back to back, as one read from a pipelined connection may return them. */
    static byte[] pipelinedResponses() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            String body = "{\"id\":" + i + ",\"ok\":true}";
            b.append("HTTP/1.1 200 OK\r\n")
                    .append("Date: Tue, 03 Jun 2025 12:28:53 GMT\r\n")
                    .append("Content-Type: application/json\r\n")
                    .append("Content-Length: ").append(body.length()).append("\r\n")
                    .append("\r\n")
                    .append(body);
        }
        return b.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** The parser and its input, one per benchmark thread. */
    @State(Scope.Thread)
    public static class Input {
        final byte[] typical = typicalResponse();
        final byte[] pipelined = pipelinedResponses();
        final ResponseParser parser = new ResponseParser(ParserLimits.defaults());
        final CountingListener listener = new CountingListener();
    }

    /** Counters JMH reports as rates next to the score. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Rates {
        public long responses;
        public double megabytes;

        @Setup(Level.Iteration)
        public void clear() {
            responses = 0;
            megabytes = 0;
        }
    }

    /** Looks at what a real listener would: the head, and the length of each body slice (no copy). */
    static final class CountingListener implements ResponseParser.Listener {
        long bodyBytes;
        int heads;
        int completions;

        @Override
        public void onInterim(ResponseHead head) {
        }

        @Override
        public void onHead(ResponseHead head, BodyFraming framing) {
            heads += head.status();
        }

        @Override
        public void onBody(byte[] buf, int off, int len) {
            bodyBytes += len;
        }

        @Override
        public void onComplete(Headers trailers) {
            completions++;
        }
    }

    @Benchmark
    public long typical200With10HeadersAnd1KiBBody(Input in, Rates rates) throws IOException {
        ResponseParser p = in.parser;
        p.reset(false);
        int n = p.feed(in.typical, 0, in.typical.length, in.listener);
        if (n != in.typical.length || !p.isComplete()) throw new IllegalStateException("response not parsed");
        rates.responses++;
        rates.megabytes += n / 1e6;
        return in.listener.bodyBytes;
    }

    @Benchmark
    public long pipelined16SmallResponses(Input in, Rates rates) throws IOException {
        ResponseParser p = in.parser;
        byte[] buf = in.pipelined;
        int off = 0;
        int count = 0;
        while (off < buf.length) {
            p.reset(false);
            off += p.feed(buf, off, buf.length - off, in.listener);
            if (!p.isComplete()) throw new IllegalStateException("response not parsed");
            count++;
        }
        if (count != 16) throw new IllegalStateException(count + " responses");
        rates.responses += count;
        rates.megabytes += buf.length / 1e6;
        return in.listener.bodyBytes;
    }
}
