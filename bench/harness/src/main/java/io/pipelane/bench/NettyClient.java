package io.pipelane.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Netty 4.2's {@code HttpClientCodec} on one channel, one NIO event loop: the reference an event-loop client
 * reaches. Each request gets a {@link CompletableFuture} of its body as a {@code byte[]} (like Pipelane's
 * {@code ofByteArray}), completed on the event loop in response order.
 *
 * <p>Writes are flushed the idiomatic Netty way, which is generous to Netty: a batch is one task on the event loop
 * that writes its {@code depth} requests and flushes once (the caller knows where its batch ends; Pipelane's
 * callers make one call per request and do not tell it); requests
 * issued from completion callbacks are written on the event loop and flushed once per socket read
 * ({@code channelReadComplete}).
 */
final class NettyClient extends BenchClient {
    private final EventLoopGroup group;
    private final Channel channel;
    private final FullHttpRequest request;

    NettyClient(Target target) throws Exception {
        super("Netty 4.2", target);
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, target.path(), Unpooled.EMPTY_BUFFER);
        request.headers().set(HttpHeaderNames.HOST, target.authority());
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new Responses());
                    }
                });
        channel = b.connect(target.host(), target.port()).sync().channel();
    }

    @Override
    boolean pipelines() {
        return true;
    }

    @Override
    @SuppressWarnings("unchecked")
    long batch(int depth) throws Exception {
        CompletableFuture<byte[]>[] pending = new CompletableFuture[depth];
        for (int i = 0; i < depth; i++) pending[i] = new CompletableFuture<>();
        // one task on the event loop writes the batch and flushes it once
        channel.eventLoop().execute(() -> {
            for (CompletableFuture<byte[]> f : pending) channel.write(new Call(f), channel.voidPromise());
            channel.flush();
        });
        long bytes = 0;
        for (CompletableFuture<byte[]> f : pending) bytes += f.join().length;
        return bytes;
    }

    @Override
    boolean windows() {
        return true;
    }

    @Override
    long window(int depth, int n) throws Exception {
        Window w = new Window(n);
        for (int i = 0; i < depth && w.claim(); i++) issue(w);
        channel.flush(); // later requests are flushed on the event loop, once per read
        return w.await(name);
    }

    @Override
    void issue(Window w) {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        f.whenComplete((body, error) -> {
            if (error != null) {
                w.fail(error);
                return;
            }
            if (w.claim()) issue(w);
            w.done(body.length);
        });
        channel.write(new Call(f), channel.voidPromise());
    }

    @Override
    public void close() throws Exception {
        channel.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    /** One request to write, and the future of its response body. */
    private record Call(CompletableFuture<byte[]> response) {
    }

    /**
     * At the end of the pipeline, on the event loop: turns each {@link Call} into the request (queueing its future
     * in write order) and completes the futures from the decoded responses, in order.
     */
    private final class Responses extends ChannelDuplexHandler {
        private final ArrayDeque<CompletableFuture<byte[]>> waiting = new ArrayDeque<>();
        private byte[] body;
        private int filled;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof Call) {
                waiting.add(((Call) msg).response());
                ctx.write(request.retainedDuplicate(), promise);
            } else {
                ctx.write(msg, promise);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws IOException {
            try {
                if (msg instanceof HttpResponse) {
                    HttpResponse r = (HttpResponse) msg;
                    if (r.status().code() != 200) throw new IOException("Netty: status " + r.status());
                    body = new byte[(int) HttpUtil.getContentLength(r, 0L)];
                    filled = 0;
                }
                if (msg instanceof HttpContent) {
                    ByteBuf content = ((HttpContent) msg).content();
                    int len = content.readableBytes();
                    content.readBytes(body, filled, len);
                    filled += len;
                    if (msg instanceof LastHttpContent) {
                        CompletableFuture<byte[]> f = waiting.poll();
                        if (f == null) throw new IOException("Netty: a response with no request outstanding");
                        f.complete(body);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush(); // what completion callbacks wrote during this read
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            CompletableFuture<byte[]> f;
            while ((f = waiting.poll()) != null) f.completeExceptionally(cause);
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            exceptionCaught(ctx, new IOException("Netty: connection closed"));
        }
    }
}
