package dev.courier.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code courier} launcher's choice of JDK: JAVA_HOME if it is 21+, else {@code java} on PATH
 * if 21+. Fake JDKs (scripts that report a version) stand in for real ones.
 */
class LauncherTest {
  private static final Path LAUNCHER = Path.of("..", "courier").toAbsolutePath().normalize();

  @TempDir Path dir;

  private Path fakeJdk(String name, int version) throws Exception {
    Path bin = Files.createDirectories(dir.resolve(name).resolve("bin"));
    String script =
        "#!/bin/sh\necho '    java.specification.version = " + version + "' >&2\n";
    for (String tool : new String[] {"java", "javac"}) {
      Path f = bin.resolve(tool);
      Files.writeString(f, script);
      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    return dir.resolve(name);
  }

  private String chosenJdk(String javaHome, String path) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("bash", LAUNCHER.toString(), "--version");
    pb.environment().put("COURIER_LAUNCHER_PRINT_JDK", "1");
    pb.environment().put("JAVA_HOME", javaHome);
    pb.environment().put("PATH", path);
    pb.redirectErrorStream(true);
    Process p = pb.start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  @Test
  void usesJavaHomeWhenItIsAJdk21OrNewer() throws Exception {
    Path jdk21 = fakeJdk("jdk21", 21);
    assertThat(chosenJdk(jdk21.toString(), "/usr/bin:/bin")).isEqualTo(jdk21.toString());
  }

  @Test
  void skipsAnOldJavaHomeAndTakesJavaOnPathWhenItIsNewEnough() throws Exception {
    Path jdk17 = fakeJdk("jdk17", 17);
    Path jdk22 = fakeJdk("jdk22", 22);
    String chosen = chosenJdk(jdk17.toString(), jdk22.resolve("bin") + ":/usr/bin:/bin");
    assertThat(chosen).isEqualTo(jdk22.toString());
  }
}
