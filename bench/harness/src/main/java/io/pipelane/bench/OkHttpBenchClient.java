package io.pipelane.bench;

import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;

import java.util.List;
import java.util.concurrent.TimeUnit;

/** OkHttp 5, HTTP/1.1, a pool of one connection, one request at a time (it does not pipeline). */
final class OkHttpBenchClient extends BenchClient {
    private final OkHttpClient client;
    private final Request request;

    OkHttpBenchClient(Target target) {
        super("OkHttp 5", target);
        client = new OkHttpClient.Builder()
                .connectionPool(new ConnectionPool(1, 1, TimeUnit.HOURS))
                .protocols(List.of(Protocol.HTTP_1_1))
                .retryOnConnectionFailure(false)
                .build();
        request = new Request.Builder().url(target.url()).build();
    }

    @Override
    boolean pipelines() {
        return false;
    }

    @Override
    long batch(int depth) throws Exception {
        check(depth == 1, "OkHttp does not pipeline");
        try (Response r = client.newCall(request).execute()) {
            check(r.code() == 200, "OkHttp: status " + r.code());
            return r.body().bytes().length;
        }
    }

    @Override
    public void close() {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }
}
