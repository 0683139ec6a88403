package com.hushryd.uploads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hushryd.app.Config;
import com.hushryd.app.ConfigException;
import com.hushryd.app.ConfigLoader;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UploadSettingsTest {
    private static Map<String, String> s3(String... more) {
        Map<String, String> env = new HashMap<>(Map.of("OBJECT_STORE", "s3", "S3_BUCKET", "hushryd-docs"));
        for (int i = 0; i < more.length; i += 2) {
            env.put(more[i], more[i + 1]);
        }
        return env;
    }

    @Test
    void defaults_localStore_oneHourUrls_tenMegabytes() {
        UploadSettings u = ConfigLoader.load(Map.of()).uploads();
        assertThat(u.store()).isEqualTo(UploadSettings.Store.LOCAL);
        assertThat(u.s3()).isEmpty();
        assertThat(u.urlTtl()).isEqualTo(Duration.ofHours(1));
        assertThat(u.maxSize()).isEqualTo(10L * 1024 * 1024);
        assertThat(u.streams()).isEqualTo(256);
        assertThat(u.publicUrl()).isEmpty();
    }

    @Test
    void s3_withEndpointCredentialsAndPathStyle_isParsed_andTheSecretNeverPrinted() {
        Config c = ConfigLoader.load(s3("S3_ENDPOINT", "http://127.0.0.1:9000", "S3_REGION", "ap-south-1",
                "S3_ACCESS_KEY_ID", "AKIAEXAMPLE", "S3_SECRET_ACCESS_KEY", "very-secret-value", "S3_PATH_STYLE", "true",
                "PUBLIC_URL", "https://api.hushryd.test"));
        var s = c.uploads().s3().orElseThrow();
        assertThat(s.endpoint()).contains(URI.create("http://127.0.0.1:9000"));
        assertThat(s.bucket()).isEqualTo("hushryd-docs");
        assertThat(s.region()).isEqualTo("ap-south-1");
        assertThat(s.pathStyle()).isTrue();
        assertThat(c.uploads().publicUrl()).contains(URI.create("https://api.hushryd.test"));
        assertThat(c.describe()).contains("objectStore=s3").doesNotContain("very-secret-value");
        assertThat(s.toString()).doesNotContain("very-secret-value");
    }

    @Test
    void badValues_stopTheStart_namingTheVariable() {
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("OBJECT_STORE", "s3")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("S3_BUCKET: required");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("OBJECT_STORE", "ftp")))
                .hasMessageStartingWith("OBJECT_STORE: expected one of [local, s3]");
        assertThatThrownBy(() -> ConfigLoader.load(s3("S3_BUCKET", "Bad_Bucket")))
                .hasMessageStartingWith("S3_BUCKET: not a valid bucket name");
        assertThatThrownBy(() -> ConfigLoader.load(s3("S3_ACCESS_KEY_ID", "AKIA")))
                .hasMessageStartingWith("S3_SECRET_ACCESS_KEY:");
        assertThatThrownBy(() -> ConfigLoader.load(s3("S3_ENDPOINT", "minio:9000")))
                .hasMessageStartingWith("S3_ENDPOINT: expected an http:// or https:// URL");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("PUBLIC_URL", "api.hushryd.test")))
                .hasMessageStartingWith("PUBLIC_URL:");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("UPLOAD_MAX_SIZE", "2gb")))
                .hasMessageStartingWith("UPLOAD_MAX_SIZE:");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("UPLOAD_URL_TTL", "8d")))
                .hasMessageStartingWith("UPLOAD_URL_TTL: must be between");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("S3_REGION", "Mumbai 1")))
                .hasMessageStartingWith("S3_REGION:");
    }
}
