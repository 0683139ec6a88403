package com.hushryd.uploads.s3;

import com.hushryd.uploads.ObjectInfo;
import com.hushryd.uploads.ObjectStore;
import com.hushryd.uploads.ObjectStoreException;
import com.hushryd.uploads.PresignedPut;
import com.hushryd.uploads.PutRequest;
import com.hushryd.uploads.S3Settings;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.PresignedPutObjectRequest;
import software.amazon.awssdk.services.s3.presigner.model.PutObjectPresignRequest;

/**
 * Objects in a bucket of an S3-compatible store, through the AWS SDK v2. Upload URLs are SigV4 presigned PUTs that
 * sign the content type, the content length and {@code If-None-Match: *} (S3 conditional writes), so the store
 * itself refuses another type or length and a second upload to the key. Presigning is computed locally.
 */
public final class S3ObjectStore implements ObjectStore {
    private final S3Settings settings;
    private final S3Client client;
    private final S3Presigner presigner;
    private final Clock clock;

    public S3ObjectStore(S3Settings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        AwsCredentialsProvider credentials = credentials(settings);
        S3Configuration s3 = S3Configuration.builder().pathStyleAccessEnabled(settings.pathStyle()).build();
        this.client = client(settings);
        S3Presigner.Builder pb = S3Presigner.builder()
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                .serviceConfiguration(s3);
        settings.endpoint().ifPresent(pb::endpointOverride);
        this.presigner = pb.build();
    }

    /** A client for the store of these settings (also the backups' s3:// targets). */
    public static S3Client client(S3Settings settings) {
        S3ClientBuilder cb = S3Client.builder()
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials(settings))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(settings.pathStyle()).build())
                // checksums only where S3 requires them: S3-compatible stores differ in what they accept
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED);
        settings.endpoint().ifPresent(cb::endpointOverride);
        return cb.build();
    }

    private static AwsCredentialsProvider credentials(S3Settings settings) {
        return settings.accessKeyId().isPresent()
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKeyId().get(),
                        settings.secretAccessKey().orElseThrow()))
                : DefaultCredentialsProvider.builder().build();
    }

    @Override
    public String backend() {
        return "s3";
    }

    public S3Settings settings() {
        return settings;
    }

    @Override
    public PresignedPut presignPut(PutRequest r) {
        // whole seconds, rounded up: SigV4 counts X-Amz-Expires in seconds
        long millis = Duration.between(clock.instant(), r.expiresAt()).toMillis();
        Duration ttl = Duration.ofSeconds(Math.max(1, (millis + 999) / 1000));
        PutObjectRequest put = PutObjectRequest.builder()
                .bucket(settings.bucket())
                .key(r.key())
                .contentType(r.contentType())
                .contentLength(r.size())
                .ifNoneMatch("*")
                .build();
        PresignedPutObjectRequest p = presigner.presignPutObject(PutObjectPresignRequest.builder()
                .signatureDuration(ttl)
                .putObjectRequest(put)
                .build());
        Map<String, String> headers = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> h : p.signedHeaders().entrySet()) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            // the client's HTTP library sets these from the URL and the body
            if (!name.equals("host") && !name.equals("content-length")) {
                headers.put(canonical(h.getKey()), String.join(",", h.getValue()));
            }
        }
        return new PresignedPut(java.net.URI.create(p.url().toString()), headers, p.expiration());
    }

    private static String canonical(String header) {
        return switch (header.toLowerCase(Locale.ROOT)) {
            case "content-type" -> "Content-Type";
            case "if-none-match" -> "If-None-Match";
            default -> header;
        };
    }

    @Override
    public Optional<ObjectInfo> stat(String key) {
        try {
            HeadObjectResponse head = client.headObject(b -> b.bucket(settings.bucket()).key(key));
            return Optional.of(new ObjectInfo(key, head.contentLength()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw failure("stat", key, e);
        } catch (SdkException e) {
            throw failure("stat", key, e);
        }
    }

    @Override
    public InputStream open(String key) {
        try {
            return client.getObject(b -> b.bucket(settings.bucket()).key(key));
        } catch (NoSuchKeyException e) {
            throw new ObjectStoreException.NotFound(key);
        } catch (SdkException e) {
            throw failure("read", key, e);
        }
    }

    @Override
    public void put(String key, String contentType, byte[] bytes) {
        try {
            client.putObject(b -> b.bucket(settings.bucket()).key(key).contentType(contentType),
                    RequestBody.fromBytes(bytes));
        } catch (SdkException e) {
            throw failure("write", key, e);
        }
    }

    @Override
    public void delete(String key) {
        try {
            client.deleteObject(b -> b.bucket(settings.bucket()).key(key));
        } catch (SdkException e) {
            throw failure("delete", key, e);
        }
    }

    /** Whether the bucket answers; for the start-up log. */
    public void checkBucket() {
        try {
            client.headBucket(b -> b.bucket(settings.bucket()));
        } catch (SdkException e) {
            throw failure("reach bucket", settings.bucket(), e);
        }
    }

    private ObjectStoreException failure(String what, String key, SdkException e) {
        return new ObjectStoreException("S3 " + what + " " + key + " failed: " + e.getMessage(), e);
    }

    @Override
    public void close() {
        presigner.close();
        client.close();
    }
}
