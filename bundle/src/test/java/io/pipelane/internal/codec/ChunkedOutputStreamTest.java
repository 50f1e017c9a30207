package io.pipelane.internal.codec;

import io.pipelane.internal.codec.ParserRun.Eof;
import io.pipelane.internal.codec.ParserRun.Outcome;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The chunked transfer coding of request bodies (RFC 9112 §7.1). */
class ChunkedOutputStreamTest {

    private final RecordingOutputStream sink = new RecordingOutputStream();
    private final BatchOutput batch = new BatchOutput(sink, 1024);
    private final ChunkedOutputStream chunked = new ChunkedOutputStream(batch);

    private String written() throws IOException {
        batch.flush();
        return sink.text();
    }

    @Test
    void eachWriteIsOneChunkWithAHexSize() throws IOException {
        chunked.write("hello".getBytes(StandardCharsets.US_ASCII));
        chunked.write("abcdefghijklmnopqrstuvwxyz".getBytes(StandardCharsets.US_ASCII));
        chunked.write('!');
        chunked.finish();
        assertEquals("5\r\nhello\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n1\r\n!\r\n0\r\n\r\n", written());
    }

    @Test
    void writesHonourOffsetAndLength() throws IOException {
        chunked.write("xxabcxx".getBytes(StandardCharsets.US_ASCII), 2, 3);
        assertEquals("3\r\nabc\r\n", written());
    }

    @Test
    void anEmptyWriteIsNotALastChunk() throws IOException {
        chunked.write(new byte[0]);
        chunked.write("a".getBytes(StandardCharsets.US_ASCII), 0, 0);
        chunked.write("ok".getBytes(StandardCharsets.US_ASCII));
        chunked.finish();
        assertEquals("2\r\nok\r\n0\r\n\r\n", written());
    }

    @Test
    void finishIsWrittenOnce() throws IOException {
        chunked.finish();
        chunked.finish();
        assertEquals("0\r\n\r\n", written());
    }

    @Test
    void writingAfterFinishFails() throws IOException {
        chunked.finish();
        assertThrows(IOException.class, () -> chunked.write("late".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("0\r\n\r\n", written());
    }

    @Test
    void closeNeitherFinishesTheBodyNorClosesTheConnection() throws IOException {
        chunked.write("a".getBytes(StandardCharsets.US_ASCII));
        chunked.close();
        assertEquals("1\r\na\r\n", written());
        assertEquals(0, sink.closes);
    }

    @Test
    void aChunkLargerThanTheBufferGoesThrough() throws IOException {
        byte[] big = new byte[5000];
        for (int i = 0; i < big.length; i++) big[i] = (byte) ('a' + i % 26);
        chunked.write(big);
        chunked.finish();
        String out = written();
        assertEquals("1388\r\n" + new String(big, StandardCharsets.ISO_8859_1) + "\r\n0\r\n\r\n", out);
    }

    @Test
    void theResponseParserReadsBackWhatWasWritten() throws IOException {
        byte[] data = new byte[3000];
        for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 7);
        chunked.write(data, 0, 1);
        chunked.write(data, 1, 999);
        chunked.write(data, 1000, 2000);
        chunked.finish();
        batch.flush();
        byte[] head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] body = sink.bytes();
        byte[] all = new byte[head.length + body.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        Outcome o = ParserRun.run(all, ParserRun.whole(all.length), false, ParserLimits.defaults(), Eof.NONE);
        assertNull(o.errorType(), () -> String.valueOf(o));
        assertEquals(new String(data, StandardCharsets.ISO_8859_1), o.body());
        assertEquals(List.of(), o.trailers());
        assertEquals(all.length, o.consumed());
    }
}
