package com.hushryd.uploads;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.IIOException;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Decides whether an uploaded file is what it claims to be and worth a human's review: its magic number matches the
 * declared type; an image's header gives sane dimensions and its pixels decode (to a thumbnail, with source
 * subsampling so that memory stays small whatever the image's size); a PDF has its header and end marker. Pure:
 * reads the file, writes nothing.
 */
public final class DocumentInspector {
    static {
        // a server has no display; and no temporary files for ImageIO streams (the files are bounded already)
        System.setProperty("java.awt.headless", "true");
        ImageIO.setUseCache(false);
    }

    /**
     * @param minSide       the shorter side of an image must have at least this many pixels to be legible
     * @param maxPixels     larger images are refused before decoding (decompression bombs)
     * @param thumbnailSide the longer side of a thumbnail, in pixels
     */
    public record Limits(long maxSize, int minSide, long maxPixels, int thumbnailSide) {
        public static Limits of(long maxSize) {
            return new Limits(maxSize, 200, 50_000_000L, 320);
        }
    }

    /**
     * @param reason    why the file was rejected, or null when it is accepted
     * @param metadata  what was found (format, dimensions, PDF version and pages, ...)
     * @param thumbnail a JPEG thumbnail of an accepted image, or null
     */
    public record Result(String reason, Map<String, Object> metadata, byte[] thumbnail) {
        public boolean accepted() {
            return reason == null;
        }
    }

    private final Limits limits;

    public DocumentInspector(Limits limits) {
        this.limits = limits;
    }

    public Result inspect(Path file, FileType declared) throws IOException {
        long size = Files.size(file);
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("bytes", size);
        if (size == 0) {
            return reject("the file is empty", meta);
        }
        if (size > limits.maxSize()) {
            return reject("the file is larger than the limit of " + limits.maxSize() + " bytes", meta);
        }
        byte[] head = head(file, 64);
        if (!declared.matches(head)) {
            FileType actual = FileType.sniff(head);
            String what = actual != null ? actual.contentType() : describe(head);
            meta.put("detected", actual != null ? actual.contentType() : what);
            return reject("the file's content is " + what + ", not " + declared.contentType() + " as declared", meta);
        }
        meta.put("format", declared.extension());
        return declared.isImage() ? image(file, declared, meta) : pdf(file, head, meta);
    }

    private static Result reject(String reason, Map<String, Object> meta) {
        return new Result(reason, meta, null);
    }

    private static byte[] head(Path file, int n) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(n);
        }
    }

    /** A short description of content that is none of the accepted types, for the rejection reason. */
    static String describe(byte[] head) {
        String ascii = new String(head, StandardCharsets.ISO_8859_1);
        if (ascii.startsWith("GIF8")) {
            return "image/gif";
        }
        if (ascii.startsWith("RIFF") && ascii.length() >= 12 && ascii.startsWith("WEBP", 8)) {
            return "image/webp";
        }
        if (ascii.startsWith("PK\u0003\u0004")) {
            return "a ZIP archive";
        }
        boolean text = true;
        for (byte b : head) {
            int c = b & 0xFF;
            if (c < 0x09 || (c > 0x0D && c < 0x20) || c == 0x7F) {
                text = false;
                break;
            }
        }
        return text ? "text" : "unrecognised binary data";
    }

    private Result image(Path file, FileType type, Map<String, Object> meta) throws IOException {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(type == FileType.PNG ? "png" : "jpeg");
        if (!readers.hasNext()) {
            throw new IllegalStateException("no ImageIO reader for " + type);
        }
        ImageReader reader = readers.next();
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            reader.setInput(in, true, true);
            int w = reader.getWidth(0);
            int h = reader.getHeight(0);
            meta.put("width", w);
            meta.put("height", h);
            if (Math.min(w, h) < limits.minSide()) {
                return reject("the image is too small to read (" + w + "x" + h + " pixels; at least "
                        + limits.minSide() + " on the shorter side)", meta);
            }
            if ((long) w * h > limits.maxPixels()) {
                return reject("the image has too many pixels (" + w + "x" + h + "; at most " + limits.maxPixels()
                        + ")", meta);
            }
            // decode at about twice the thumbnail's size: memory stays bounded whatever the image's size
            int step = Math.max(1, Math.max(w, h) / (2 * limits.thumbnailSide()));
            ImageReadParam param = reader.getDefaultReadParam();
            param.setSourceSubsampling(step, step, 0, 0);
            BufferedImage decoded;
            try {
                decoded = reader.read(0, param);
            } catch (IIOException e) {
                if (String.valueOf(e.getMessage()).contains("Unsupported Image Type")) {
                    // e.g. a CMYK JPEG: a valid image the JDK cannot decode; keep it, without thumbnail
                    meta.put("thumbnail", null);
                    meta.put("note", "no thumbnail: colour model not supported by the decoder");
                    return new Result(null, meta, null);
                }
                return reject("the image is damaged or truncated (" + e.getMessage() + ")", meta);
            }
            if (!warnings.isEmpty()) {
                return reject("the image is damaged or truncated (" + warnings.get(0) + ")", meta);
            }
            BufferedImage thumb = scale(decoded, limits.thumbnailSide());
            byte[] jpeg = jpeg(thumb, 0.8f);
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("width", thumb.getWidth());
            t.put("height", thumb.getHeight());
            t.put("bytes", jpeg.length);
            meta.put("thumbnail", t);
            return new Result(null, meta, jpeg);
        } catch (IIOException e) {
            return reject("the image is damaged or truncated (" + e.getMessage() + ")", meta);
        } catch (RuntimeException e) {
            // decoders throw unchecked exceptions on crafted input
            return reject("the image could not be decoded (" + e.getClass().getSimpleName() + ")", meta);
        } finally {
            reader.dispose();
        }
    }

    private static BufferedImage scale(BufferedImage src, int side) {
        double f = Math.min(1.0, (double) side / Math.max(src.getWidth(), src.getHeight()));
        int w = Math.max(1, (int) Math.round(src.getWidth() * f));
        int h = Math.max(1, (int) Math.round(src.getHeight() * f));
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, h);
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(src, 0, 0, w, h, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    private static byte[] jpeg(BufferedImage img, float quality) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(quality);
            writer.write(null, new IIOImage(img, null, null), p);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    /**
     * A PDF: its version from the header, the {@code %%EOF} marker near its end (a truncated upload lacks it), and
     * the page count where the page objects are in plain text (null when they sit in compressed object streams,
     * which this light scan does not inflate).
     */
    private Result pdf(Path file, byte[] head, Map<String, Object> meta) throws IOException {
        String header = new String(head, StandardCharsets.ISO_8859_1);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^%PDF-(\\d\\.\\d)").matcher(header);
        if (!m.find()) {
            return reject("the PDF header has no version", meta);
        }
        meta.put("version", m.group(1));
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            int n = (int) Math.min(1024, raf.length());
            byte[] tail = new byte[n];
            raf.seek(raf.length() - n);
            raf.readFully(tail);
            if (!new String(tail, StandardCharsets.ISO_8859_1).contains("%%EOF")) {
                return reject("the PDF is truncated (no %%EOF marker at its end)", meta);
            }
        }
        PdfScan scan = PdfScan.of(file);
        meta.put("pageCount", scan.pages() > 0 ? scan.pages() : null);
        meta.put("encrypted", scan.encrypted());
        return new Result(null, meta, null);
    }

    /** Counts {@code /Type /Page} objects and looks for {@code /Encrypt} in one streaming pass over the names. */
    record PdfScan(int pages, boolean encrypted) {
        static PdfScan of(Path file) throws IOException {
            int pages = 0;
            boolean encrypted = false;
            boolean afterType = false;
            StringBuilder name = new StringBuilder();
            try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 64 * 1024)) {
                int c = in.read();
                while (c != -1) {
                    if (c == '/') {
                        name.setLength(0);
                        c = in.read();
                        while (c != -1 && name.length() < 32 && (Character.isLetterOrDigit(c))) {
                            name.append((char) c);
                            c = in.read();
                        }
                        String n = name.toString();
                        if (afterType && n.equals("Page")) {
                            pages++;
                        }
                        if (n.equals("Encrypt")) {
                            encrypted = true;
                        }
                        afterType = n.equals("Type");
                        continue;
                    }
                    if (c != ' ' && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != 0) {
                        afterType = false;
                    }
                    c = in.read();
                }
            }
            return new PdfScan(pages, encrypted);
        }
    }
}
