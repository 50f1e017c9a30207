package io.pipelane.internal.codec;

import io.pipelane.LimitExceededException;
import io.pipelane.MalformedResponseException;
import io.pipelane.internal.codec.ParserRun.Eof;
import io.pipelane.internal.codec.ParserRun.Outcome;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A randomized fuzz test of the response parser, for a bounded time: random bytes, mutations of the valid responses
 * of {@link ResponseParserTableTest} (bytes flipped, inserted, deleted, duplicated, and HTTP tokens spliced in), each
 * fed whole and in random slices, with the input ending cleanly, uncleanly or not at all.
 *
 * <p>Properties checked for every input: {@code feed} and {@code endOfInput} throw nothing but
 * {@link MalformedResponseException} (and its subclass {@link LimitExceededException}); they return (the whole run
 * is under a preemptive timeout, so a loop that never ends fails the test instead of hanging the build); the
 * outcome does not depend on how the input was sliced; the events come in order with body slices inside the fed
 * bytes (checked by {@link ParserRun}); no head has more fields than {@code maxHeaderCount} or more bytes than
 * {@code maxResponseHeadBytes}, and no more bytes are consumed than were fed.
 *
 * <p>Seeded: a failure message starts with the seed; {@code -Dpipelane.seed=N} replays it, and
 * {@code -Dpipelane.fuzz.seconds=S} runs longer (default 8 s, so that CI stays quick).
 */
class ResponseParserFuzzTest {

    private static final String[] TOKENS = {"\r\n", "\n", "\r", ":", " ", "\t", ";", "=", "\"", "\\", ",", "0", "1",
        "9", "f", "FFFFFFFFFFFFFFFFF", "99999999999999999999", "HTTP/1.1 ", "HTTP/1.0 200 OK\r\n", "100 Continue\r\n",
        "Content-Length: ", "Content-Length: 5\r\n", "Transfer-Encoding: chunked\r\n", "Transfer-Encoding: gzip\r\n",
        "chunked", "Connection: close\r\n", "\r\n\r\n", "0\r\n\r\n", "5;a=\"b\"\r\nhello\r\n", "\u0000", "\u00ff",
        " \r\n obs-fold\r\n", ";;", "; ;", ";a=", ";=b", ";a=\"x\"y", ";a b", ";a=b\t", ";a=\"\\", "\"", ": ,",
        ", 5", "Content-Length: 0000000000000000000005\r\n"};

    @Test
    void onlyParseErrorsEscapeWhateverTheInput() {
        long seed = Long.getLong("pipelane.seed", System.nanoTime());
        long seconds = Long.getLong("pipelane.fuzz.seconds", 8);
        List<byte[]> seeds = new ArrayList<>();
        for (ResponseParserTableTest.Case c : ResponseParserTableTest.cases()) {
            if (c.errorType == null) seeds.add(c.input);
        }
        int[] runs = {0};
        assertTimeoutPreemptively(Duration.ofSeconds(seconds + 60), () -> {
            Random random = new Random(seed);
            long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            while (System.nanoTime() < deadline) {
                byte[] input = random.nextInt(8) == 0 ? randomBytes(random)
                        : mutate(random, seeds.get(random.nextInt(seeds.size())));
                boolean head = random.nextInt(6) == 0;
                ParserLimits limits = random.nextInt(4) == 0
                        ? new ParserLimits(16 + random.nextInt(200), 1 + random.nextInt(8), 4 + random.nextInt(40))
                        : ParserLimits.defaults();
                Eof eof = Eof.values()[random.nextInt(3)];
                check(seed, runs[0], input, head, limits, eof, random);
                runs[0]++;
            }
        }, () -> "seed " + seed + ": the parser did not return within the time bound (a loop that never ends?)");
        System.out.println("parser fuzz: " + runs[0] + " inputs in " + seconds + " s, seed " + seed);
        assertTrue(runs[0] > 100, "seed " + seed + ": only " + runs[0] + " inputs in " + seconds + " s");
    }

    private static void check(long seed, int run, byte[] input, boolean head, ParserLimits limits, Eof eof,
                              Random random) {
        List<int[]> slices = randomSlices(random, input.length);
        String where = "seed " + seed + ", input #" + run + " " + ParserRun.printable(
                new String(input, StandardCharsets.ISO_8859_1)) + (head ? " (HEAD)" : "") + " limits "
                + limits.maxResponseHeadBytes + "/" + limits.maxHeaderCount + "/" + limits.maxChunkLineBytes
                + " eof " + eof;
        Outcome whole;
        Outcome sliced;
        try {
            whole = ParserRun.run(input, ParserRun.whole(input.length), head, limits, eof);
            sliced = ParserRun.run(input, slices, head, limits, eof);
        } catch (Throwable t) {
            AssertionError e = new AssertionError(where + ": " + t, t);
            throw e;
        }
        assertEquals(whole, sliced, () -> where + ": fed whole vs in slices " + describe(slices));
        if (whole.errorType() != null) {
            assertTrue(MalformedResponseException.class.isAssignableFrom(whole.errorType()), where);
            return;
        }
        assertTrue(whole.consumed() <= input.length, where);
        if (whole.headers() != null) {
            assertTrue(whole.headers().size() <= limits.maxHeaderCount, () -> where + ": " + whole);
            int headBytes = 0;
            for (String field : whole.headers()) headBytes += field.length();
            assertTrue(headBytes <= limits.maxResponseHeadBytes, () -> where + ": " + whole);
        }
        if (whole.trailers() != null) {
            assertTrue(whole.trailers().size() <= limits.maxHeaderCount, () -> where + ": " + whole);
        }
        if (whole.body() != null) assertTrue(whole.body().length() <= input.length, where);
    }

    private static byte[] randomBytes(Random r) {
        byte[] b = new byte[r.nextInt(300)];
        if (r.nextBoolean()) {
            r.nextBytes(b);
        } else {
            // Mostly printable, with line ends: more likely to get past the status line.
            String alphabet = "HTP/1. 0123456789:;=\"\r\n\tabcdefABCDEF-";
            for (int i = 0; i < b.length; i++) b[i] = (byte) alphabet.charAt(r.nextInt(alphabet.length()));
        }
        return b;
    }

    static byte[] mutate(Random r, byte[] valid) {
        byte[] b = valid;
        for (int edits = 1 + r.nextInt(4); edits > 0; edits--) {
            int at = b.length == 0 ? 0 : r.nextInt(b.length + 1);
            switch (r.nextInt(8)) {
                case 6, 7 -> { // a token at the end of a line (any line, short ones as likely as long ones), where
                    // the grammar's tails are: chunk extensions, field values, the reason phrase
                    int lf = randomLf(r, b);
                    if (lf > 0) {
                        int end = b[lf - 1] == '\r' ? lf - 1 : lf;
                        b = splice(b, end, end, TOKENS[r.nextInt(TOKENS.length)].getBytes(StandardCharsets.ISO_8859_1));
                    }
                }
                case 0 -> { // flip a byte
                    if (at < b.length) {
                        b = b.clone();
                        b[at] = (byte) r.nextInt(256);
                    }
                }
                case 1 -> b = splice(b, at, at + Math.min(b.length - at, r.nextInt(4)), new byte[0]); // delete
                case 2 -> { // duplicate a run
                    int from = b.length == 0 ? 0 : r.nextInt(b.length);
                    int to = Math.min(b.length, from + 1 + r.nextInt(40));
                    b = splice(b, at, at, Arrays.copyOfRange(b, from, to));
                }
                case 3 -> b = splice(b, at, at + Math.min(b.length - at, r.nextInt(3)),
                        TOKENS[r.nextInt(TOKENS.length)].getBytes(StandardCharsets.ISO_8859_1));
                case 4 -> b = Arrays.copyOf(b, at); // cut
                default -> b = splice(b, at, at, TOKENS[r.nextInt(TOKENS.length)].getBytes(StandardCharsets.ISO_8859_1));
            }
        }
        return b;
    }

    private static int randomLf(Random r, byte[] b) {
        int count = 0;
        for (byte c : b) {
            if (c == '\n') count++;
        }
        if (count == 0) return -1;
        int pick = r.nextInt(count);
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\n' && pick-- == 0) return i;
        }
        return -1;
    }

    private static byte[] splice(byte[] b, int from, int to, byte[] insert) {
        byte[] out = new byte[b.length - (to - from) + insert.length];
        System.arraycopy(b, 0, out, 0, from);
        System.arraycopy(insert, 0, out, from, insert.length);
        System.arraycopy(b, to, out, from + insert.length, b.length - to);
        return out;
    }

    private static List<int[]> randomSlices(Random r, int length) {
        List<int[]> slices = new ArrayList<>();
        int pos = 0;
        while (pos < length) {
            int n = r.nextInt(4) == 0 ? 1 : 1 + r.nextInt(Math.max(1, length / 3));
            if (r.nextInt(10) == 0) slices.add(new int[] {pos, pos}); // an empty feed
            slices.add(new int[] {pos, Math.min(length, pos + n)});
            pos = Math.min(length, pos + n);
        }
        return slices;
    }

    private static String describe(List<int[]> slices) {
        StringBuilder b = new StringBuilder();
        for (int[] s : slices) b.append(s[1] - s[0]).append(' ');
        return b.toString().trim();
    }

    @Test
    void aMutatedInputIsNotAlwaysValid() {
        // Guards the fuzzer itself: its mutations must reach the error paths, not only re-parse valid input.
        Random random = new Random(42);
        byte[] valid = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1);
        int errors = 0;
        for (int i = 0; i < 200; i++) {
            byte[] input = mutate(random, valid);
            Outcome o = ParserRun.run(input, ParserRun.whole(input.length), false, ParserLimits.defaults(), Eof.CLEAN);
            if (o.errorType() != null) errors++;
        }
        if (errors == 0) fail("no mutation gave an error");
    }
}
