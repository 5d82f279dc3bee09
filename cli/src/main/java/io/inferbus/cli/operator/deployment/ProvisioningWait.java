package io.inferbus.cli.operator.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import io.inferbus.cli.operator.CliException;
import io.inferbus.cli.operator.ControlPlaneClient;
import io.inferbus.cli.operator.Terminal.ProgressLine;
import java.time.Duration;
import java.util.Locale;

/**
 * Waits for a deployment to reach {@code Succeeded} (or {@code Failed}, which is an error carrying
 * its reason), drawing state, ready instances and elapsed time on a terminal.
 */
final class ProvisioningWait {
  /** Loading a large model on a busy node can take minutes; past this the command gives up waiting. */
  static final Duration LIMIT = Duration.ofMinutes(30);

  private ProvisioningWait() {}

  static JsonNode untilSettled(ControlPlaneClient client, String path, String label, boolean quiet) {
    ProgressLine line = new ProgressLine(quiet);
    long start = System.nanoTime();
    try {
      while (true) {
        JsonNode deployment = client.get(path);
        String state = deployment.path("provisioning_state").asText();
        if (state.equals("Failed")) {
          line.clear();
          throw new CliException(label + " failed: " + deployment.path("failure_reason").asText("no reason given")
              + " (inferbus online-deployment get-logs shows its instances' logs)");
        }
        long ready = 0;
        for (JsonNode instance : deployment.path("instances")) {
          if (instance.path("state").asText().equals("Ready")) {
            ready++;
          }
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        // drawn at least once, also when the first answer is already Succeeded (a cached model loads in ms)
        line.show(String.format(Locale.ROOT, "%s: %s, ready instances %d/%d, %.1f s", label, state, ready,
            deployment.path("instance_count").asInt(), elapsed));
        if (state.equals("Succeeded")) {
          return deployment;
        }
        if (elapsed > LIMIT.toSeconds()) {
          line.clear();
          throw new CliException(label + " is still " + state + " after " + LIMIT.toMinutes() + " minutes; "
              + "inferbus online-deployment show and get-logs tell why");
        }
        sleep(elapsed < 2 ? 100 : 500);
      }
    } finally {
      line.clear();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis); // polling the control plane for a state it reports; there is nothing to wait on
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted while waiting");
    }
  }
}
