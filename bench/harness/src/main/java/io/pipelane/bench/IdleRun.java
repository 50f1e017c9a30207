package io.pipelane.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.Request;
import io.pipelane.Response;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What an idle connection costs, per client, each in its own JVM ({@code -Xmx1g}): opens one connection and
 * sends one GET on it (classes loaded, event loops and executors started), takes the heap after GC, then opens
 * K more connections, sends one GET on each, waits for every response, and takes the heap after GC again with
 * all K+1 connections open and idle (with {@code -Didle.settleSeconds=S}: again after S seconds more, the figure
 * reported). Per connection: the difference over K. Threads: the JVM's live threads
 * with every connection open (the JVM's own included), and how many more than with one connection.
 * Prints one Markdown table row on its last line.
 */
public final class IdleRun {
    static final List<String> CLIENTS = List.of("raw socket", "Netty 4.2", "Vert.x 5", "Pipelane");

    private IdleRun() {
    }

    /** Runs the idle measurement of {@code client} with the JDK at {@code javaHome}; returns its table row. */
    static String launch(String javaHome, String client, int port, int connections) throws Exception {
        String java = Path.of(javaHome, "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx1g",
                "-Didle.holdSeconds=" + Integer.getInteger("idle.holdSeconds", 0),
                "-Didle.settleSeconds=" + Integer.getInteger("idle.settleSeconds", 0), "-cp", System.getProperty("java.class.path"),
                IdleRun.class.getName(), client, String.valueOf(port), String.valueOf(connections)));
        System.out.println("\n== idle connections: " + client + ", " + connections + " at once (" + java + ")");
        return ChildRun.tableRow(cmd, "| " + client + " | failed: see the log | | | | |");
    }

    /** One client kind: opens a connection and completes one GET on it. */
    interface Opener extends AutoCloseable {
        void openAndGet(int count) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        String client = args[0];
        int port = Integer.parseInt(args[1]);
        int k = Integer.parseInt(args[2]);
        try (Opener opener = opener(client, port)) {
            opener.openAndGet(1);
            long one = heapAfterGc();
            int threadsOne = ManagementFactory.getThreadMXBean().getThreadCount();
            long t0 = System.nanoTime();
            opener.openAndGet(k);
            double seconds = (System.nanoTime() - t0) / 1e9;
            long all = heapAfterGc();
            int threadsAll = ManagementFactory.getThreadMXBean().getThreadCount();
            // -Didle.settleSeconds=S measures again after the connections idled S seconds more (what a pool keeps
            // for a while after a burst, e.g. the JDK's cached threads for 60 s, is gone by then); the row shows that
            int settle = Integer.getInteger("idle.settleSeconds", 0);
            if (settle > 0) {
                System.out.printf(Locale.ROOT, "%s: at once: %.1f KB per connection, %d threads; settling %d s%n",
                        client, (all - one) / 1000.0 / k, threadsAll, settle);
                Thread.sleep(1000L * settle);
                all = heapAfterGc();
                threadsAll = ManagementFactory.getThreadMXBean().getThreadCount();
            }
            System.out.printf(Locale.ROOT, "%s: %d connections in %.1f s; heap after GC %.1f MiB with one, %.1f MiB"
                    + " with %d; threads %d with one, %d with all%n", client, k, seconds, one / 1048576.0,
                    all / 1048576.0, k + 1, threadsOne, threadsAll);
            System.out.printf(Locale.ROOT, "| %s | %s | %,d | %.1f KB | %d | +%d |%n", client,
                    System.getProperty("java.version"), k, (all - one) / 1000.0 / k, threadsAll, threadsAll - threadsOne);
            // -Didle.holdSeconds=S keeps the connections open for S seconds more, e.g. for jcmd GC.class_histogram
            Thread.sleep(1000L * Integer.getInteger("idle.holdSeconds", 0));
        }
    }

    private static long heapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) { // the smallest of three full GCs
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    private static Opener opener(String client, int port) throws Exception {
        byte[] get = ("GET /13b HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        switch (client) {
            case "raw socket": {
                List<Socket> sockets = new ArrayList<>();
                return new Opener() {
                    @Override
                    public void openAndGet(int count) throws Exception {
                        byte[] buf = new byte[4096];
                        for (int i = 0; i < count; i++) {
                            Socket s = new Socket();
                            s.connect(new InetSocketAddress("127.0.0.1", port));
                            OutputStream out = s.getOutputStream();
                            out.write(get);
                            InputStream in = s.getInputStream();
                            int got = 0;
                            while (got < 13 || !new String(buf, 0, got, StandardCharsets.US_ASCII).endsWith("Hello, world!")) {
                                int n = in.read(buf, got, buf.length - got);
                                if (n < 0) throw new IllegalStateException("closed");
                                got += n;
                            }
                            sockets.add(s);
                        }
                    }

                    @Override
                    public void close() throws Exception {
                        for (Socket s : sockets) s.close();
                    }
                };
            }
            case "Netty 4.2": {
                EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
                List<Channel> channels = new ArrayList<>();
                return new Opener() {
                    @Override
                    public void openAndGet(int count) throws Exception {
                        List<CompletableFuture<Integer>> done = new ArrayList<>();
                        for (int i = 0; i < count; i++) {
                            CompletableFuture<Integer> f = new CompletableFuture<>();
                            done.add(f);
                            Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                                    .handler(new ChannelInitializer<SocketChannel>() {
                                        @Override
                                        protected void initChannel(SocketChannel c) {
                                            c.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 16),
                                                    new SimpleChannelInboundHandler<FullHttpResponse>() {
                                                        @Override
                                                        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse r) {
                                                            f.complete(r.content().readableBytes());
                                                        }
                                                    });
                                        }
                                    }).connect("127.0.0.1", port).sync().channel();
                            DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1,
                                    io.netty.handler.codec.http.HttpMethod.GET, "/13b", Unpooled.EMPTY_BUFFER);
                            req.headers().set(HttpHeaderNames.HOST, "127.0.0.1:" + port);
                            ch.writeAndFlush(req);
                            channels.add(ch);
                        }
                        for (CompletableFuture<Integer> f : done) {
                            if (f.get(60, TimeUnit.SECONDS) != 13) throw new IllegalStateException("body");
                        }
                    }

                    @Override
                    public void close() throws Exception {
                        for (Channel c : channels) c.close().sync();
                        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
                    }
                };
            }
            case "Vert.x 5": {
                Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
                // no pipelining and as many pooled connections as requests at once: one connection per request
                HttpClientAgent http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
                                .setKeepAliveTimeout(3600).setDefaultHost("127.0.0.1").setDefaultPort(port),
                        new PoolOptions().setHttp1MaxSize(100_000).setMaxWaitQueueSize(-1));
                return new Opener() {
                    @Override
                    public void openAndGet(int count) throws Exception {
                        List<CompletableFuture<Integer>> done = new ArrayList<>();
                        for (int i = 0; i < count; i++) {
                            done.add(http.request(HttpMethod.GET, "/13b")
                                    .compose(req -> req.send().compose(r -> r.body()))
                                    .map(b -> b.length()).toCompletionStage().toCompletableFuture());
                        }
                        for (CompletableFuture<Integer> f : done) {
                            if (f.get(60, TimeUnit.SECONDS) != 13) throw new IllegalStateException("body");
                        }
                    }

                    @Override
                    public void close() throws Exception {
                        http.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                    }
                };
            }
            case "Pipelane": {
                ConnectionFactory factory = ConnectionFactory.builder().build();
                List<Connection> connections = new ArrayList<>();
                Request request = Request.get("/13b");
                return new Opener() {
                    @Override
                    public void openAndGet(int count) throws Exception {
                        List<CompletableFuture<Response<byte[]>>> done = new ArrayList<>();
                        for (int i = 0; i < count; i++) {
                            Connection c = factory.create(Endpoint.http("127.0.0.1", port), ConnectionOptions.defaults());
                            connections.add(c);
                            done.add(c.call(request, BodyHandlers.ofByteArray()));
                        }
                        for (CompletableFuture<Response<byte[]>> f : done) {
                            if (f.get(60, TimeUnit.SECONDS).body().length != 13) throw new IllegalStateException("body");
                        }
                    }

                    @Override
                    public void close() {
                        for (Connection c : connections) c.close();
                        factory.close();
                    }
                };
            }
            default:
                throw new IllegalArgumentException("unknown client " + client + "; one of " + CLIENTS);
        }
    }
}
