package com.hushryd.testing;

import java.net.URI;
import java.util.Map;
import java.util.UUID;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.junit.S3ProxyJunitCore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3-compatible server for tests: S3Proxy (from Maven) on a free port of 127.0.0.1, storing in a temporary
 * directory and checking AWS SigV4 signatures (presigned URLs included), started once per JVM. Each caller of
 * {@link #newBucket()} gets a bucket of its own; {@link #client()} is the AWS SDK pointed at it.
 */
public final class TestS3 {
    public static final String ACCESS_KEY = "hushryd-test-access";
    public static final String SECRET_KEY = "hushryd-test-secret-0123456789";
    public static final String REGION = "us-east-1";
    private static S3ProxyJunitCore proxy;
    private static S3Client client;

    private TestS3() {
    }

    public static synchronized URI endpoint() {
        if (proxy == null) {
            S3ProxyJunitCore p = new S3ProxyJunitCore.Builder()
                    .withCredentials(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                    .withBlobStoreProvider("filesystem")
                    .build();
            try {
                p.beforeEach();
            } catch (Exception e) {
                throw new IllegalStateException("cannot start S3Proxy: " + e, e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(p::afterEach, "test-s3-stop"));
            proxy = p;
        }
        return proxy.getUri();
    }

    /** The AWS SDK's S3 client on the test server (path-style, static credentials). */
    public static synchronized S3Client client() {
        if (client == null) {
            client = S3Client.builder()
                    .endpointOverride(endpoint())
                    .region(Region.of(REGION))
                    .forcePathStyle(true)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY,
                            SECRET_KEY)))
                    .build();
        }
        return client;
    }

    /** A new, empty bucket. */
    public static String newBucket() {
        String name = "hushryd-t-" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        client().createBucket(b -> b.bucket(name));
        return name;
    }

    /** The node settings that put its documents into {@code bucket}. */
    public static Map<String, String> nodeSettings(String bucket) {
        return Map.of("OBJECT_STORE", "s3", "S3_ENDPOINT", endpoint().toString(), "S3_BUCKET", bucket,
                "S3_REGION", REGION, "S3_ACCESS_KEY_ID", ACCESS_KEY, "S3_SECRET_ACCESS_KEY", SECRET_KEY,
                "S3_PATH_STYLE", "true");
    }
}
