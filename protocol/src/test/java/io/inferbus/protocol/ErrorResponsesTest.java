package io.inferbus.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What a caller reads when the gateway or the control plane refuses: the status, the type, the bytes. */
class ErrorResponsesTest {
  static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void azureMlShapeHasCodeAndMessage() throws Exception {
    Answer a = answer(r -> ErrorResponses.send(r, ScoringProtocol.AZURE_ML, FailureKind.NOT_FOUND, "no such endpoint"));
    assertEquals(new Answer(404, "application/json",
        "{\"error\":{\"code\":\"NotFound\",\"message\":\"no such endpoint\"}}"), a);
  }

  @Test
  void openInferenceShapeIsTheMessageAlone() throws Exception {
    Answer a = answer(r -> ErrorResponses.send(r, ScoringProtocol.OPEN_INFERENCE, FailureKind.OVERLOADED, "queue full"));
    assertEquals(new Answer(429, "application/json", "{\"error\":\"queue full\"}"), a);
  }

  @Test
  void answerHttpDecidesTakesItsOwnStatusAndCode() throws Exception {
    Answer a = answer(r -> ErrorResponses.send(r, ScoringProtocol.AZURE_ML, 431, "RequestHeaderFieldsTooLarge",
        "too large"));
    assertEquals(new Answer(431, "application/json",
        "{\"error\":{\"code\":\"RequestHeaderFieldsTooLarge\",\"message\":\"too large\"}}"), a);
  }

  @Test
  void managementFailureNamesItsTarget() throws Exception {
    Answer a = answer(r -> ErrorResponses.send(r, new InferbusException(FailureKind.BAD_INPUT, "bad since", "since")));
    assertEquals(new Answer(400, "application/json",
        "{\"error\":{\"code\":\"BadRequest\",\"message\":\"bad since\",\"target\":\"since\"}}"), a);
  }

  @Test
  void managementFailureWithoutTargetIsTheAzureMlShape() throws Exception {
    Answer a = answer(r -> ErrorResponses.send(r, new InferbusException(FailureKind.TIMED_OUT, "body overdue")));
    assertEquals(new Answer(408, "application/json",
        "{\"error\":{\"code\":\"RequestTimeout\",\"message\":\"body overdue\"}}"), a);
  }

  @Test
  void anAnswerAlreadyWrittenIsLeftAlone() throws Exception {
    Answer a = answer(r -> r.setStatusCode(200).end("done")
        .compose(v -> ErrorResponses.send(r, ScoringProtocol.AZURE_ML, FailureKind.INTERNAL, "late")));
    assertEquals(new Answer(200, null, "done"), a);
  }

  @Test
  void bodiesAreTheSameForBothCallersOfTheAzureMlShape() {
    assertEquals(ErrorResponses.body(ScoringProtocol.AZURE_ML, "Conflict", "m"),
        ErrorResponses.body("Conflict", "m", null));
    assertEquals(new JsonObject().put("error", "m"), ErrorResponses.body(ScoringProtocol.OPEN_INFERENCE, "Conflict", "m"));
  }

  private record Answer(int status, String contentType, String body) {}

  /** Serves one request with {@code write} and returns what the client received. */
  private static Answer answer(Function<HttpServerResponse, Future<Void>> write) throws Exception {
    HttpServer server = vertx.createHttpServer().requestHandler(req -> write.apply(req.response()));
    // held until the answer is read: Vert.x 5 closes a client nothing refers to ("Pool closed")
    HttpClient client = vertx.createHttpClient();
    try {
      int port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture()
          .get(10, TimeUnit.SECONDS).actualPort();
      return client
          .request(HttpMethod.GET, port, "127.0.0.1", "/")
          .compose(req -> req.send())
          .compose((HttpClientResponse resp) -> resp.body()
              .map(body -> new Answer(resp.statusCode(), resp.getHeader("content-type"), body.toString())))
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } finally {
      client.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
