package dev.courier.server.testing;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The schema versions this build ships, read from the migrations on the class path. */
public final class Schemas {
  private static final Pattern MIGRATION = Pattern.compile("V(\\d+(?:[._]\\d+)*)__.*\\.sql");

  private Schemas() {}

  /** The latest domain migration's version as Flyway reports it, such as {@code 2} or {@code 3.1}. */
  public static String latestCourierVersion() {
    List<String> versions = new ArrayList<>();
    try {
      for (URL url : Collections.list(Schemas.class.getClassLoader().getResources("db/courier"))) {
        for (String name : fileNames(url)) {
          Matcher m = MIGRATION.matcher(name);
          if (m.matches()) {
            versions.add(m.group(1).replace('_', '.'));
          }
        }
      }
    } catch (IOException | URISyntaxException e) {
      throw new IllegalStateException("cannot list the migrations", e);
    }
    return versions.stream()
        .max(Comparator.comparing(v -> Arrays.stream(v.split("\\.")).mapToLong(Long::parseLong).toArray(), Arrays::compare))
        .orElseThrow(() -> new IllegalStateException("no migrations on the class path"));
  }

  private static List<String> fileNames(URL url) throws IOException, URISyntaxException {
    if ("jar".equals(url.getProtocol())) {
      FileSystem fs;
      try {
        fs = FileSystems.getFileSystem(url.toURI());
      } catch (FileSystemNotFoundException e) {
        fs = FileSystems.newFileSystem(url.toURI(), Map.of());
      }
      return names(fs.provider().getPath(url.toURI()));
    }
    return names(Path.of(url.toURI()));
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).toList();
    }
  }
}
