package dev.meldtown.blockstore;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, exactly as written: clients normalise {@code ..} segments and refuse oversize
 * requests, so requests that probe the HTTP layer itself are sent this way.
 */
final class RawHttp {
    record Answer(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private RawHttp() {
    }

    /** Sends {@code head} (request line and headers, without the blank line) and {@code body}; reads one answer. */
    static Answer send(int port, String head, byte[] body) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            out.write((head + "\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            try {
                out.write(body);
                out.flush();
            } catch (IOException e) {
                // the server may answer and close before reading the body
            }
            return read(socket.getInputStream());
        }
    }

    private static Answer read(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        int split = -1;
        int expected = -1;
        try {
            for (int b; (b = in.read()) >= 0; ) {
                all.write(b);
                if (split < 0) {
                    String sofar = all.toString(StandardCharsets.ISO_8859_1);
                    if (sofar.endsWith("\r\n\r\n")) {
                        split = sofar.length() - 4;
                        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(sofar);
                        expected = m.find() ? Integer.parseInt(m.group(1)) : -1;
                        if (expected == 0) {
                            break;
                        }
                    }
                } else if (expected >= 0 && all.size() - split - 4 >= expected) {
                    break;
                }
            }
        } catch (java.net.SocketException e) {
            // connection reset after the answer
        }
        String text = all.toString(StandardCharsets.UTF_8);
        if (split < 0) {
            throw new IOException("no HTTP answer, got: " + text);
        }
        String[] lines = text.substring(0, split).split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        return new Answer(Integer.parseInt(lines[0].split(" ")[1]), headers, text.substring(split + 4));
    }
}
