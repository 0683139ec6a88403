package com.hushryd.uploads;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DocumentInspectorTest {
    private final DocumentInspector inspector = new DocumentInspector(DocumentInspector.Limits.of(10 * 1024 * 1024));

    @TempDir
    Path dir;

    private DocumentInspector.Result inspect(byte[] content, FileType declared) throws IOException {
        Path f = Files.createTempFile(dir, "doc", ".bin");
        Files.write(f, content);
        return inspector.inspect(f, declared);
    }

    @Test
    void realPng_isAccepted_withDimensionsAndAJpegThumbnail() throws IOException {
        DocumentInspector.Result r = inspect(Samples.image("png", 1200, 800), FileType.PNG);

        assertThat(r.accepted()).as(r.reason()).isTrue();
        assertThat(r.metadata()).containsEntry("format", "png").containsEntry("width", 1200)
                .containsEntry("height", 800);
        BufferedImage thumb = ImageIO.read(new ByteArrayInputStream(r.thumbnail()));
        assertThat(thumb.getWidth()).isEqualTo(320);
        assertThat(thumb.getHeight()).isEqualTo(213);
        assertThat(r.thumbnail()[0] & 0xFF).isEqualTo(0xFF);
        assertThat(r.thumbnail()[1] & 0xFF).isEqualTo(0xD8);
        @SuppressWarnings("unchecked")
        Map<String, Object> t = (Map<String, Object>) r.metadata().get("thumbnail");
        assertThat(t).containsEntry("width", 320).containsEntry("bytes", r.thumbnail().length);
    }

    @Test
    void realJpeg_isAccepted() throws IOException {
        DocumentInspector.Result r = inspect(Samples.image("jpeg", 640, 480), FileType.JPEG);
        assertThat(r.accepted()).as(r.reason()).isTrue();
        assertThat(r.metadata()).containsEntry("width", 640).containsEntry("height", 480);
        assertThat(r.thumbnail()).isNotEmpty();
    }

    @Test
    void textFileDeclaredAsPng_isRejected_sayingItIsText() throws IOException {
        DocumentInspector.Result r = inspect(Samples.text(), FileType.PNG);
        assertThat(r.accepted()).isFalse();
        assertThat(r.reason()).isEqualTo("the file's content is text, not image/png as declared");
        assertThat(r.thumbnail()).isNull();
    }

    @Test
    void jpegDeclaredAsPng_isRejected_namingTheRealType() throws IOException {
        DocumentInspector.Result r = inspect(Samples.image("jpeg", 400, 400), FileType.PNG);
        assertThat(r.reason()).isEqualTo("the file's content is image/jpeg, not image/png as declared");
    }

    @Test
    void truncatedPng_isRejectedAsDamaged() throws IOException {
        byte[] png = Samples.image("png", 800, 600);
        DocumentInspector.Result r = inspect(Samples.truncated(png, png.length / 2), FileType.PNG);
        assertThat(r.accepted()).isFalse();
        assertThat(r.reason()).startsWith("the image is damaged or truncated");
    }

    @Test
    void truncatedJpeg_isRejectedAsDamaged() throws IOException {
        byte[] jpeg = Samples.image("jpeg", 800, 600);
        DocumentInspector.Result r = inspect(Samples.truncated(jpeg, jpeg.length / 2), FileType.JPEG);
        assertThat(r.accepted()).isFalse();
        assertThat(r.reason()).startsWith("the image is damaged or truncated");
    }

    @Test
    void tinyImage_isRejectedAsIllegible() throws IOException {
        DocumentInspector.Result r = inspect(Samples.image("png", 120, 90), FileType.PNG);
        assertThat(r.reason()).startsWith("the image is too small to read (120x90 pixels");
    }

    @Test
    void imageWithTooManyPixels_isRejectedBeforeDecoding() throws IOException {
        DocumentInspector small = new DocumentInspector(new DocumentInspector.Limits(10_000_000, 10, 100_000, 320));
        Path f = Files.createTempFile(dir, "big", ".png");
        Files.write(f, Samples.image("png", 1000, 1000));
        DocumentInspector.Result r = small.inspect(f, FileType.PNG);
        assertThat(r.reason()).startsWith("the image has too many pixels (1000x1000");
    }

    @Test
    void pdf_isAccepted_withVersionAndPageCount() throws IOException {
        DocumentInspector.Result r = inspect(Samples.pdf(3), FileType.PDF);
        assertThat(r.accepted()).as(r.reason()).isTrue();
        assertThat(r.metadata()).containsEntry("format", "pdf").containsEntry("version", "1.4")
                .containsEntry("pageCount", 3).containsEntry("encrypted", false);
        assertThat(r.thumbnail()).isNull();
    }

    @Test
    void truncatedPdf_isRejected() throws IOException {
        byte[] pdf = Samples.pdf(2);
        DocumentInspector.Result r = inspect(Samples.truncated(pdf, pdf.length - 10), FileType.PDF);
        assertThat(r.reason()).isEqualTo("the PDF is truncated (no %%EOF marker at its end)");
    }

    @Test
    void emptyFile_isRejected() throws IOException {
        assertThat(inspect(new byte[0], FileType.JPEG).reason()).isEqualTo("the file is empty");
    }

    @Test
    void fileOverTheLimit_isRejected() throws IOException {
        DocumentInspector small = new DocumentInspector(DocumentInspector.Limits.of(100));
        Path f = Files.createTempFile(dir, "big", ".pdf");
        Files.write(f, Samples.pdf(1));
        assertThat(small.inspect(f, FileType.PDF).reason()).isEqualTo("the file is larger than the limit of 100 bytes");
    }

    @Test
    void describe_namesCommonImpostors() {
        assertThat(DocumentInspector.describe("GIF89a....".getBytes())).isEqualTo("image/gif");
        assertThat(DocumentInspector.describe(new byte[] {'P', 'K', 3, 4, 0, 0})).isEqualTo("a ZIP archive");
        assertThat(DocumentInspector.describe(new byte[] {0, 1, 2, (byte) 0xFE})).isEqualTo("unrecognised binary data");
    }
}
