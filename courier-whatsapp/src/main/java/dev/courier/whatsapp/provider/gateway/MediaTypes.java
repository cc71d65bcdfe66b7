package dev.courier.whatsapp.provider.gateway;

import java.net.URI;
import java.util.Locale;
import java.util.Map;

/**
 * MIME types for media given by link. Cloud API media objects carry no MIME type, but gateways
 * want one, so it is read from the file name or the link's extension.
 */
final class MediaTypes {
  private static final Map<String, String> BY_EXTENSION =
      Map.ofEntries(
          Map.entry("jpg", "image/jpeg"),
          Map.entry("jpeg", "image/jpeg"),
          Map.entry("png", "image/png"),
          Map.entry("webp", "image/webp"),
          Map.entry("gif", "image/gif"),
          Map.entry("mp4", "video/mp4"),
          Map.entry("3gp", "video/3gpp"),
          Map.entry("mov", "video/quicktime"),
          Map.entry("mp3", "audio/mpeg"),
          Map.entry("ogg", "audio/ogg"),
          Map.entry("opus", "audio/ogg"),
          Map.entry("m4a", "audio/mp4"),
          Map.entry("aac", "audio/aac"),
          Map.entry("amr", "audio/amr"),
          Map.entry("pdf", "application/pdf"),
          Map.entry("txt", "text/plain"),
          Map.entry("csv", "text/csv"),
          Map.entry("doc", "application/msword"),
          Map.entry(
              "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
          Map.entry("xls", "application/vnd.ms-excel"),
          Map.entry("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
          Map.entry("ppt", "application/vnd.ms-powerpoint"),
          Map.entry(
              "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
          Map.entry("zip", "application/zip"));

  private MediaTypes() {}

  /** The MIME type named by the file name, else by the link, else null. */
  static String guess(String filename, String link) {
    String fromName = byExtension(filename);
    return fromName != null ? fromName : byExtension(lastSegment(link));
  }

  /** The last path segment of a link (its file name), or null. */
  static String lastSegment(String link) {
    if (link == null) {
      return null;
    }
    try {
      String path = URI.create(link).getPath();
      if (path == null || path.isEmpty() || path.endsWith("/")) {
        return null;
      }
      return path.substring(path.lastIndexOf('/') + 1);
    } catch (IllegalArgumentException notAUri) {
      return null;
    }
  }

  private static String byExtension(String name) {
    if (name == null) {
      return null;
    }
    int dot = name.lastIndexOf('.');
    if (dot < 0 || dot == name.length() - 1) {
      return null;
    }
    return BY_EXTENSION.get(name.substring(dot + 1).toLowerCase(Locale.ROOT));
  }
}
