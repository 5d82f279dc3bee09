package io.inferbus.controlplane.console;

import io.inferbus.controlplane.auth.OperatorAuth;
import io.inferbus.controlplane.auth.OperatorAuth.Caller;
import io.inferbus.controlplane.operations.ApiResult;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How an operator signs in to the web console: {@code GET /whoami} (what the presented token may do),
 * {@code POST /console/codes} (a one-time code, and the link that carries it, for the caller's own
 * token) and {@code POST /console/session} (the code exchanged for that token, without any other
 * credential). None of them changes desired state, so none leaves an audit record; issuing and
 * exchanging are logged at INFO with the subject, never the code or the token.
 */
public final class ConsoleSignIn {
  private static final Logger LOG = LoggerFactory.getLogger(ConsoleSignIn.class);
  /**
   * Largest body of {@code POST /console/session}, which anyone may call: a code is 43 characters, so
   * this leaves room to tell a pasted wrong thing apart from an upload, and no more.
   */
  public static final long MAX_SESSION_BODY_BYTES = 16 * 1024;
  /** Where the console is served, relative to the management API's base URL. */
  public static final String UI_PATH = "/ui/";
  private static final String SESSION_BODY = "{\"code\": \"<the code after #code= in the link>\"}";

  private final SignInCodes codes;
  private final OperatorAuth auth;
  private final String publicUrl;

  /**
   * @param publicUrl the control plane's configured public URL, which links use; null: the address
   *     each caller used (its Host header)
   */
  public ConsoleSignIn(SignInCodes codes, OperatorAuth auth, String publicUrl) {
    this.codes = codes;
    this.auth = auth;
    this.publicUrl = publicUrl;
  }

  /** {@code GET /whoami}: the caller as its token shows it. */
  public static ApiResult whoami(Caller caller) {
    return ApiResult.ok(new JsonObject()
        .put("subject", caller.subject())
        .put("role", caller.role().claim())
        .put("expires_at", instant(caller.expiresAt()))
        .put("name", caller.token() == null ? null : caller.token().name()));
  }

  /**
   * {@code POST /console/codes}: a code for {@code token}, the caller's own bearer token, so the code
   * can never grant more than the caller has.
   *
   * @param body the request's JSON body ({@code {}} when it sent none); it takes no fields
   * @param callerBaseUrl the base URL the caller reached the control plane at, used without a public URL
   */
  public ApiResult issue(Caller caller, String token, JsonObject body, String callerBaseUrl, String requestId) {
    if (!body.isEmpty()) {
      String field = body.fieldNames().iterator().next();
      throw new InferbusException(FailureKind.BAD_INPUT, "POST /console/codes takes no fields; got '" + field
          + "' (the code stands for the token the call is made with)", field);
    }
    SignInCodes.Issued issued = codes.issue(caller.subject(), caller.role(), token, caller.expiresAt());
    LOG.info("request {}: console sign-in code issued to {} ({}), valid until {}", requestId, caller.subject(),
        caller.role().claim(), issued.expiresAt());
    String base = publicUrl != null ? publicUrl : callerBaseUrl;
    return ApiResult.ok(new JsonObject()
        .put("code", issued.code())
        .put("expires_at", issued.expiresAt().toString())
        .put("url", base + UI_PATH + "#code=" + issued.code())
        .put("subject", caller.subject())
        .put("role", caller.role().claim()));
  }

  /**
   * {@code POST /console/session}: {@code {"code": "..."}} exchanged, once, for the token it stands for.
   * The token is verified again first, so a token revoked or expired since the code was issued signs
   * nobody in.
   */
  public Future<ApiResult> exchange(String contentType, Buffer body, String requestId) {
    String code = code(contentType, body);
    SignInCodes.Grant grant = codes.redeem(code);
    return auth.verify(grant.token())
        .recover(e -> Future.failedFuture(new InferbusException(FailureKind.UNAUTHORIZED,
            "the sign-in code stands for a token that is no longer valid (" + e.getMessage()
                + "); run `inferbus console` with a valid token for a new link", "code")))
        .map(caller -> {
          LOG.info("request {}: console sign-in code exchanged for the token of {} ({})", requestId,
              caller.subject(), caller.role().claim());
          return ApiResult.ok(new JsonObject()
              .put("token", grant.token())
              .put("subject", caller.subject())
              .put("role", caller.role().claim())
              .put("expires_at", instant(caller.expiresAt())));
        });
  }

  /**
   * The code a session request sends. The body is never quoted back in a message or the log: it may
   * hold a code.
   */
  private static String code(String contentType, Buffer body) {
    if (body == null || body.length() == 0) {
      throw new InferbusException(FailureKind.BAD_INPUT, "the body is missing: send " + SESSION_BODY
          + " as Content-Type: application/json", "code");
    }
    String mediaType = contentType == null ? "" : contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    if (!mediaType.equals("application/json")) {
      throw new InferbusException(FailureKind.BAD_INPUT, "send the body as Content-Type: application/json ("
          + (mediaType.isEmpty() ? "the request has none" : "not '" + mediaType + "'") + "): " + SESSION_BODY);
    }
    Object parsed;
    try {
      parsed = Json.decodeValue(body.toString(StandardCharsets.UTF_8));
    } catch (DecodeException e) {
      throw new InferbusException(FailureKind.BAD_INPUT, "the body is not valid JSON: send " + SESSION_BODY);
    }
    if (!(parsed instanceof JsonObject json)) {
      throw new InferbusException(FailureKind.BAD_INPUT, "the body must be a JSON object: " + SESSION_BODY);
    }
    for (String field : json.fieldNames()) {
      if (!field.equals("code")) {
        throw new InferbusException(FailureKind.BAD_INPUT, "unknown field '" + field + "': send " + SESSION_BODY,
            field);
      }
    }
    if (!json.containsKey("code")) {
      throw new InferbusException(FailureKind.BAD_INPUT, "the body has no code: send " + SESSION_BODY, "code");
    }
    Object code = json.getValue("code");
    if (!(code instanceof String text)) {
      throw new InferbusException(FailureKind.BAD_INPUT, "code must be a string, not " + kind(code) + ": send "
          + SESSION_BODY, "code");
    }
    return text;
  }

  private static String kind(Object value) {
    return value == null ? "null" : value instanceof Number ? "a number" : value instanceof Boolean ? "a boolean"
        : value instanceof JsonObject ? "an object" : "an array";
  }

  /** An instant as answers show it (ISO-8601), null for none. */
  private static String instant(Instant t) {
    return t == null ? null : t.toString();
  }
}
