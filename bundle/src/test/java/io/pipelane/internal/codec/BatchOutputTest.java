package io.pipelane.internal.codec;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Coalescing of small writes into few writes to the socket. */
class BatchOutputTest {

    private final RecordingOutputStream sink = new RecordingOutputStream();

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void manySmallWritesBecomeOneWriteOnFlush() throws IOException {
        BatchOutput out = new BatchOutput(sink, 4096);
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            String piece = String.format("piece-%03d;", i);
            out.write(bytes(piece));
            expected.append(piece);
        }
        out.write('#');
        out.writeLatin1("latin1");
        out.writeCrlf();
        expected.append("#latin1\r\n");
        assertEquals(0, sink.writes.size(), "nothing reaches the stream before flush");
        assertEquals(0, out.writeCalls());
        assertEquals(expected.length(), out.buffered());

        out.flush();
        assertEquals(1, sink.writes.size());
        assertEquals(1, out.writeCalls());
        assertEquals(expected.length(), out.bytesWritten());
        assertEquals(0, out.buffered());
        assertEquals(expected.toString(), sink.text());
        assertEquals(1, sink.flushes, "flush also flushes the underlying stream");
    }

    @Test
    void flushWithNothingBufferedWritesNothing() throws IOException {
        BatchOutput out = new BatchOutput(sink, 64);
        out.flush();
        assertEquals(0, sink.writes.size());
        assertEquals(0, out.writeCalls());
        assertEquals(1, sink.flushes);
    }

    @Test
    void aFullBufferIsWrittenBeforeMoreIsCopied() throws IOException {
        BatchOutput out = new BatchOutput(sink, 16);
        out.write(bytes("0123456789"));
        out.write(bytes("abcdefghij"));
        assertEquals(1, out.writeCalls());
        assertEquals("0123456789", sink.text());
        assertEquals(10, out.buffered());
        out.flush();
        assertEquals(2, out.writeCalls());
        assertEquals("0123456789abcdefghij", sink.text());
    }

    @Test
    void anArrayLargerThanTheBufferIsWrittenThroughUncopied() throws IOException {
        BatchOutput out = new BatchOutput(sink, 16);
        out.write(bytes("head"));
        byte[] big = bytes("x".repeat(100));
        out.write(big, 0, big.length);
        assertEquals(2, sink.writes.size(), "the buffered bytes first, then the large array");
        assertEquals("head", new String(sink.writes.get(0), StandardCharsets.ISO_8859_1));
        assertSame(big, sink.arrays.get(1), "written through, not copied");
        assertEquals(0, out.buffered());
        assertEquals(104, out.bytesWritten());
        out.flush();
        assertEquals(2, out.writeCalls(), "nothing left to write");
    }

    @Test
    void anArrayOfExactlyTheCapacityIntoAnEmptyBufferIsCopied() throws IOException {
        BatchOutput out = new BatchOutput(sink, 16);
        out.write(bytes("0123456789abcdef"));
        assertEquals(0, out.writeCalls());
        assertEquals(16, out.buffered());
        out.write('!');
        assertEquals(1, out.writeCalls());
        out.flush();
        assertEquals("0123456789abcdef!", sink.text());
    }

    @Test
    void stringsLongerThanTheBufferKeepTheirOrder() throws IOException {
        BatchOutput out = new BatchOutput(sink, 8);
        out.writeLatin1("ab");
        out.writeLatin1("0123456789abcdefghij");
        out.writeLatin1("z\u00e9");
        out.flush();
        assertArrayEquals(bytes("ab0123456789abcdefghijz\u00e9"), sink.bytes());
        assertEquals(24, out.bytesWritten());
    }

    @Test
    void crlfAtTheEndOfTheBufferIsNotSplitWrongly() throws IOException {
        BatchOutput out = new BatchOutput(sink, 4);
        out.write(bytes("abc"));
        out.writeCrlf();
        out.writeCrlf();
        out.flush();
        assertEquals("abc\r\n\r\n", sink.text());
    }

    @Test
    void numbersInDecimalAndHex() throws IOException {
        BatchOutput out = new BatchOutput(sink, 64);
        out.writeDecimal(0);
        out.write(' ');
        out.writeDecimal(Long.MAX_VALUE);
        out.write(' ');
        out.writeHex(255);
        out.write(' ');
        out.writeHex(0x1a2b);
        out.flush();
        assertEquals("0 9223372036854775807 ff 1a2b", sink.text());
    }

    @Test
    void discardDropsWhatIsBuffered() throws IOException {
        BatchOutput out = new BatchOutput(sink, 64);
        out.write(bytes("never sent"));
        out.discard();
        out.write(bytes("sent"));
        out.flush();
        assertEquals("sent", sink.text());
        assertEquals(4, out.bytesWritten());
    }
}
