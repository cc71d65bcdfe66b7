package dev.courier.whatsapp.campaign;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;

/**
 * A streaming RFC 4180 reader: fields separated by commas, optionally quoted with {@code "} (a
 * doubled quote inside is one quote; quoted fields may hold commas and line breaks), records ending
 * in LF or CRLF. Reports the line each record starts on, counting from 1.
 */
final class CsvReader {
  /** One record and the line it starts on. */
  record Row(int line, List<String> fields) {}

  private final Reader in;
  private int line = 1;
  private int peeked = -2;

  CsvReader(Reader in) {
    this.in = in;
  }

  /** The next record, or null at the end. Blank lines come back as a record of one empty field. */
  Row next() throws IOException {
    int c = read();
    if (c < 0) {
      return null;
    }
    int start = line;
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    boolean wasQuoted = false;
    while (true) {
      if (c < 0) {
        if (quoted) {
          throw new IOException("line " + start + ": a quoted field is not closed");
        }
        fields.add(field.toString());
        return new Row(start, fields);
      }
      if (quoted) {
        if (c == '"') {
          int n = read();
          if (n == '"') {
            field.append('"');
          } else {
            quoted = false;
            c = n;
            continue;
          }
        } else {
          if (c == '\n') {
            line++;
          }
          field.append((char) c);
        }
      } else if (c == '"' && field.isEmpty() && !wasQuoted) {
        quoted = true;
        wasQuoted = true;
      } else if (c == ',') {
        fields.add(field.toString());
        field.setLength(0);
        wasQuoted = false;
      } else if (c == '\r') {
        int n = read();
        if (n != '\n') {
          peeked = n;
        }
        line++;
        fields.add(field.toString());
        return new Row(start, fields);
      } else if (c == '\n') {
        line++;
        fields.add(field.toString());
        return new Row(start, fields);
      } else {
        field.append((char) c);
      }
      c = read();
    }
  }

  private int read() throws IOException {
    if (peeked != -2) {
      int p = peeked;
      peeked = -2;
      return p;
    }
    return in.read();
  }
}
