package com.hushryd.uploads;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.imageio.ImageIO;

/** Files for upload tests, made here: real images and PDFs, and things that only pretend to be. */
public final class Samples {
    private Samples() {
    }

    /** A real image of this size in {@code format} ("png" or "jpeg"), a document-like drawing. */
    public static byte[] image(String format, int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(new Color(20, 60, 140));
        g.fillRect(width / 10, height / 10, width / 3, height / 3);
        g.setColor(Color.BLACK);
        for (int y = height / 2; y < height - 10; y += Math.max(4, height / 20)) {
            g.drawLine(width / 10, y, width - width / 10, y);
        }
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalArgumentException("no writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A PDF with {@code pages} pages, objects in plain text. */
    public static byte[] pdf(int pages) {
        StringBuilder s = new StringBuilder("%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n");
        s.append("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
        StringBuilder kids = new StringBuilder();
        for (int i = 0; i < pages; i++) {
            kids.append(3 + i).append(" 0 R ");
        }
        s.append("2 0 obj\n<< /Type /Pages /Kids [").append(kids).append("] /Count ").append(pages)
                .append(" >>\nendobj\n");
        for (int i = 0; i < pages; i++) {
            s.append(3 + i).append(" 0 obj\n<</Type/Page/Parent 2 0 R/MediaBox [0 0 595 842]>>\nendobj\n");
        }
        s.append("trailer\n<< /Root 1 0 R /Size ").append(3 + pages).append(" >>\n%%EOF\n");
        return s.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Plain text, as a file that only claims to be an image would hold. */
    public static byte[] text() {
        return ("This is not a picture of a driving licence. It is a text file renamed to .png.\n")
                .repeat(20).getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] truncated(byte[] file, int keep) {
        return Arrays.copyOf(file, keep);
    }
}
