package com.hushryd.uploads.s3;

import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestS3;
import com.hushryd.uploads.DocumentFlowContract;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/** The document flow on an S3-compatible store (S3Proxy): uploads go to the bucket, checked with the AWS SDK. */
class S3DocumentsIT extends DocumentFlowContract {
    static TestNode node;
    static String bucket;

    @BeforeAll
    static void start() {
        bucket = TestS3.newBucket();
        Map<String, String> env = commonSettings();
        env.putAll(TestS3.nodeSettings(bucket));
        node = TestNode.start(env);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Override
    protected boolean mayRefuseByClosing() {
        return true;
    }

    @Override
    protected TestNode node() {
        return node;
    }

    @Override
    protected boolean stored(String key, long size) {
        try {
            return TestS3.client().headObject(b -> b.bucket(bucket).key(key)).contentLength() == size;
        } catch (NoSuchKeyException e) {
            return false;
        }
    }
}
