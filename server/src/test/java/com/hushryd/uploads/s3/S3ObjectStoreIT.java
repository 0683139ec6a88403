package com.hushryd.uploads.s3;

import static org.assertj.core.api.Assertions.assertThat;

import com.hushryd.testing.TestS3;
import com.hushryd.uploads.ObjectStore;
import com.hushryd.uploads.S3Settings;
import com.hushryd.uploads.ObjectStoreContract;
import com.hushryd.uploads.PresignedPut;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/** The S3 store against S3Proxy, checked with the AWS SDK's own client. */
class S3ObjectStoreIT extends ObjectStoreContract {
    static String bucket;
    static S3ObjectStore store;

    @BeforeAll
    static void start() {
        bucket = TestS3.newBucket();
        store = new S3ObjectStore(new S3Settings(Optional.of(TestS3.endpoint()), bucket, TestS3.REGION,
                Optional.of(TestS3.ACCESS_KEY), Optional.of(TestS3.SECRET_KEY), true), Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        store.close();
    }

    @Override
    protected ObjectStore store() {
        return store;
    }

    @Override
    protected URI origin() {
        return null;
    }

    @Override
    protected void assertStored(String key, String contentType, byte[] bytes) {
        HeadObjectResponse head = TestS3.client().headObject(b -> b.bucket(bucket).key(key));
        assertThat(head.contentType()).isEqualTo(contentType);
        assertThat(head.contentLength()).isEqualTo(bytes.length);
        ResponseBytes<GetObjectResponse> got = TestS3.client().getObjectAsBytes(b -> b.bucket(bucket).key(key));
        assertThat(got.asByteArray()).isEqualTo(bytes);
    }

    @Test
    void presignedUrl_signsTypeLengthAndSingleUse_forTheBucketAndKey() {
        String key = newKey("png");
        PresignedPut p = presign(key, "image/png", 123, Instant.now().plus(Duration.ofHours(1)));
        assertThat(p.url().getPath()).isEqualTo("/" + bucket + "/" + key);
        assertThat(p.url().getQuery()).contains("X-Amz-Signature=").contains("X-Amz-Expires=3600")
                .contains("X-Amz-SignedHeaders=content-length;content-type;host;if-none-match");
        assertThat(p.headers()).containsEntry("Content-Type", "image/png").containsEntry("If-None-Match", "*")
                .doesNotContainKeys("host", "Host", "content-length");
    }

    @Test
    void checkBucket_ofAMissingBucket_fails() {
        try (S3ObjectStore missing = new S3ObjectStore(new S3Settings(Optional.of(TestS3.endpoint()),
                "no-such-bucket-here", TestS3.REGION, Optional.of(TestS3.ACCESS_KEY), Optional.of(TestS3.SECRET_KEY),
                true), Clock.systemUTC())) {
            org.assertj.core.api.Assertions.assertThatThrownBy(missing::checkBucket)
                    .isInstanceOf(com.hushryd.uploads.ObjectStoreException.class);
        }
    }
}
