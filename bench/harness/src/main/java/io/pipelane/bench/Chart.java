package io.pipelane.bench;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Requests/s by depth per client, one panel per (server, file, pattern), drawn with Java2D (headless). */
final class Chart {
    private static final Map<String, Color> COLORS = new LinkedHashMap<>();

    static {
        COLORS.put("raw socket", new Color(0x55, 0x55, 0x55));
        COLORS.put("Netty 4.2", new Color(0x16, 0xa0, 0x85));
        COLORS.put("Pipelane TRUE", new Color(0x1f, 0x77, 0xb4));
        COLORS.put("Pipelane AUTO", new Color(0x6b, 0xae, 0xd6));
        COLORS.put("Vert.x 5", new Color(0x8e, 0x44, 0xad));
        COLORS.put("HttpCore 5", new Color(0xe6, 0x7e, 0x22));
        COLORS.put("JDK HttpClient", new Color(0x27, 0xae, 0x60));
        COLORS.put("OkHttp 5", new Color(0xc0, 0x39, 0x2b));
    }

    private Chart() {
    }

    static void write(Path file, List<Harness.Row> rows) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Map<String, List<Harness.Row>> panels = new LinkedHashMap<>();
        for (Harness.Row r : rows) {
            panels.computeIfAbsent(r.group.server() + ", " + r.group.file() + ", " + r.group.pattern().label(), x -> new ArrayList<>()).add(r);
        }
        int width = 1400;
        int panelHeight = 430;
        int top = 70;
        int height = top + panels.size() * panelHeight + 20;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 22));
        g.drawString("Requests/s on one connection, by pipeline depth (median, whiskers min–max; label: ratio to raw)", 30, 34);
        // legend
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 15));
        int lx = 30;
        for (Map.Entry<String, Color> e : COLORS.entrySet()) {
            g.setColor(e.getValue());
            g.fillRect(lx, 48, 16, 14);
            g.setColor(Color.BLACK);
            g.drawString(e.getKey(), lx + 22, 61);
            lx += 22 + g.getFontMetrics().stringWidth(e.getKey()) + 26;
        }
        int y = top;
        for (Map.Entry<String, List<Harness.Row>> panel : panels.entrySet()) {
            drawPanel(g, panel.getKey(), panel.getValue(), 30, y + 10, width - 60, panelHeight - 30);
            y += panelHeight;
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    private static void drawPanel(Graphics2D g, String title, List<Harness.Row> rows, int x, int y, int w, int h) {
        Set<Integer> depths = new LinkedHashSet<>();
        double max = 0;
        for (Harness.Row r : rows) {
            depths.add(r.group.depth());
            max = Math.max(max, r.max());
        }
        double top = niceCeiling(max * 1.08);
        int left = x + 90;
        int plotW = w - 100;
        int plotTop = y + 34;
        int plotH = h - 70;
        int base = plotTop + plotH;
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        g.drawString(title, x, y + 18);
        // grid
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        FontMetrics fm = g.getFontMetrics();
        for (int i = 0; i <= 5; i++) {
            double v = top * i / 5;
            int gy = base - (int) Math.round(plotH * v / top);
            g.setColor(new Color(0xdd, 0xdd, 0xdd));
            g.drawLine(left, gy, left + plotW, gy);
            g.setColor(Color.DARK_GRAY);
            String label = v >= 1000 ? String.format(Locale.ROOT, "%,.0fk", v / 1000) : String.format(Locale.ROOT, "%.0f", v);
            g.drawString(label, left - 8 - fm.stringWidth(label), gy + 5);
        }
        g.setColor(Color.BLACK);
        g.drawLine(left, base, left + plotW, base);
        int groupW = plotW / depths.size();
        int gi = 0;
        for (int depth : depths) {
            List<Harness.Row> inGroup = new ArrayList<>();
            for (Harness.Row r : rows) if (r.group.depth() == depth) inGroup.add(r);
            int slots = COLORS.size();
            int barW = (groupW - 40) / slots;
            int gx = left + gi * groupW + 20 + (slots - inGroup.size()) * barW / 2;
            for (Harness.Row r : inGroup) {
                double v = r.median();
                int bh = (int) Math.round(plotH * v / top);
                g.setColor(COLORS.getOrDefault(r.client, Color.GRAY));
                g.fillRect(gx + 3, base - bh, barW - 6, bh);
                // whisker min–max
                int yMin = base - (int) Math.round(plotH * r.min() / top);
                int yMax = base - (int) Math.round(plotH * r.max() / top);
                int cx = gx + barW / 2;
                g.setColor(Color.BLACK);
                g.setStroke(new BasicStroke(1.5f));
                g.drawLine(cx, yMin, cx, yMax);
                g.drawLine(cx - 5, yMin, cx + 5, yMin);
                g.drawLine(cx - 5, yMax, cx + 5, yMax);
                String label = String.format(Locale.ROOT, "%.2f", r.ratio);
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
                g.drawString(label, cx - g.getFontMetrics().stringWidth(label) / 2, Math.min(yMax, base - bh) - 5);
                gx += barW;
            }
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
            String dl = "depth " + depth;
            g.drawString(dl, left + gi * groupW + groupW / 2 - g.getFontMetrics().stringWidth(dl) / 2, base + 22);
            gi++;
        }
    }

    private static double niceCeiling(double v) {
        if (v <= 0) return 1;
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
            if (m * p >= v) return m * p;
        }
        return 10 * p;
    }
}
