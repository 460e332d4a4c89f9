package dev.errand.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/**
 * One HTTP/1.1 keep-alive connection over a plain socket, one request in flight at a time (no
 * pipelining): what an efficient real client costs, so that a load generator sharing the machine with
 * the server takes as little of it as it must. A request goes out in one write; the response is read
 * by its {@code Content-Length} or its chunked encoding, and the connection reopens when the server
 * asks to close it or a read fails. Not thread-safe: one per sending thread.
 */
final class HttpConnection implements AutoCloseable {
  private static final int MAX_HEADER_LINE = 8192;

  private final InetSocketAddress address;
  private final byte[] head;
  private final Duration timeout;
  private Socket socket;
  private InputStream in;
  private OutputStream out;
  private byte[] request = new byte[1024];
  private final byte[] line = new byte[MAX_HEADER_LINE];
  // Our own read buffer: a BufferedInputStream takes a lock on every byte of the headers.
  private final byte[] buffer = new byte[16384];
  private int position;
  private int limit;

  /** One response: its status and its whole body. */
  record Response(int status, byte[] body) {
    String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** A connection to {@code base} (such as {@code http://127.0.0.1:7700}) for POSTs of JSON to {@code path}. */
  HttpConnection(String base, String path, Duration timeout) {
    URI uri = URI.create(base);
    this.address = new InetSocketAddress(uri.getHost(), uri.getPort());
    this.head = ("POST " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
        + "\r\nContent-Type: application/json\r\nContent-Length: ").getBytes(StandardCharsets.US_ASCII);
    this.timeout = timeout;
  }

  /** POSTs {@code body[0..length)} and reads the whole response; on an I/O error the connection is closed. */
  Response post(byte[] body, int length) throws IOException {
    if (socket == null) {
      open();
    }
    try {
      int framed = frame(body, length); // may grow the buffer, so before reading the field
      out.write(request, 0, framed);
      return read();
    } catch (IOException e) {
      close();
      throw e;
    }
  }

  private void open() throws IOException {
    Socket s = new Socket();
    s.setTcpNoDelay(true); // one write per request: nothing to coalesce, and Nagle would delay it
    s.connect(address, (int) timeout.toMillis());
    s.setSoTimeout((int) timeout.toMillis());
    socket = s;
    in = s.getInputStream();
    position = 0;
    limit = 0;
    out = s.getOutputStream();
  }

  /** Puts the request line, headers and body into {@code request}; returns its length. */
  private int frame(byte[] body, int length) {
    byte[] contentLength = Integer.toString(length).getBytes(StandardCharsets.US_ASCII);
    int total = head.length + contentLength.length + 4 + length;
    if (request.length < total) {
      request = new byte[Math.max(total, request.length * 2)];
    }
    System.arraycopy(head, 0, request, 0, head.length);
    int at = head.length;
    System.arraycopy(contentLength, 0, request, at, contentLength.length);
    at += contentLength.length;
    request[at++] = '\r';
    request[at++] = '\n';
    request[at++] = '\r';
    request[at++] = '\n';
    System.arraycopy(body, 0, request, at, length);
    return at + length;
  }

  private Response read() throws IOException {
    int n = readLine();
    // "HTTP/1.1 201 Created"
    if (n < 12 || line[8] != ' ') {
      throw new IOException("malformed status line: " + new String(line, 0, n, StandardCharsets.US_ASCII));
    }
    int status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    boolean http10 = line[7] == '0';
    long contentLength = -1;
    boolean chunked = false;
    boolean closeAfter = http10;
    while ((n = readLine()) > 0) {
      if (headerIs("content-length", n)) {
        contentLength = Long.parseLong(headerValue(n));
      } else if (headerIs("transfer-encoding", n)) {
        chunked = headerValue(n).toLowerCase().contains("chunked");
      } else if (headerIs("connection", n)) {
        String v = headerValue(n).toLowerCase();
        closeAfter = v.contains("close") || (http10 && !v.contains("keep-alive"));
      }
    }
    byte[] body;
    if (chunked) {
      body = readChunked();
    } else if (contentLength >= 0) {
      body = new byte[(int) contentLength];
      readFully(body, 0, body.length);
    } else {
      body = readToEnd(); // delimited by the end of the connection
      closeAfter = true;
    }
    if (closeAfter) {
      close();
    }
    return new Response(status, body);
  }

  private byte[] readChunked() throws IOException {
    byte[] body = new byte[0];
    while (true) {
      int n = readLine();
      String size = new String(line, 0, n, StandardCharsets.US_ASCII);
      int semicolon = size.indexOf(';'); // chunk extensions
      int chunk = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).strip(), 16);
      if (chunk == 0) {
        while (readLine() > 0) {
          // trailer fields, ignored
        }
        return body;
      }
      int at = body.length;
      body = Arrays.copyOf(body, at + chunk);
      readFully(body, at, chunk);
      if (readLine() != 0) {
        throw new IOException("a chunk did not end with CRLF");
      }
    }
  }

  /** Reads one CRLF-terminated line into {@code line}, without the CRLF; returns its length. */
  private int readLine() throws IOException {
    int n = 0;
    int b;
    while ((b = readByte()) != '\n') {
      if (b < 0) {
        throw new EOFException("the server closed the connection");
      }
      if (n == line.length) {
        throw new IOException("a response line longer than " + line.length + " bytes");
      }
      line[n++] = (byte) b;
    }
    return n > 0 && line[n - 1] == '\r' ? n - 1 : n;
  }

  private int readByte() throws IOException {
    if (position == limit && !fill()) {
      return -1;
    }
    return buffer[position++] & 0xff;
  }

  private boolean fill() throws IOException {
    int n = in.read(buffer);
    position = 0;
    limit = Math.max(n, 0);
    return n > 0;
  }

  private void readFully(byte[] into, int at, int length) throws IOException {
    while (length > 0) {
      if (position == limit && !fill()) {
        throw new EOFException("the connection closed within a body");
      }
      int n = Math.min(length, limit - position);
      System.arraycopy(buffer, position, into, at, n);
      position += n;
      at += n;
      length -= n;
    }
  }

  private byte[] readToEnd() throws IOException {
    byte[] rest = Arrays.copyOfRange(buffer, position, limit);
    position = limit;
    byte[] more = in.readAllBytes();
    byte[] all = Arrays.copyOf(rest, rest.length + more.length);
    System.arraycopy(more, 0, all, rest.length, more.length);
    return all;
  }

  private boolean headerIs(String lowerName, int n) {
    int len = lowerName.length();
    if (n <= len || line[len] != ':') {
      return false;
    }
    for (int i = 0; i < len; i++) {
      if (Character.toLowerCase(line[i]) != lowerName.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private String headerValue(int n) {
    int colon = 0;
    while (line[colon] != ':') {
      colon++;
    }
    return new String(line, colon + 1, n - colon - 1, StandardCharsets.US_ASCII).strip();
  }

  @Override
  public void close() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing a connection we are giving up on
      }
      socket = null;
    }
  }
}
