package io.pipelane.internal.codec;

import io.pipelane.HttpVersion;
import io.pipelane.LimitExceededException;
import io.pipelane.MalformedResponseException;
import io.pipelane.internal.codec.ParserRun.Eof;
import io.pipelane.internal.codec.ParserRun.Outcome;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static io.pipelane.internal.codec.BodyFraming.CHUNKED;
import static io.pipelane.internal.codec.BodyFraming.CLOSE_DELIMITED;
import static io.pipelane.internal.codec.BodyFraming.CONTENT_LENGTH;
import static io.pipelane.internal.codec.BodyFraming.NONE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The response parser against a table of valid and invalid responses, written from RFC 9112 and from the cases
 * of well-known parser test suites (llhttp / http-parser, httparse, Netty's HttpResponseDecoder, h11).
 *
 * <p>Every case is run three ways: fed whole, fed one byte at a time, and split into two feeds at every
 * position; the last two also with the body bytes at the start of each feed handed over in place
 * ({@link ResponseParser#bodyArrived}, as the reader does when it reads a large body straight into its sink). All runs must give exactly the same outcome (heads, body bytes, trailers, framing, keep-alive,
 * bytes consumed, or the same error with the same message), and that outcome must be the one the case expects.
 */
class ResponseParserTableTest {

    private static final String OK = "HTTP/1.1 200 OK\r\n";
    private static final String CL0 = "Content-Length: 0\r\n";
    private static final String CHUNKED_TE = "Transfer-Encoding: chunked\r\n";

    private static ParserLimits limits(int headBytes, int headerCount, int chunkLine) {
        return new ParserLimits(headBytes, headerCount, chunkLine);
    }

    static List<Case> cases() {
        List<Case> t = new ArrayList<>();

        // ---- status line: valid ------------------------------------------------------------------------------
        t.add(ok("minimal 200 with Content-Length: 0", OK + CL0 + "\r\n")
                .resp(200, "OK", "Content-Length", "0").body("", NONE, true));
        t.add(ok("200 with a Content-Length body", OK + "Content-Length: 5\r\n\r\nhello")
                .resp(200, "OK", "Content-Length", "5").body("hello", CONTENT_LENGTH, true));
        t.add(ok("reason phrase with spaces", "HTTP/1.1 404 Not Found\r\n" + CL0 + "\r\n")
                .resp(404, "Not Found", "Content-Length", "0").body("", NONE, true));
        t.add(ok("empty reason phrase after the space", "HTTP/1.1 200 \r\n" + CL0 + "\r\n")
                .resp(200, "", "Content-Length", "0").body("", NONE, true));
        t.add(ok("no reason phrase and no space (httparse, h11 accept it)", "HTTP/1.1 200\r\n" + CL0 + "\r\n")
                .resp(200, "", "Content-Length", "0").body("", NONE, true));
        t.add(ok("reason phrase with obs-text", "HTTP/1.1 200 Caf\u00e9\r\n" + CL0 + "\r\n")
                .resp(200, "Caf\u00e9", "Content-Length", "0").body("", NONE, true));
        t.add(ok("reason phrase with HTAB", "HTTP/1.1 200 O\tK\r\n" + CL0 + "\r\n")
                .resp(200, "O\tK", "Content-Length", "0").body("", NONE, true));
        t.add(ok("status 599 with a reason of digits", "HTTP/1.1 599 599\r\n" + CL0 + "\r\n")
                .resp(599, "599", "Content-Length", "0").body("", NONE, true));
        t.add(ok("HTTP/1.2 is read as the highest 1.x supported (RFC 9112 §2.3)",
                "HTTP/1.2 200 OK\r\n" + CL0 + "\r\n")
                .resp(200, "OK", "Content-Length", "0").body("", NONE, true));
        t.add(ok("empty lines before the status line are skipped", "\r\n\r\n" + OK + CL0 + "\r\n")
                .resp(200, "OK", "Content-Length", "0").body("", NONE, true));
        t.add(ok("bare LF line endings (RFC 9112 §2.2)", "HTTP/1.1 200 OK\nContent-Length: 2\n\nhi")
                .resp(200, "OK", "Content-Length", "2").body("hi", CONTENT_LENGTH, true));
        t.add(ok("mixed CRLF and LF line endings", "HTTP/1.1 200 OK\nX-A: 1\r\nContent-Length: 2\n\r\nhi")
                .resp(200, "OK", "X-A", "1", "Content-Length", "2").body("hi", CONTENT_LENGTH, true));
        t.add(ok("bytes after the response are not consumed", OK + "Content-Length: 2\r\n\r\nhi").followedBy("HTTP/1.1")
                .resp(200, "OK", "Content-Length", "2").body("hi", CONTENT_LENGTH, true));

        // ---- status line: invalid ----------------------------------------------------------------------------
        t.add(bad("two-digit status code", "HTTP/1.1 20 OK\r\n\r\n", "invalid status code"));
        t.add(bad("four-digit status code", "HTTP/1.1 2000 OK\r\n\r\n", "the status code is followed by '0'"));
        t.add(bad("letters as status code", "HTTP/1.1 abc OK\r\n\r\n", "invalid status code"));
        t.add(bad("status code starting with 0", "HTTP/1.1 099 OK\r\n\r\n", "invalid status code"));
        t.add(bad("HTTP/2.0 on an HTTP/1.1 connection", "HTTP/2.0 200 OK\r\n\r\n", "expected HTTP/1.x"));
        t.add(bad("lower-case protocol name", "http/1.1 200 OK\r\n\r\n", "invalid status line \"http/1.1 200 OK\""));
        t.add(bad("two spaces before the status code", "HTTP/1.1  200 OK\r\n\r\n", "invalid status code"));
        t.add(bad("HTAB between version and status", "HTTP/1.1\t200 OK\r\n\r\n", "expected HTTP/1.x followed by a space"));
        t.add(bad("space before the status line", " HTTP/1.1 200 OK\r\n\r\n", "invalid status line"));
        t.add(bad("HTAB after the status code", "HTTP/1.1 200\tOK\r\n\r\n", "the status code is followed by 0x09"));
        t.add(bad("NUL in the reason phrase", "HTTP/1.1 200 O\0K\r\n\r\n", "invalid character NUL in the reason phrase"));
        t.add(bad("DEL in the reason phrase", "HTTP/1.1 200 O\u007fK\r\n\r\n", "invalid character 0x7F in the reason phrase"));
        t.add(bad("bare CR in the reason phrase", "HTTP/1.1 200 O\rK\r\n\r\n", "invalid character CR in the reason phrase"));
        t.add(bad("CR CR LF after the status line", "HTTP/1.1 200 OK\r\r\n\r\n", "invalid character CR in the reason phrase"));
        t.add(bad("version only", "HTTP/1.1\r\n\r\n", "invalid status line \"HTTP/1.1\""));
        t.add(bad("ICY protocol (SHOUTcast)", "ICY 200 OK\r\n\r\n", "invalid status line"));
        t.add(bad("non-digit minor version", "HTTP/1.x 200 OK\r\n\r\n", "invalid status line"));
        t.add(bad("version without a dot", "HTTP/11 200 OK\r\n\r\n", "invalid status line"));
        t.add(bad("NUL instead of the space after the version", "HTTP/1.1\0" + "200 OK\r\n\r\n", "invalid status line"));
        t.add(bad("a request line instead of a status line", "GET / HTTP/1.1\r\n\r\n", "invalid status line"));

        // ---- field lines: valid ------------------------------------------------------------------------------
        t.add(ok("order and duplicates are kept", OK + "Set-Cookie: a=1\r\nX-B: 2\r\nSet-Cookie: b=2\r\n" + CL0 + "\r\n")
                .resp(200, "OK", "Set-Cookie", "a=1", "X-B", "2", "Set-Cookie", "b=2", "Content-Length", "0")
                .body("", NONE, true));
        t.add(ok("OWS around the value is trimmed", OK + "X-A:  \t v \t \r\n" + CL0 + "\r\n")
                .resp(200, "OK", "X-A", "v", "Content-Length", "0").body("", NONE, true));
        t.add(ok("no space after the colon", OK + "X-A:v\r\n" + CL0 + "\r\n")
                .resp(200, "OK", "X-A", "v", "Content-Length", "0").body("", NONE, true));
        t.add(ok("empty value", OK + "X-Empty:\r\nX-Blank:   \r\n" + CL0 + "\r\n")
                .resp(200, "OK", "X-Empty", "", "X-Blank", "", "Content-Length", "0").body("", NONE, true));
        t.add(ok("obs-text in a value is read as ISO-8859-1", OK + "X-A: caf\u00e9 \u00ff\r\n" + CL0 + "\r\n")
                .resp(200, "OK", "X-A", "caf\u00e9 \u00ff", "Content-Length", "0").body("", NONE, true));
        t.add(ok("inner whitespace of a value is kept", OK + "X-A: a \t b\r\n" + CL0 + "\r\n")
                .resp(200, "OK", "X-A", "a \t b", "Content-Length", "0").body("", NONE, true));
        t.add(ok("every tchar in a field name", OK + "!#$%&'*+-.^_`|~09azAZ: x\r\n" + CL0 + "\r\n")
                .resp(200, "OK", "!#$%&'*+-.^_`|~09azAZ", "x", "Content-Length", "0").body("", NONE, true));
        t.add(ok("colons inside a value", OK + "Location: http://example.com:8080/a\r\n" + CL0 + "\r\n")
                .resp(200, "OK", "Location", "http://example.com:8080/a", "Content-Length", "0").body("", NONE, true));
        t.add(ok("obs-fold is unfolded into spaces (RFC 9112 §5.2)",
                OK + "X-Folded: a\r\n  b\r\n\tc\r\n" + CL0 + "\r\n")
                .resp(200, "OK", "X-Folded", "a b c", "Content-Length", "0").body("", NONE, true));
        t.add(ok("obs-fold after an empty value", OK + "X-Folded:\r\n b\r\n" + CL0 + "\r\n")
                .resp(200, "OK", "X-Folded", "b", "Content-Length", "0").body("", NONE, true));
        t.add(ok("obs-fold line of whitespace only", OK + "X-Folded: a\r\n   \r\n" + CL0 + "\r\n")
                .resp(200, "OK", "X-Folded", "a", "Content-Length", "0").body("", NONE, true));
        t.add(ok("obs-fold inside Transfer-Encoding", OK + "Transfer-Encoding: gzip,\r\n chunked\r\n\r\n0\r\n\r\n")
                .resp(200, "OK", "Transfer-Encoding", "gzip, chunked").body("", CHUNKED, true));
        t.add(ok("lower-case content-length", OK + "content-length: 2\r\n\r\nhi")
                .resp(200, "OK", "content-length", "2").body("hi", CONTENT_LENGTH, true));
        t.add(ok("upper-case CONTENT-LENGTH", OK + "CONTENT-LENGTH: 2\r\n\r\nhi")
                .resp(200, "OK", "CONTENT-LENGTH", "2").body("hi", CONTENT_LENGTH, true));

        // ---- field lines: invalid ----------------------------------------------------------------------------
        t.add(bad("space before the colon (RFC 9112 §5.1)", OK + "Content-Length : 5\r\n\r\nhello",
                "whitespace between header field name \"Content-Length\" and the colon"));
        t.add(bad("HTAB before the colon", OK + "X-A\t: v\r\n\r\n", "whitespace between header field name \"X-A\""));
        t.add(bad("space inside a field name", OK + "X Foo: v\r\n\r\n", "whitespace between header field name \"X\""));
        t.add(bad("line without a colon", OK + "NoColonHere\r\n\r\n", "header line without a colon: \"NoColonHere\""));
        t.add(bad("empty field name", OK + ": v\r\n\r\n", "empty header field name"));
        t.add(bad("NUL in a field name", OK + "X-\0A: v\r\n\r\n", "invalid character NUL in header field name"));
        t.add(bad("NUL in a value", OK + "X-A: a\0b\r\n\r\n", "invalid character NUL in the value of field \"X-A\""));
        t.add(bad("bare CR inside a value", OK + "X-A: a\rb\r\n\r\n", "invalid character CR in the value of field \"X-A\""));
        t.add(bad("CR CR LF after a value", OK + "X-A: a\r\r\n\r\n", "invalid character CR in the value of field \"X-A\""));
        t.add(bad("bare CR ending a field line (no LF)", OK + "X-A: a\rX-B: b\r\n\r\n", "invalid character CR in the value"));
        t.add(bad("DEL in a value", OK + "X-A: a\u007fb\r\n\r\n", "invalid character 0x7F in the value of field \"X-A\""));
        t.add(bad("SOH in a value", OK + "X-A: a\u0001b\r\n\r\n", "invalid character 0x01 in the value of field \"X-A\""));
        t.add(bad("VT in a value", OK + "X-A: a\u000bb\r\n\r\n", "invalid character 0x0B"));
        t.add(bad("ESC in a value", OK + "X-A: \u001b[31m\r\n\r\n", "invalid character 0x1B"));
        t.add(bad("'(' in a field name", OK + "X(Y): v\r\n\r\n", "invalid character '(' (U+0028) in header field name"));
        t.add(bad("'/' in a field name", OK + "X/Y: v\r\n\r\n", "invalid character '/' (U+002F) in header field name"));
        t.add(bad("obs-text in a field name", OK + "Caf\u00e9: v\r\n\r\n", "in header field name"));
        t.add(bad("a lone CR line instead of the empty line", OK + CL0 + "\r\r\n", "invalid character CR in header field name"));
        t.add(bad("obs-fold before the first field (SP)", OK + " X-A: v\r\n\r\n",
                "obs-fold (a line starting with whitespace) before the first header field"));
        t.add(bad("obs-fold before the first field (HTAB)", OK + "\tX-A: v\r\n\r\n", "before the first header field"));
        t.add(bad("control character inside obs-fold", OK + "X-A: a\r\n b\u0001\r\n\r\n",
                "invalid character 0x01 in the value of field \"X-A\""));

        // ---- Content-Length ----------------------------------------------------------------------------------
        t.add(ok("repeated equal Content-Length (RFC 9112 §6.3)", OK + "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc")
                .resp(200, "OK", "Content-Length", "3", "Content-Length", "3").body("abc", CONTENT_LENGTH, true));
        t.add(ok("Content-Length list of equal values", OK + "Content-Length: 3, 3\r\n\r\nabc")
                .resp(200, "OK", "Content-Length", "3, 3").body("abc", CONTENT_LENGTH, true));
        t.add(ok("Content-Length with leading zeros", OK + "Content-Length: 003\r\n\r\nabc")
                .resp(200, "OK", "Content-Length", "003").body("abc", CONTENT_LENGTH, true));
        t.add(ok("body bytes are not scanned for CRLF", OK + "Content-Length: 9\r\n\r\n\r\n0\r\n\r\n\0\n")
                .resp(200, "OK", "Content-Length", "9").body("\r\n0\r\n\r\n\0\n", CONTENT_LENGTH, true));
        t.add(bad("conflicting Content-Length fields", OK + "Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
                "conflicting Content-Length values 3 and 4"));
        t.add(bad("conflicting Content-Length list", OK + "Content-Length: 3, 4\r\n\r\nabcd",
                "conflicting Content-Length values 3 and 4"));
        t.add(bad("Content-Length with a plus sign", OK + "Content-Length: +3\r\n\r\nabc", "invalid Content-Length \"+3\""));
        t.add(bad("negative Content-Length", OK + "Content-Length: -1\r\n\r\n", "invalid Content-Length \"-1\""));
        t.add(bad("space inside Content-Length", OK + "Content-Length: 1 2\r\n\r\n", "invalid Content-Length \"1 2\""));
        t.add(bad("Content-Length overflowing 64 bits", OK + "Content-Length: 99999999999999999999\r\n\r\n",
                "invalid Content-Length \"99999999999999999999\""));
        t.add(bad("hexadecimal Content-Length", OK + "Content-Length: 0x10\r\n\r\n", "invalid Content-Length \"0x10\""));
        t.add(bad("empty Content-Length", OK + "Content-Length:\r\n\r\n", "invalid Content-Length \"\""));
        t.add(bad("Content-Length with a trailing comma", OK + "Content-Length: 3,\r\n\r\nabc", "invalid Content-Length \"\""));
        t.add(bad("Content-Length with a decimal point", OK + "Content-Length: 3.0\r\n\r\nabc", "invalid Content-Length \"3.0\""));
        t.add(ok("Content-Length of 19 digits with leading zeros", OK + "Content-Length: 0000000000000000002\r\n\r\nok")
                .resp(200, "OK", "Content-Length", "0000000000000000002").body("ok", CONTENT_LENGTH, true));
        t.add(ok("Content-Length of 60 digits with leading zeros", OK + "Content-Length: " + "0".repeat(59) + "3\r\n\r\nabc")
                .resp(200, "OK", "Content-Length", "0".repeat(59) + "3").body("abc", CONTENT_LENGTH, true));
        t.add(ok("Content-Length of zeros only", OK + "Content-Length: " + "0".repeat(30) + "\r\n\r\n").followedBy("x")
                .resp(200, "OK", "Content-Length", "0".repeat(30)).body("", NONE, true));
        t.add(ok("equal Content-Length values written differently", OK + "Content-Length: 2, 0002\r\n\r\nok")
                .resp(200, "OK", "Content-Length", "2, 0002").body("ok", CONTENT_LENGTH, true));
        t.add(ok("Content-Length of 2^63-1 waits for its body", OK + "Content-Length: 09223372036854775807\r\n\r\nab")
                .resp(200, "OK", "Content-Length", "09223372036854775807").body("ab", CONTENT_LENGTH, true).incomplete());
        t.add(bad("Content-Length of 2^63", OK + "Content-Length: 9223372036854775808\r\n\r\n",
                "invalid Content-Length \"9223372036854775808\": larger than 2^63-1"));
        t.add(bad("Content-Length of 2^64 behind leading zeros", OK + "Content-Length: 00018446744073709551616\r\n\r\n",
                "invalid Content-Length \"00018446744073709551616\": larger than 2^63-1"));
        t.add(bad("Content-Length body cut by the end of input", OK + "Content-Length: 10\r\n\r\nabc",
                "response truncated: connection closed after 3 of 10 body bytes").eof());
        t.add(bad("Content-Length body cut by an unclean TLS close", OK + "Content-Length: 10\r\n\r\nabc",
                "after 3 of 10 body bytes").eofUnclean());

        // ---- Transfer-Encoding -------------------------------------------------------------------------------
        t.add(ok("chunked body", OK + CHUNKED_TE + "\r\n5\r\nhello\r\n0\r\n\r\n")
                .resp(200, "OK", "Transfer-Encoding", "chunked").body("hello", CHUNKED, true));
        t.add(ok("several chunks", OK + CHUNKED_TE + "\r\n5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n")
                .resp(200, "OK", "Transfer-Encoding", "chunked").body("hello world", CHUNKED, true));
        t.add(ok("chunked with no data chunk", OK + CHUNKED_TE + "\r\n0\r\n\r\n")
                .resp(200, "OK", "Transfer-Encoding", "chunked").body("", CHUNKED, true));
        t.add(ok("Chunked in mixed case", OK + "Transfer-Encoding: Chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n")
                .resp(200, "OK", "Transfer-Encoding", "Chunked").body("hi", CHUNKED, true));
        t.add(ok("gzip, chunked is chunked (codings are not decoded)",
                OK + "Transfer-Encoding: gzip, chunked\r\n\r\n3\r\n\u001f\u008b\b\r\n0\r\n\r\n")
                .resp(200, "OK", "Transfer-Encoding", "gzip, chunked").body("\u001f\u008b\b", CHUNKED, true));
        t.add(ok("gzip and chunked in two fields", OK + "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                .resp(200, "OK", "Transfer-Encoding", "gzip", "Transfer-Encoding", "chunked").body("", CHUNKED, true));
        t.add(ok("empty list elements in Transfer-Encoding", OK + "Transfer-Encoding: , chunked\r\n\r\n0\r\n\r\n")
                .resp(200, "OK", "Transfer-Encoding", ", chunked").body("", CHUNKED, true));
        t.add(ok("gzip only: close-delimited (RFC 9112 §6.3)", OK + "Transfer-Encoding: gzip\r\n\r\n5\r\nabc")
                .resp(200, "OK", "Transfer-Encoding", "gzip").body("5\r\nabc", CLOSE_DELIMITED, false).eof());
        t.add(ok("chunked, gzip: close-delimited", OK + "Transfer-Encoding: chunked, gzip\r\n\r\nxyz")
                .resp(200, "OK", "Transfer-Encoding", "chunked, gzip").body("xyz", CLOSE_DELIMITED, false).eof());
        t.add(bad("Transfer-Encoding and Content-Length", OK + CHUNKED_TE + "Content-Length: 5\r\n\r\n0\r\n\r\n",
                "both Transfer-Encoding and Content-Length"));
        t.add(bad("Content-Length then Transfer-Encoding", OK + "Content-Length: 5\r\n" + CHUNKED_TE + "\r\nhello",
                "both Transfer-Encoding and Content-Length"));
        t.add(bad("Transfer-Encoding in HTTP/1.0", "HTTP/1.0 200 OK\r\n" + CHUNKED_TE + "\r\n0\r\n\r\n",
                "HTTP/1.0 response with Transfer-Encoding"));
        t.add(bad("chunked twice in one field", OK + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
                "chunked more than once"));
        t.add(bad("chunked twice in two fields", OK + CHUNKED_TE + CHUNKED_TE + "\r\n0\r\n\r\n", "chunked more than once"));
        t.add(bad("empty Transfer-Encoding", OK + "Transfer-Encoding:\r\n\r\n", "empty Transfer-Encoding"));
        t.add(bad("Transfer-Encoding that is not a token", OK + "Transfer-Encoding: chu\"nked\r\n\r\n",
                "invalid transfer coding \"chu\"nked\""));

        // ---- chunk-size lines --------------------------------------------------------------------------------
        t.add(ok("upper-case hex chunk size", OK + CHUNKED_TE + "\r\nA\r\n0123456789\r\n0\r\n\r\n")
                .resp(200, "OK", "Transfer-Encoding", "chunked").body("0123456789", CHUNKED, true));
        t.add(ok("lower-case hex chunk size", OK + CHUNKED_TE + "\r\na\r\n0123456789\r\n0\r\n\r\n")
                .resp(200, "OK", "Transfer-Encoding", "chunked").body("0123456789", CHUNKED, true));
        t.add(ok("two-digit hex chunk size", OK + CHUNKED_TE + "\r\n1a\r\n" + "x".repeat(26) + "\r\n0\r\n\r\n")
                .resp(200, "OK", "Transfer-Encoding", "chunked").body("x".repeat(26), CHUNKED, true));
        t.add(ok("leading zeros in chunk sizes", OK + CHUNKED_TE + "\r\n0005\r\nhello\r\n000000000000000000000\r\n\r\n")
                .resp(200, "OK", "Transfer-Encoding", "chunked").body("hello", CHUNKED, true));
        t.add(ok("chunk extension", OK + CHUNKED_TE + "\r\n5;name=value\r\nhello\r\n0\r\n\r\n")
                .resp(200, "OK", "Transfer-Encoding", "chunked").body("hello", CHUNKED, true));
        t.add(ok("chunk extensions with BWS", OK + CHUNKED_TE + "\r\n5 ; a = b;c\t;d\r\nhello\r\n0\r\n\r\n")
                .resp(200, "OK", "Transfer-Encoding", "chunked").body("hello", CHUNKED, true));
        t.add(ok("quoted chunk extension value", OK + CHUNKED_TE + "\r\n5;name=\"a b;c\"\r\nhello\r\n0\r\n\r\n")
                .resp(200, "OK", "Transfer-Encoding", "chunked").body("hello", CHUNKED, true));
        t.add(ok("extension on the last chunk", OK + CHUNKED_TE + "\r\n2\r\nhi\r\n0;done=1\r\n\r\n")
                .resp(200, "OK", "Transfer-Encoding", "chunked").body("hi", CHUNKED, true));
        t.add(ok("chunked body with bare LF lines", "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n2\nhi\n0\n\n")
                .resp(200, "OK", "Transfer-Encoding", "chunked").body("hi", CHUNKED, true));
        t.add(ok("chunk data holding CRLF and a fake last chunk", OK + CHUNKED_TE + "\r\n7\r\n\r\n0\r\n\r\n\r\n0\r\n\r\n")
                .resp(200, "OK", "Transfer-Encoding", "chunked").body("\r\n0\r\n\r\n", CHUNKED, true));
        t.add(ok("bytes after a chunked response are not consumed", OK + CHUNKED_TE + "\r\n0\r\n\r\n").followedBy("HTTP")
                .resp(200, "OK", "Transfer-Encoding", "chunked").body("", CHUNKED, true));
        t.add(bad("chunk size overflowing 64 bits", OK + CHUNKED_TE + "\r\nFFFFFFFFFFFFFFFFF\r\n", "chunk size overflows"));
        t.add(bad("chunk size of 2^64", OK + CHUNKED_TE + "\r\n10000000000000000\r\n", "chunk size overflows"));
        t.add(bad("garbage after the chunk size", OK + CHUNKED_TE + "\r\n5x\r\nhello\r\n0\r\n\r\n", "garbage after the size"));
        t.add(bad("whitespace after the chunk size without extension", OK + CHUNKED_TE + "\r\n5 \r\nhello\r\n0\r\n\r\n",
                "invalid chunk-size line \"5 \": whitespace at the end of the line"));
        t.add(bad("0x prefix on a chunk size", OK + CHUNKED_TE + "\r\n0x5\r\nhello\r\n0\r\n\r\n", "garbage after the size"));
        t.add(bad("negative chunk size", OK + CHUNKED_TE + "\r\n-5\r\nhello\r\n0\r\n\r\n", "invalid chunk-size line \"-5\""));
        t.add(bad("whitespace before the chunk size", OK + CHUNKED_TE + "\r\n 5\r\nhello\r\n0\r\n\r\n",
                "invalid chunk-size line \" 5\""));
        t.add(bad("empty chunk-size line", OK + CHUNKED_TE + "\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "invalid chunk-size line \"\""));
        t.add(bad("NUL in a chunk extension", OK + CHUNKED_TE + "\r\n5;a\0b\r\nhello\r\n0\r\n\r\n",
                "invalid character NUL in a chunk extension"));
        t.add(bad("bare CR in a chunk extension", OK + CHUNKED_TE + "\r\n5;a\rb\r\nhello\r\n0\r\n\r\n",
                "invalid character CR in a chunk extension"));
        // ---- chunk extensions (RFC 9112 §7.1.1) -------------------------------------------------------------------
        String[][] validExt = {
                {";a=b", "name=token value"}, {"; a = \"x y\"", "BWS around ; and =, quoted value with a space"},
                {";a;b=c", "a name without value, then one with"}, {" ;a", "BWS before the first ;"},
                {"\t; \ta\t=\tb", "HTAB as BWS"}, {";a=b ;c", "BWS before the next ;"},
                {";a=\"\"", "empty quoted value"}, {";a=\"q\\\"x\\\\\"", "quoted-pairs in the value"},
                {";a=\"\u00e9\"", "obs-text in a quoted value"}, {";!#$%&'*+-.^_`|~09azAZ=!#$%&'*+-.^_`|~09azAZ", "every tchar"},
                {";a=\"x;y=z\";b", "; and = inside a quoted value"},
        };
        for (String[] v : validExt) {
            t.add(ok("valid chunk extension: " + v[1], OK + CHUNKED_TE + "\r\n2" + v[0] + "\r\nok\r\n0" + v[0] + "\r\n\r\n")
                    .resp(200, "OK", "Transfer-Encoding", "chunked").body("ok", CHUNKED, true));
        }
        String[][] invalidExt = {
                {";", "empty chunk extension name at index 2"}, {";a=", "empty chunk extension value at index 4"},
                {";;", "empty chunk extension name at index 2"}, {"; ;", "empty chunk extension name at index 3"},
                {";=b", "empty chunk extension name at index 2"}, {";a=b\t", "whitespace at the end of the line"},
                {";a=b ", "whitespace at the end of the line"}, {";a ", "whitespace at the end of the line"},
                {";a=b c", "expected ';' at index 6"}, {";a b", "expected ';' at index 4"},
                {";a=\"x\"y", "expected ';' at index 7"}, {";a=\"x", "unterminated quoted string at index 4"},
                {";a=\"x\\\"", "unterminated quoted string at index 4"}, {";a==b", "empty chunk extension value"},
                {";a=b=c", "expected ';' at index 5"}, {";a=x\"y\"", "expected ';' at index 5"},
                {"; a = ", "empty chunk extension value at index 7"}, {";a@b", "expected ';' at index 3"},
                {";a=b/c", "expected ';' at index 5"}, {";\u00e9", "empty chunk extension name at index 2"},
                {"x;a", "garbage after the size"},
        };
        for (String[] v : invalidExt) {
            t.add(bad("invalid chunk extension " + ParserRun.printable(v[0]),
                    OK + CHUNKED_TE + "\r\n2" + v[0] + "\r\nok\r\n0\r\n\r\n",
                    "invalid chunk-size line \"2" + ParserRun.printable(v[0]) + "\": " + v[1]));
            t.add(bad("invalid chunk extension on the last chunk " + ParserRun.printable(v[0]),
                    OK + CHUNKED_TE + "\r\n0" + v[0] + "\r\n\r\n", "invalid chunk-size line \"0"));
        }
        t.add(bad("the reported reproduction: 2;a= (issue 15)", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "2;a=\r\nok\r\n0\r\n\r\n", "invalid chunk-size line \"2;a=\": empty chunk extension value"));
        t.add(bad("chunk data not followed by CRLF", OK + CHUNKED_TE + "\r\n5\r\nhelloX\r\n0\r\n\r\n",
                "chunk data not followed by CRLF"));
        t.add(bad("chunk longer than its size", OK + CHUNKED_TE + "\r\n3\r\nhello\r\n0\r\n\r\n",
                "chunk data not followed by CRLF"));
        t.add(bad("chunked body cut in chunk data", OK + CHUNKED_TE + "\r\n5\r\nhel",
                "response truncated: connection closed in a chunked body, after 3 body bytes").eof());
        t.add(bad("chunked body cut before the last chunk", OK + CHUNKED_TE + "\r\n5\r\nhello\r\n",
                "in a chunked body, after 5 body bytes").eof());
        t.add(bad("chunked body cut in the trailer section", OK + CHUNKED_TE + "\r\n0\r\nX-T: 1\r\n",
                "in the trailer fields").eof());

        // ---- trailers ----------------------------------------------------------------------------------------
        t.add(ok("trailer fields", OK + CHUNKED_TE + "\r\n2\r\nhi\r\n0\r\nX-Checksum: abc\r\nX-Other:  1 \r\n\r\n")
                .resp(200, "OK", "Transfer-Encoding", "chunked").body("hi", CHUNKED, true)
                .trailers("X-Checksum", "abc", "X-Other", "1"));
        t.add(ok("obs-fold in a trailer field is unfolded", OK + CHUNKED_TE + "\r\n0\r\nX-T: a\r\n b\r\n\r\n")
                .resp(200, "OK", "Transfer-Encoding", "chunked").body("", CHUNKED, true).trailers("X-T", "a b"));
        t.add(ok("Content-Length in trailers does not frame anything", OK + CHUNKED_TE + "\r\n0\r\nContent-Length: 9\r\n\r\n")
                .resp(200, "OK", "Transfer-Encoding", "chunked").body("", CHUNKED, true).trailers("Content-Length", "9"));
        t.add(bad("whitespace before the colon in a trailer", OK + CHUNKED_TE + "\r\n0\r\nX-T : 1\r\n\r\n",
                "whitespace between trailer field name \"X-T\""));
        t.add(bad("obs-fold before the first trailer field", OK + CHUNKED_TE + "\r\n0\r\n X-T: 1\r\n\r\n",
                "before the first trailer field"));
        t.add(bad("NUL in a trailer value", OK + CHUNKED_TE + "\r\n0\r\nX-T: a\0\r\n\r\n",
                "invalid character NUL in the value of field \"X-T\""));

        // ---- HEAD ------------------------------------------------------------------------------------------------
        t.add(ok("HEAD response with Content-Length has no body", OK + "Content-Length: 11\r\n\r\n")
                .headRequest().resp(200, "OK", "Content-Length", "11").body("", NONE, true));
        t.add(ok("HEAD response with Content-Length: bytes after it are not the body",
                OK + "Content-Length: 11\r\n\r\n").followedBy("hello world")
                .headRequest().resp(200, "OK", "Content-Length", "11").body("", NONE, true));
        t.add(ok("HEAD response with chunked has no body", OK + CHUNKED_TE + "\r\n")
                .headRequest().resp(200, "OK", "Transfer-Encoding", "chunked").body("", NONE, true));
        t.add(ok("HEAD response without framing is not close-delimited", OK + "Server: x\r\n\r\n")
                .headRequest().resp(200, "OK", "Server", "x").body("", NONE, true));
        t.add(ok("HEAD response in HTTP/1.0 without keep-alive", "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n")
                .headRequest().v10().resp(200, "OK", "Content-Length", "5").body("", NONE, false));
        t.add(bad("HEAD response with Transfer-Encoding and Content-Length", OK + CHUNKED_TE + "Content-Length: 5\r\n\r\n",
                "both Transfer-Encoding and Content-Length").headRequest());
        t.add(ok("HEAD response with conflicting Content-Length: no body is framed (§6.3 rule 1)",
                OK + "Content-Length: 1\r\nContent-Length: 2\r\n\r\n").headRequest()
                .resp(200, "OK", "Content-Length", "1", "Content-Length", "2").body("", NONE, true));
        t.add(ok("HEAD response with Content-Length: abc keeps the raw value", OK + "Content-Length: abc\r\n\r\n")
                .headRequest().resp(200, "OK", "Content-Length", "abc").body("", NONE, true));
        t.add(ok("HEAD response with an empty Content-Length", OK + "Content-Length:\r\n\r\n").followedBy("HTTP/1.1")
                .headRequest().resp(200, "OK", "Content-Length", "").body("", NONE, true));
        t.add(ok("HEAD response with an overflowing Content-Length", OK + "Content-Length: 99999999999999999999\r\n\r\n")
                .headRequest().resp(200, "OK", "Content-Length", "99999999999999999999").body("", NONE, true));
        t.add(ok("HEAD response with an invalid Transfer-Encoding", OK + "Transfer-Encoding: chunked, chunked\r\n\r\n")
                .headRequest().resp(200, "OK", "Transfer-Encoding", "chunked, chunked").body("", NONE, true));
        t.add(bad("HEAD response in HTTP/1.0 with Transfer-Encoding", "HTTP/1.0 200 OK\r\n" + CHUNKED_TE + "\r\n",
                "HTTP/1.0 response with Transfer-Encoding").headRequest());

        // ---- 1xx ---------------------------------------------------------------------------------------------
        t.add(ok("100 Continue before the final response", "HTTP/1.1 100 Continue\r\n\r\n" + OK + "Content-Length: 2\r\n\r\nhi")
                .interim("HTTP/1.1 100 Continue []")
                .resp(200, "OK", "Content-Length", "2").body("hi", CONTENT_LENGTH, true));
        t.add(ok("102 Processing before the final response", "HTTP/1.1 102 Processing\r\n\r\n" + OK + CL0 + "\r\n")
                .interim("HTTP/1.1 102 Processing []").resp(200, "OK", "Content-Length", "0").body("", NONE, true));
        t.add(ok("103 Early Hints with fields",
                "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n" + OK + CL0 + "\r\n")
                .interim("HTTP/1.1 103 Early Hints [Link: </s.css>; rel=preload]")
                .resp(200, "OK", "Content-Length", "0").body("", NONE, true));
        t.add(ok("several interim responses before the final one",
                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: <a>\r\n\r\n"
                        + "HTTP/1.1 103 Early Hints\r\nLink: <b>\r\n\r\n" + "HTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nx")
                .interim("HTTP/1.1 100 Continue []").interim("HTTP/1.1 103 Early Hints [Link: <a>]")
                .interim("HTTP/1.1 103 Early Hints [Link: <b>]")
                .resp(201, "Created", "Content-Length", "1").body("x", CONTENT_LENGTH, true));
        t.add(ok("a 1xx has no body even with Content-Length",
                "HTTP/1.1 100 Continue\r\nContent-Length: 5\r\n\r\n" + OK + "Content-Length: 5\r\n\r\nhello")
                .interim("HTTP/1.1 100 Continue [Content-Length: 5]")
                .resp(200, "OK", "Content-Length", "5").body("hello", CONTENT_LENGTH, true));
        t.add(ok("interim response before a HEAD response", "HTTP/1.1 100 Continue\r\n\r\n" + OK + "Content-Length: 7\r\n\r\n")
                .headRequest().interim("HTTP/1.1 100 Continue []")
                .resp(200, "OK", "Content-Length", "7").body("", NONE, true));
        t.add(bad("101 Switching Protocols without an upgrade request",
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", "unexpected 101 Switching Protocols"));
        t.add(bad("interim response then end of input", "HTTP/1.1 100 Continue\r\n\r\n",
                "response truncated: connection closed in the status line").eof());
        t.add(bad("obs-fold before the first field of an interim response", "HTTP/1.1 103 Early Hints\r\n Link: <a>\r\n\r\n",
                "before the first header field"));
        t.add(bad("malformed final response after an interim one", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 2OO OK\r\n\r\n",
                "invalid status code"));

        // ---- 204 / 304 ---------------------------------------------------------------------------------------
        t.add(ok("204 without Content-Length", "HTTP/1.1 204 No Content\r\nServer: x\r\n\r\n")
                .resp(204, "No Content", "Server", "x").body("", NONE, true));
        t.add(ok("204 with Content-Length: 0", "HTTP/1.1 204 No Content\r\n" + CL0 + "\r\n")
                .resp(204, "No Content", "Content-Length", "0").body("", NONE, true));
        t.add(ok("204: bytes after it are not a body", "HTTP/1.1 204 No Content\r\n\r\n").followedBy("hello")
                .resp(204, "No Content").body("", NONE, true));
        t.add(ok("304 with Content-Length has no body", "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n")
                .resp(304, "Not Modified", "Content-Length", "100").body("", NONE, true));
        t.add(ok("304 with chunked has no body", "HTTP/1.1 304 Not Modified\r\n" + CHUNKED_TE + "\r\n")
                .resp(304, "Not Modified", "Transfer-Encoding", "chunked").body("", NONE, true));
        t.add(ok("204 with a non-zero Content-Length has no body (§6.3 rule 1)",
                "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n").followedBy("hello")
                .resp(204, "No Content", "Content-Length", "5").body("", NONE, true));
        t.add(ok("204 with an invalid Content-Length", "HTTP/1.1 204 No Content\r\nContent-Length: x\r\n\r\n")
                .resp(204, "No Content", "Content-Length", "x").body("", NONE, true));
        t.add(ok("304 with conflicting Content-Length", "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n"
                + "Content-Length: 6\r\n\r\n").followedBy("HTTP/1.1 200 OK\r\n")
                .resp(304, "Not Modified", "Content-Length", "5", "Content-Length", "6").body("", NONE, true));
        t.add(ok("304 with an empty Content-Length and Connection: close", "HTTP/1.1 304 Not Modified\r\n"
                + "Content-Length:\r\nConnection: close\r\n\r\n")
                .resp(304, "Not Modified", "Content-Length", "", "Connection", "close").body("", NONE, false));
        t.add(bad("304 with Transfer-Encoding and Content-Length is refused (documented choice)",
                "HTTP/1.1 304 Not Modified\r\n" + CHUNKED_TE + "Content-Length: 5\r\n\r\n",
                "both Transfer-Encoding and Content-Length"));
        t.add(bad("204 with Transfer-Encoding and Content-Length is refused",
                "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n" + CHUNKED_TE + "\r\n",
                "both Transfer-Encoding and Content-Length"));
        t.add(ok("a 1xx with an invalid Content-Length is an interim response",
                "HTTP/1.1 100 Continue\r\nContent-Length: abc\r\n\r\n" + OK + CL0 + "\r\n")
                .interim("HTTP/1.1 100 Continue [Content-Length: abc]")
                .resp(200, "OK", "Content-Length", "0").body("", NONE, true));

        // ---- close-delimited bodies ----------------------------------------------------------------------------
        t.add(ok("no framing: body until the server closes", OK + "Server: x\r\n\r\nhello\r\nworld")
                .resp(200, "OK", "Server", "x").body("hello\r\nworld", CLOSE_DELIMITED, false).eof());
        t.add(ok("empty close-delimited body", OK + "\r\n")
                .resp(200, "OK").body("", CLOSE_DELIMITED, false).eof());
        t.add(ok("close-delimited body not yet ended", OK + "\r\nabc")
                .resp(200, "OK").body("abc", CLOSE_DELIMITED, false).incomplete());
        t.add(ok("HTTP/1.0 close-delimited body", "HTTP/1.0 200 OK\r\n\r\nabc")
                .v10().resp(200, "OK").body("abc", CLOSE_DELIMITED, false).eof());
        t.add(ok("close-delimited body wins over keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nabc")
                .v10().resp(200, "OK", "Connection", "keep-alive").body("abc", CLOSE_DELIMITED, false).eof());
        t.add(bad("close-delimited body ended without close_notify (RFC 9112 §9.8)", OK + "\r\nabc",
                "closed without close_notify in a close-delimited body, after 3 bytes").eofUnclean());
        t.add(bad("empty close-delimited body ended without close_notify", OK + "\r\n",
                "without close_notify in a close-delimited body, after 0 bytes").eofUnclean());

        // ---- end of input ------------------------------------------------------------------------------------
        t.add(ok("clean end of input before any response", "").noResponse(Eof.CLEAN));
        t.add(ok("unclean end of input before any response", "").noResponse(Eof.UNCLEAN));
        t.add(ok("end of input after empty lines only", "\r\n\r\n").noResponse(Eof.CLEAN));
        t.add(bad("end of input in the status line", "HTTP/1.1 20", "connection closed in the status line").eof());
        t.add(bad("end of input in the header fields", OK + "Content-Len", "connection closed in the header fields").eof());
        t.add(bad("end of input before the empty line", OK + CL0, "in the header fields").eof());
        t.add(bad("end of input in a chunk-size line", OK + CHUNKED_TE + "\r\n5", "in a chunked body, after 0 body bytes").eof());
        t.add(ok("a complete head waiting for its body", OK + "Content-Length: 5\r\n\r\nhel")
                .resp(200, "OK", "Content-Length", "5").body("hel", CONTENT_LENGTH, true).incomplete());

        // ---- limits ------------------------------------------------------------------------------------------
        t.add(limit("head larger than maxResponseHeadBytes", OK + "X-Long: " + "a".repeat(50) + "\r\n\r\n",
                limits(64, 100, 100), "maxResponseHeadBytes", "response head too large (limit maxResponseHeadBytes = 64)"));
        t.add(ok("head of exactly maxResponseHeadBytes", padHead(64) + "\r\n")
                .limits(limits(64, 100, 100)).resp(200, "OK", "Content-Length", "0", "X-Pad", "p".repeat(17))
                .body("", NONE, true));
        t.add(limit("head one byte over maxResponseHeadBytes", padHead(65) + "\r\n", limits(64, 100, 100),
                "maxResponseHeadBytes", "response head too large"));
        t.add(limit("status line longer than maxResponseHeadBytes", "HTTP/1.1 200 " + "r".repeat(100) + "\r\n\r\n",
                limits(64, 100, 100), "maxResponseHeadBytes", "response head too large"));
        t.add(limit("unterminated field line past maxResponseHeadBytes", OK + "X-Long: " + "a".repeat(80),
                limits(64, 100, 100), "maxResponseHeadBytes", "response head too large"));
        t.add(limit("empty lines before the status line count", "\r\n".repeat(40) + OK + CL0 + "\r\n",
                limits(64, 100, 100), "maxResponseHeadBytes", "response head too large"));
        t.add(limit("interim heads and the final head share maxResponseHeadBytes",
                "HTTP/1.1 103 Early Hints\r\nLink: <" + "a".repeat(20) + ">\r\n\r\n" + OK + "Link: <" + "b".repeat(15)
                        + ">\r\n" + CL0 + "\r\n",
                limits(64, 100, 100), "maxResponseHeadBytes", "response head too large"));
        t.add(limit("endless interim responses hit maxResponseHeadBytes",
                "HTTP/1.1 102 Processing\r\n\r\n".repeat(40), limits(512, 100, 100), "maxResponseHeadBytes",
                "response head too large"));
        t.add(limit("more fields than maxHeaderCount", OK + "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n",
                limits(4096, 3, 100), "maxHeaderCount", "too many header fields (limit maxHeaderCount = 3)"));
        t.add(ok("exactly maxHeaderCount fields", OK + "A: 1\r\nB: 2\r\n" + CL0 + "\r\n")
                .limits(limits(4096, 3, 100)).resp(200, "OK", "A", "1", "B", "2", "Content-Length", "0").body("", NONE, true));
        t.add(ok("obs-fold lines do not count as fields", OK + "A: 1\r\n 2\r\n 3\r\nB: 2\r\n" + CL0 + "\r\n")
                .limits(limits(4096, 3, 100)).resp(200, "OK", "A", "1 2 3", "B", "2", "Content-Length", "0")
                .body("", NONE, true));
        t.add(limit("chunk-size line longer than maxChunkLineBytes", OK + CHUNKED_TE + "\r\n5;ext=" + "e".repeat(20)
                + "\r\nhello\r\n0\r\n\r\n", limits(4096, 100, 16), "maxChunkLineBytes",
                "chunk-size line too long (limit maxChunkLineBytes = 16)"));
        t.add(ok("chunk-size line of exactly maxChunkLineBytes", OK + CHUNKED_TE + "\r\n5;" + "e".repeat(12)
                + "\r\nhello\r\n0\r\n\r\n").limits(limits(4096, 100, 16))
                .resp(200, "OK", "Transfer-Encoding", "chunked").body("hello", CHUNKED, true));
        t.add(limit("endless leading zeros in a chunk size", OK + CHUNKED_TE + "\r\n" + "0".repeat(40),
                limits(4096, 100, 16), "maxChunkLineBytes", "chunk-size line too long"));
        t.add(limit("trailer section larger than maxResponseHeadBytes", OK + CHUNKED_TE + "\r\n0\r\nX-T: "
                + "t".repeat(70) + "\r\n\r\n", limits(64, 100, 100), "maxResponseHeadBytes", "trailer section too large"));
        t.add(limit("more trailer fields than maxHeaderCount", OK + CHUNKED_TE + "\r\n0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
                limits(4096, 2, 100), "maxHeaderCount", "too many trailer fields"));

        // ---- keep-alive ----------------------------------------------------------------------------------------
        t.add(ok("HTTP/1.1 is persistent by default", OK + CL0 + "\r\n")
                .resp(200, "OK", "Content-Length", "0").body("", NONE, true));
        t.add(ok("HTTP/1.1 with Connection: close", OK + "Connection: close\r\n" + CL0 + "\r\n")
                .resp(200, "OK", "Connection", "close", "Content-Length", "0").body("", NONE, false));
        t.add(ok("Connection: close among other options, any case", OK + "Connection: Keep-Alive, CLOSE\r\n" + CL0 + "\r\n")
                .resp(200, "OK", "Connection", "Keep-Alive, CLOSE", "Content-Length", "0").body("", NONE, false));
        t.add(ok("close in a second Connection field", OK + "Connection: x-foo\r\nConnection: close\r\n" + CL0 + "\r\n")
                .resp(200, "OK", "Connection", "x-foo", "Connection", "close", "Content-Length", "0").body("", NONE, false));
        t.add(ok("HTTP/1.1 with Connection: keep-alive", OK + "Connection: keep-alive\r\n" + CL0 + "\r\n")
                .resp(200, "OK", "Connection", "keep-alive", "Content-Length", "0").body("", NONE, true));
        t.add(ok("'closed' is not the close option", OK + "Connection: closed\r\n" + CL0 + "\r\n")
                .resp(200, "OK", "Connection", "closed", "Content-Length", "0").body("", NONE, true));
        t.add(ok("HTTP/1.1 Connection: close with a chunked body", OK + "Connection: close\r\n" + CHUNKED_TE + "\r\n0\r\n\r\n")
                .resp(200, "OK", "Connection", "close", "Transfer-Encoding", "chunked").body("", CHUNKED, false));
        t.add(ok("HTTP/1.0 without keep-alive is not persistent", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi")
                .v10().resp(200, "OK", "Content-Length", "2").body("hi", CONTENT_LENGTH, false));
        t.add(ok("HTTP/1.0 with Connection: keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi")
                .v10().resp(200, "OK", "Connection", "keep-alive", "Content-Length", "2").body("hi", CONTENT_LENGTH, true));
        t.add(ok("HTTP/1.0 with Connection: Keep-Alive in another case", "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n"
                + CL0 + "\r\n").v10().resp(200, "OK", "Connection", "Keep-Alive", "Content-Length", "0").body("", NONE, true));
        t.add(ok("HTTP/1.0 with keep-alive and close", "HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\n" + CL0 + "\r\n")
                .v10().resp(200, "OK", "Connection", "keep-alive, close", "Content-Length", "0").body("", NONE, false));
        t.add(ok("HTTP/1.0 with a Keep-Alive field but no Connection option", "HTTP/1.0 200 OK\r\nKeep-Alive: timeout=5\r\n"
                + CL0 + "\r\n").v10().resp(200, "OK", "Keep-Alive", "timeout=5", "Content-Length", "0").body("", NONE, false));
        t.add(ok("HTTP/1.0 204 without keep-alive", "HTTP/1.0 204 No Content\r\n\r\n")
                .v10().resp(204, "No Content").body("", NONE, false));

        return t;
    }

    /** A 200 head of exactly {@code size} bytes, without its final empty line: status, Content-Length: 0, X-Pad. */
    private static String padHead(int size) {
        String base = OK + CL0 + "X-Pad: \r\n";
        return OK + CL0 + "X-Pad: " + "p".repeat(size - base.length() - 2) + "\r\n";
    }

    @TestFactory
    Stream<DynamicTest> table() {
        List<Case> cases = cases();
        Set<String> names = new HashSet<>();
        for (Case c : cases) assertTrue(names.add(c.name), "duplicate case name: " + c.name);
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name, () -> runAllWays(c)));
    }

    private static void runAllWays(Case c) {
        int n = c.input.length;
        Outcome whole = ParserRun.run(c.input, ParserRun.whole(n), c.headRequest, c.limits, c.eof);
        c.check(whole);
        Outcome bytes = ParserRun.run(c.input, ParserRun.byteByByte(n), c.headRequest, c.limits, c.eof);
        assertEquals(whole, bytes, "fed byte by byte");
        for (int at = 0; at <= n; at++) {
            Outcome split = ParserRun.run(c.input, ParserRun.splitAt(n, at), c.headRequest, c.limits, c.eof);
            assertEquals(whole, split, "split at " + at);
            Outcome inPlace = ParserRun.run(c.input, ParserRun.splitAt(n, at), c.headRequest, c.limits, c.eof, true);
            assertEquals(whole, inPlace, "split at " + at + ", the body after it put in place (bodyArrived)");
        }
        Outcome bytesInPlace = ParserRun.run(c.input, ParserRun.byteByByte(n), c.headRequest, c.limits, c.eof, true);
        assertEquals(whole, bytesInPlace, "byte by byte, each body byte put in place (bodyArrived)");
    }

    private static Case ok(String name, String input) {
        return new Case(name, input, null, null, null);
    }

    private static Case bad(String name, String input, String message) {
        return new Case(name, input, MalformedResponseException.class, message, null);
    }

    private static Case limit(String name, String input, ParserLimits limits, String limit, String message) {
        return new Case(name, input, LimitExceededException.class, message, limit).limits(limits);
    }

    /** One row of the table: an input, how it is fed, and what it must give. */
    static final class Case {
        final String name;
        byte[] input;
        final Class<? extends Exception> errorType;
        final String errorPart;
        final String limit;
        boolean headRequest;
        ParserLimits limits = ParserLimits.defaults();
        Eof eof = Eof.NONE;

        HttpVersion version = HttpVersion.HTTP_1_1;
        Integer status;
        String reason;
        List<String> headers;
        final List<String> interims = new ArrayList<>();
        String body;
        BodyFraming framing;
        Boolean keepAlive;
        List<String> trailers = List.of();
        Integer consumed;
        boolean complete = true;
        boolean noResponse;

        Case(String name, String input, Class<? extends Exception> errorType, String errorPart, String limit) {
            this.name = name;
            this.input = input.getBytes(StandardCharsets.ISO_8859_1);
            this.errorType = errorType;
            this.errorPart = errorPart;
            this.limit = limit;
        }

        Case resp(int status, String reason, String... namesAndValues) {
            this.status = status;
            this.reason = reason;
            this.headers = pairs(namesAndValues);
            return this;
        }

        Case body(String body, BodyFraming framing, boolean keepAlive) {
            this.body = body;
            this.framing = framing;
            this.keepAlive = keepAlive;
            return this;
        }

        Case v10() {
            version = HttpVersion.HTTP_1_0;
            return this;
        }

        Case interim(String described) {
            interims.add(described);
            return this;
        }

        Case trailers(String... namesAndValues) {
            trailers = pairs(namesAndValues);
            return this;
        }

        /** Bytes after the response (the next pipelined one, or garbage): they must not be consumed. */
        Case followedBy(String extra) {
            consumed = input.length;
            byte[] more = extra.getBytes(StandardCharsets.ISO_8859_1);
            byte[] all = Arrays.copyOf(input, input.length + more.length);
            System.arraycopy(more, 0, all, input.length, more.length);
            input = all;
            return this;
        }

        Case headRequest() {
            headRequest = true;
            return this;
        }

        Case limits(ParserLimits l) {
            limits = l;
            return this;
        }

        Case eof() {
            eof = Eof.CLEAN;
            return this;
        }

        Case eofUnclean() {
            eof = Eof.UNCLEAN;
            return this;
        }

        /** All input is consumed, the response is not complete yet, and no error is raised. */
        Case incomplete() {
            complete = false;
            trailers = null;
            return this;
        }

        /** The input ends before any byte of a response: {@code endOfInput} returns false, no error. */
        Case noResponse(Eof how) {
            noResponse = true;
            eof = how;
            return this;
        }

        private static List<String> pairs(String... nv) {
            if (nv.length % 2 != 0) throw new IllegalArgumentException("names and values in pairs");
            List<String> out = new ArrayList<>();
            for (int i = 0; i < nv.length; i += 2) out.add(nv[i] + ": " + nv[i + 1]);
            return out;
        }

        void check(Outcome actual) {
            if (errorType != null) {
                assertSame(errorType, actual.errorType(), () -> "expected " + errorType.getSimpleName() + " containing '"
                        + errorPart + "', got " + actual);
                assertTrue(actual.errorMessage().contains(errorPart),
                        () -> "message '" + actual.errorMessage() + "' should contain '" + errorPart + "'");
                assertEquals(limit, actual.limit(), "LimitExceededException.limit()");
                assertTrue(!actual.complete(), "a failed response is not complete");
                return;
            }
            if (noResponse) {
                Outcome expected = new Outcome(List.of(), null, null, null, null, null, null, null, null, false,
                        input.length, false, null, null, null);
                assertEquals(expected, actual);
                return;
            }
            if (status == null || headers == null || body == null || framing == null || keepAlive == null) {
                throw new IllegalStateException("case '" + name + "' must declare status, headers, body, framing,"
                        + " keep-alive");
            }
            Boolean eofResult = eof == Eof.NONE ? null : Boolean.TRUE;
            Outcome expected = new Outcome(interims, version, status, reason, headers, framing, keepAlive, body,
                    trailers, complete, consumed == null ? input.length : consumed, eofResult, null, null, null);
            assertEquals(expected, actual);
            assertNull(actual.errorType());
        }
    }
}
