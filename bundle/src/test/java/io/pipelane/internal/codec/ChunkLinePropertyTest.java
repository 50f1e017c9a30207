package io.pipelane.internal.codec;

import io.pipelane.MalformedResponseException;
import io.pipelane.internal.codec.ParserRun.Eof;
import io.pipelane.internal.codec.ParserRun.Outcome;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A property test of chunk-size lines: lines generated from the grammar of RFC 9112 §7.1.1, and mutations of them,
 * are put in a chunked response; the parser must accept exactly the lines that a regular expression written from
 * the ABNF accepts (an oracle independent of the parser's code), decode the chunk they announce, and refuse the
 * others with a {@link MalformedResponseException} that names the chunk-size line.
 *
 * <p>Seeded: {@code -Dpipelane.seed=N} replays a run; a failure message starts with the seed.
 */
class ChunkLinePropertyTest {

    private static final String TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
    private static final String QUOTED = "\"(?:[\\t \\x21\\x23-\\x5B\\x5D-\\x7E\\x80-\\xFF]|\\\\[\\t \\x21-\\x7E\\x80-\\xFF])*\"";
    private static final String BWS = "[ \\t]*";
    /** chunk-size [ chunk-ext ], straight from the ABNF. */
    private static final Pattern GRAMMAR = Pattern.compile("[0-9A-Fa-f]+(?:" + BWS + ";" + BWS + TOKEN
            + "(?:" + BWS + "=" + BWS + "(?:" + TOKEN + "|" + QUOTED + "))?)*");

    private static final String TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    /** Characters mutations insert: the grammar's delimiters, whitespace, and bytes that are never allowed. */
    private static final String MUTATION_CHARS = ";=\"\\ \t ;=\"\\\t,/@()[]{}?:a1\u00e9\u0000\r\u007f\u0001";

    private static final int LINES = 6000;

    @Test
    void parserAcceptsExactlyTheGrammar() {
        long seed = Long.getLong("pipelane.seed", System.nanoTime());
        Random random = new Random(seed);
        ParserLimits limits = new ParserLimits(8192, 100, 4096);
        int valid = 0;
        int invalid = 0;
        for (int n = 0; n < LINES; n++) {
            String line = generate(random);
            if (random.nextInt(3) > 0) line = mutate(random, line);
            boolean expectValid = GRAMMAR.matcher(line).matches();
            if (expectValid) valid++;
            else invalid++;
            check(seed, random, line, expectValid, limits);
        }
        // The generator must exercise both verdicts in earnest, or the property proves little.
        assertTrue(valid > LINES / 5 && invalid > LINES / 5, "seed " + seed + ": " + valid + " valid, " + invalid
                + " invalid lines");
    }

    private static void check(long seed, Random random, String line, boolean expectValid, ParserLimits limits) {
        int digits = hexEnd(line);
        long size = digits == 0 || digits > 12 ? -1 : Long.parseLong(line.substring(0, digits), 16);
        // Small chunks carry their data and the last chunk, so a valid line must decode completely; a larger one
        // (mutations can lengthen the size) is followed by nothing, and a valid line then leaves the parser waiting.
        boolean small = size >= 0 && size <= 0xfff;
        String data = small ? "d".repeat((int) size) : "";
        String response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + line + "\r\n"
                + (small ? data + (size > 0 ? "\r\n0\r\n\r\n" : "\r\n") : "");
        byte[] input = response.getBytes(StandardCharsets.ISO_8859_1);
        String where = "seed " + seed + ", chunk-size line " + ParserRun.printable(line);
        Outcome whole = ParserRun.run(input, ParserRun.whole(input.length), false, limits, Eof.NONE);
        Outcome split = ParserRun.run(input, ParserRun.splitAt(input.length, random.nextInt(input.length + 1)),
                false, limits, Eof.NONE);
        assertEquals(whole, split, where + ": fed whole vs split");
        if (expectValid) {
            assertNull(whole.errorType(), () -> where + ": valid by the grammar, refused with " + whole);
            assertEquals(small, whole.complete(), () -> where + ": " + whole);
            assertEquals(data, whole.body(), where);
        } else {
            assertSame(MalformedResponseException.class, whole.errorType(), () -> where
                    + ": invalid by the grammar, yet " + whole);
            assertTrue(whole.errorMessage().contains("chunk"), () -> where + ": " + whole.errorMessage());
        }
    }

    private static int hexEnd(String line) {
        int i = 0;
        while (i < line.length() && Character.digit(line.charAt(i), 16) >= 0 && line.charAt(i) < 0x80) i++;
        return i;
    }

    /** A line generated from the grammar: 1-3 hex digits, then 0-4 extensions with random BWS. */
    static String generate(Random r) {
        StringBuilder b = new StringBuilder();
        int digits = 1 + r.nextInt(3);
        for (int i = 0; i < digits; i++) b.append("0123456789abcdefABCDEF".charAt(r.nextInt(22)));
        int extensions = r.nextInt(5);
        for (int e = 0; e < extensions; e++) {
            b.append(bws(r)).append(';').append(bws(r)).append(token(r));
            if (r.nextBoolean()) {
                b.append(bws(r)).append('=').append(bws(r));
                b.append(r.nextBoolean() ? token(r) : quoted(r));
            }
        }
        return b.toString();
    }

    private static String bws(Random r) {
        if (r.nextInt(3) > 0) return "";
        StringBuilder b = new StringBuilder();
        for (int i = 1 + r.nextInt(2); i > 0; i--) b.append(r.nextBoolean() ? ' ' : '\t');
        return b.toString();
    }

    private static String token(Random r) {
        StringBuilder b = new StringBuilder();
        for (int i = 1 + r.nextInt(6); i > 0; i--) b.append(TCHARS.charAt(r.nextInt(TCHARS.length())));
        return b.toString();
    }

    private static String quoted(Random r) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = r.nextInt(6); i > 0; i--) {
            switch (r.nextInt(5)) {
                case 0 -> b.append('\\').append("\"\\ a\u00e9".charAt(r.nextInt(5)));
                case 1 -> b.append(" \t;=,".charAt(r.nextInt(5)));
                case 2 -> b.append('\u00e0');
                default -> b.append(TCHARS.charAt(r.nextInt(TCHARS.length())));
            }
        }
        return b.append('"').toString();
    }

    /** One to three edits: insert, delete or replace a character (never in the first hex digit's place). */
    static String mutate(Random r, String line) {
        StringBuilder b = new StringBuilder(line);
        for (int edits = 1 + r.nextInt(3); edits > 0; edits--) {
            int at = 1 + r.nextInt(b.length());
            char c = MUTATION_CHARS.charAt(r.nextInt(MUTATION_CHARS.length()));
            switch (r.nextInt(3)) {
                case 0 -> b.insert(at, c);
                case 1 -> {
                    if (at < b.length()) b.deleteCharAt(at);
                }
                default -> {
                    if (at < b.length()) b.setCharAt(at, c);
                    else b.append(c);
                }
            }
        }
        return b.toString();
    }

    @Test
    void oracleAgreesWithTheTableOnTheIssuesExamples() {
        // The regular expression itself is checked against the forms the issue lists, so a wrong oracle cannot
        // make the property pass.
        for (String ok : List.of("2;a=b", "2; a = \"x y\"", "2;a;b=c", "2 ;a", "2", "2;a=\"\\\"\"")) {
            assertTrue(GRAMMAR.matcher(ok).matches(), ok);
        }
        for (String bad : List.of("2;", "2;a=", "2;;", "2; ;", "2;=b", "2;a=b\t", "2;a=b c", "2;a b", "2;a=\"x\"y",
                "2 ")) {
            assertTrue(!GRAMMAR.matcher(bad).matches(), bad);
        }
    }
}
