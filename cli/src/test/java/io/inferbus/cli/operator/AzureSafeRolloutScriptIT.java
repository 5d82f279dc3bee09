package io.inferbus.cli.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.Cli;
import io.inferbus.testing.Cli.Result;
import io.inferbus.testing.EmbeddedNodeTest;
import org.junit.jupiter.api.Test;

/**
 * Azure's documented safe rollout for managed online endpoints (azureml-examples,
 * cli/deploy-safe-rollout-online-endpoints.sh), command by command, with {@code az ml} replaced by
 * {@code inferbus}, Azure's sample paths by the credit example's, and curl told the node's CA: each
 * step's exit code and the traffic {@code show --query traffic} prints between the steps.
 */
class AzureSafeRolloutScriptIT extends EmbeddedNodeTest {
  private static final String SAMPLE = "examples/credit-scoring/sample-request.json";
  private static final String BLUE_ANSWER = "[0,1,0,0]";
  private static final String GREEN_ANSWER = "[0,1,0,1]";

  private Cli shell;

  private Result step(String command) {
    Result r = shell.bash(command);
    assertEquals(0, r.exit(), () -> command + "\n" + r);
    return r;
  }

  private void trafficIs(String expected) {
    Result r = step("inferbus online-endpoint show -n $ENDPOINT_NAME --query traffic");
    assertEquals(expected, r.json().toString(), r.toString());
  }

  @Test
  void theSafeRolloutScriptRunsWithAzMlReplacedByInferbus() {
    shell = Cli.of(dataDir.resolve("client.json")).with("ENDPOINT_NAME", "endpt-sr-" + (int) (Math.random() * 32768))
        .with("CA", dataDir.resolve("tls").resolve("ca.pem").toString());

    step("inferbus online-endpoint create --name $ENDPOINT_NAME -f examples/credit-scoring/endpoint.yml");
    trafficIs("{}");
    Result blue = step("inferbus online-deployment create --name blue --endpoint-name $ENDPOINT_NAME "
        + "-f examples/credit-scoring/blue-deployment.yml --all-traffic");
    assertTrue(blue.stderr().contains("instance_type"), "the Azure-only field is noted: " + blue);
    trafficIs("{\"blue\":100}");
    assertEquals(BLUE_ANSWER, step("inferbus online-endpoint invoke --name $ENDPOINT_NAME --request-file " + SAMPLE)
        .json().path("label").toString());

    Result scaled = step("inferbus online-deployment update --name blue --endpoint-name $ENDPOINT_NAME "
        + "--set instance_count=2");
    assertEquals(2, scaled.json().path("instances").size(), scaled.toString());

    step("inferbus online-deployment create --name green --endpoint-name $ENDPOINT_NAME "
        + "-f examples/credit-scoring/green-deployment.yml");
    trafficIs("{\"blue\":100,\"green\":0}");
    assertEquals(GREEN_ANSWER, step("inferbus online-endpoint invoke --name $ENDPOINT_NAME --deployment-name green "
        + "--request-file " + SAMPLE).json().path("label").toString());

    Result curl = step("set +x; ENDPOINT_KEY=$(inferbus online-endpoint get-credentials -n $ENDPOINT_NAME -o tsv "
        + "--query primaryKey); set -x; "
        + "SCORING_URI=$(inferbus online-endpoint show -n $ENDPOINT_NAME -o tsv --query scoring_uri); "
        + "curl --fail-with-body --silent --cacert \"$CA\" --request POST \"$SCORING_URI\" "
        + "--header \"Authorization: Bearer $ENDPOINT_KEY\" --header 'Content-Type: application/json' "
        + "--header \"azureml-model-deployment: green\" --data @" + SAMPLE);
    assertEquals(GREEN_ANSWER, curl.json().path("label").toString(), curl.toString());

    step("inferbus online-endpoint update --name $ENDPOINT_NAME --mirror-traffic \"green=10\"");
    assertEquals("{\"green\":10}", step("inferbus online-endpoint show -n $ENDPOINT_NAME --query mirror_traffic")
        .json().toString());
    step("inferbus online-endpoint update --name $ENDPOINT_NAME --mirror-traffic \"green=0\"");
    assertEquals("{}", step("inferbus online-endpoint show -n $ENDPOINT_NAME --query mirror_traffic")
        .json().toString());
    step("inferbus online-endpoint update --name $ENDPOINT_NAME --traffic \"blue=90 green=10\"");
    trafficIs("{\"blue\":90,\"green\":10}");
    step("inferbus online-endpoint update --name $ENDPOINT_NAME --traffic \"blue=0 green=100\"");
    trafficIs("{\"blue\":0,\"green\":100}");
    assertEquals(GREEN_ANSWER, step("inferbus online-endpoint invoke --name $ENDPOINT_NAME --request-file " + SAMPLE)
        .json().path("label").toString(), "all live traffic goes to green");

    Result deleted = step("inferbus online-deployment delete --name blue --endpoint $ENDPOINT_NAME --yes --no-wait");
    assertEquals("", deleted.stdout());
    trafficIs("{\"green\":100}");
    step("inferbus online-endpoint delete --name $ENDPOINT_NAME --yes --no-wait");
    assertEquals(3, shell.bash("inferbus online-endpoint show -n $ENDPOINT_NAME").exit(), "the endpoint is gone");
  }
}
