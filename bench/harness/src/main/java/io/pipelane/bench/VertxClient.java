package io.pipelane.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** Vert.x 5 HttpClient: pipelining on, pool of one HTTP/1.1 connection, one event loop. */
final class VertxClient extends BenchClient {
    private final Vertx vertx;
    private final HttpClientAgent client;

    VertxClient(Target target) throws Exception {
        super("Vert.x 5", target);
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        client = vertx.createHttpClient(new HttpClientOptions()
                        .setPipelining(true)
                        .setPipeliningLimit(PipelaneClient.MAX_DEPTH)
                        .setKeepAlive(true)
                        .setKeepAliveTimeout(3600)
                        .setDefaultHost(target.host())
                        .setDefaultPort(target.port()),
                new PoolOptions().setHttp1MaxSize(1));
    }

    @Override
    boolean pipelines() {
        return true;
    }

    @Override
    long batch(int depth) throws Exception {
        CountDownLatch done = new CountDownLatch(depth);
        AtomicLong bytes = new AtomicLong();
        AtomicReference<Throwable> error = new AtomicReference<>();
        for (int i = 0; i < depth; i++) {
            client.request(HttpMethod.GET, target.path())
                    .compose(req -> req.send().compose(VertxClient::bodyOf))
                    .onComplete(ar -> {
                        if (ar.succeeded()) {
                            bytes.addAndGet(ar.result().length());
                        } else {
                            error.compareAndSet(null, ar.cause());
                        }
                        done.countDown();
                    });
        }
        if (!done.await(60, TimeUnit.SECONDS)) throw new IllegalStateException("Vert.x: batch timed out");
        if (error.get() != null) throw new IllegalStateException("Vert.x: " + error.get(), error.get());
        return bytes.get();
    }

    @Override
    boolean windows() {
        return true;
    }

    @Override
    void issue(Window w) {
        client.request(HttpMethod.GET, target.path())
                .compose(req -> req.send().compose(VertxClient::bodyOf))
                .onComplete(ar -> {
                    if (ar.failed()) {
                        w.fail(ar.cause());
                        return;
                    }
                    if (w.claim()) issue(w); // on the event loop
                    w.done(ar.result().length());
                });
    }

    private static Future<Buffer> bodyOf(HttpClientResponse resp) {
        if (resp.statusCode() != 200) return Future.failedFuture("status " + resp.statusCode());
        return resp.body();
    }

    @Override
    public void close() throws Exception {
        client.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
