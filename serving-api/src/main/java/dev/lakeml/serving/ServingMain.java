package dev.lakeml.serving;

import java.time.Clock;
import java.util.Arrays;
import java.util.List;

/**
 * {@code java -jar serving-api-<version>-app.jar --project DIR --lakehouse DIR ...}: starts the
 * server and stops it gracefully on SIGTERM. A configuration problem is one line on stderr and exit
 * code 2 (no stack trace).
 */
public final class ServingMain {
  private ServingMain() {}

  public static void main(String[] args) {
    List<String> list = Arrays.asList(args);
    if (list.contains("--help") || list.contains("-h")) {
      System.out.print(ServingConfig.usage());
      return;
    }
    ServingServer server;
    try {
      ServingConfig config = ServingConfig.parse(args, System.getenv());
      server = new ServingServer(config, Clock.systemUTC(), System.out);
      server.start();
    } catch (ServingConfig.SettingException e) {
      System.err.println("serving-api: " + e.getMessage());
      System.exit(2);
      return;
    } catch (RuntimeException e) {
      System.err.println("serving-api: cannot start: " + e.getMessage());
      System.exit(2);
      return;
    }
    ServingServer s = server;
    Runtime.getRuntime().addShutdownHook(new Thread(s::close, "lakeml-serving-shutdown"));
  }
}
