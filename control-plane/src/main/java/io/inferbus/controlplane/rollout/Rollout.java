package io.inferbus.controlplane.rollout;

import io.inferbus.controlplane.rollout.StepWindow.Baseline;
import io.inferbus.protocol.spec.RolloutSpec;
import io.inferbus.protocol.state.EndpointState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One canary rollout as the store keeps it (table {@code rollouts}, one per endpoint: the running one
 * or the last one ended). Immutable: each change of state is a new value written in the transaction
 * of the traffic revision that goes with it. Times in epoch milliseconds, ISO-8601 in JSON.
 *
 * @param id tells this rollout from an earlier or later one of the same endpoint
 * @param stable the live weights of the other deployments when it started: what the canary is
 *     compared with, and what an abort or a rollback goes back to
 * @param step the current step, 0-based
 * @param stepStartedMs when the current step's traffic was written: its window starts there
 * @param baseline the gateways' slot at the step's start (see {@link StepWindow}); null if unknown
 * @param trafficRevision the endpoint's traffic revision the rollout wrote last
 * @param pause why, by whom and when it paused; null unless {@link State#PAUSED}
 * @param endedMs when it ended, null while running or paused
 * @param verdicts the evaluations that decided something (a step passed, a breach, a pause for lack
 *     of answers, the end), oldest first, each with its window and figures
 */
public record Rollout(String id, String endpoint, RolloutSpec spec, Map<String, Integer> stable, State state,
    int step, long stepStartedMs, Baseline baseline, long trafficRevision, long startedMs, String startedBy,
    Pause pause, Long endedMs, String endedBy, String endReason, List<JsonObject> verdicts) {

  public Rollout {
    stable = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(stable));
    verdicts = List.copyOf(verdicts);
  }

  /** Where a rollout is. Running and Paused are in progress; the others are ends. */
  public enum State {
    RUNNING("Running"),
    PAUSED("Paused"),
    SUCCEEDED("Succeeded"),
    ROLLED_BACK("RolledBack"),
    ABORTED("Aborted");

    private final String shown;

    State(String shown) {
      this.shown = shown;
    }

    public String shown() {
      return shown;
    }

    public boolean inProgress() {
      return this == RUNNING || this == PAUSED;
    }

    static State parse(String shown) {
      for (State s : values()) {
        if (s.shown.equals(shown)) {
          return s;
        }
      }
      throw new IllegalArgumentException("no rollout state " + shown);
    }
  }

  /** Why a rollout paused: a manual traffic change (who made it) or too few answers (the rollout). */
  public record Pause(String reason, String actor, long atMs, Long trafficRevision) {
    JsonObject toJson() {
      return new JsonObject().put("reason", reason).put("actor", actor).put("time", iso(atMs))
          .put("traffic_revision", trafficRevision);
    }

    static Pause fromJson(JsonObject json) {
      return json == null ? null : new Pause(json.getString("reason"), json.getString("actor"),
          millis(json.getString("time")), json.getLong("traffic_revision"));
    }
  }

  public String deployment() {
    return spec.deployment();
  }

  /** The canary's share at the current step. */
  public int share() {
    return spec.share(step);
  }

  public boolean isLastStep() {
    return spec.isLastStep(step);
  }

  /** When the current step's interval is over: from then on a passing window ends the step. */
  public long stepEndsMs() {
    return stepStartedMs + spec.stepIntervalS() * 1000L;
  }

  /** When a step still short of min_requests pauses the rollout: its interval plus the extension. */
  public long stepDeadlineMs() {
    return stepEndsMs() + spec.maxStepExtensionS() * 1000L;
  }

  /**
   * The live weights the rollout set last: the current step's while in progress (an operator's change
   * that paused it is in the endpoint, not here), all to the canary once Succeeded, all back to the
   * stable deployments once RolledBack or Aborted.
   */
  public Map<String, Integer> traffic() {
    int canaryShare = switch (state) {
      case RUNNING, PAUSED -> share();
      case SUCCEEDED -> 100;
      case ROLLED_BACK, ABORTED -> 0;
    };
    return RolloutTraffic.weights(stable, deployment(), canaryShare);
  }

  /** The next step, started at {@code nowMs} with its traffic at {@code revision}. */
  public Rollout nextStep(long nowMs, Baseline stepBaseline, long revision, JsonObject verdict) {
    return new Rollout(id, endpoint, spec, stable, State.RUNNING, step + 1, nowMs, stepBaseline, revision, startedMs,
        startedBy, null, null, null, null, with(verdict));
  }

  /** Ended in {@code end} by {@code by} for {@code reason}; {@code revision}: the traffic it left. */
  public Rollout ended(State end, long nowMs, String by, String reason, long revision, JsonObject verdict) {
    return new Rollout(id, endpoint, spec, stable, end, step, stepStartedMs, baseline, revision, startedMs, startedBy,
        null, nowMs, by, reason, with(verdict));
  }

  public Rollout paused(Pause why, JsonObject verdict) {
    return new Rollout(id, endpoint, spec, stable, State.PAUSED, step, stepStartedMs, baseline, trafficRevision,
        startedMs, startedBy, why, null, null, null, with(verdict));
  }

  private List<JsonObject> with(JsonObject verdict) {
    if (verdict == null) {
      return verdicts;
    }
    List<JsonObject> more = new ArrayList<>(verdicts);
    more.add(verdict);
    return more;
  }

  /** The last decisive verdict, or null. */
  public JsonObject lastVerdict() {
    return verdicts.isEmpty() ? null : verdicts.get(verdicts.size() - 1);
  }

  /** As stored: {@link #view}'s fields, with {@code id} and {@code baseline}. */
  public JsonObject toJson() {
    return view(null).put("id", id).put("baseline", baseline == null ? null : baseline.toJson());
  }

  /**
   * As {@code GET /endpoints/{e}/rollout} shows it; {@code latest}: the latest evaluation of the
   * running step (kept in memory, every second), shown as {@code last_verdict} in place of the last
   * decisive one; null for none.
   */
  public JsonObject view(JsonObject latest) {
    JsonObject shown = new JsonObject()
        .put("endpoint", endpoint)
        .put("deployment", deployment())
        .put("state", state.shown())
        .mergeIn(spec.toJson())
        .put("stable", EndpointState.weightsToJson(stable))
        .put("current_step", step + 1)
        .put("current_share", share())
        .put("traffic", EndpointState.weightsToJson(traffic()))
        .put("traffic_revision", trafficRevision)
        .put("step_started_at", iso(stepStartedMs))
        .put("step_ends_at", iso(stepEndsMs()))
        .put("step_deadline", iso(stepDeadlineMs()))
        .put("started_at", iso(startedMs))
        .put("started_by", startedBy)
        .put("paused", pause == null ? null : pause.toJson())
        .put("ended_at", endedMs == null ? null : iso(endedMs))
        .put("ended_by", endedBy)
        .put("end_reason", endReason)
        .put("last_verdict", latest != null ? latest : lastVerdict())
        .put("verdicts", new JsonArray(new ArrayList<>(verdicts)));
    return shown;
  }

  /** Reads {@link #toJson}'s form. */
  public static Rollout fromJson(JsonObject json) {
    RolloutSpec spec = RolloutSpec.fromJson(json);
    List<JsonObject> verdicts = new ArrayList<>();
    json.getJsonArray("verdicts", new JsonArray()).forEach(v -> verdicts.add((JsonObject) v));
    return new Rollout(json.getString("id"), json.getString("endpoint"), spec,
        EndpointState.weightsFromJson(json.getJsonObject("stable")), State.parse(json.getString("state")),
        json.getInteger("current_step") - 1, millis(json.getString("step_started_at")),
        Baseline.fromJson(json.getJsonObject("baseline")), json.getLong("traffic_revision"),
        millis(json.getString("started_at")), json.getString("started_by"),
        Pause.fromJson(json.getJsonObject("paused")),
        json.getString("ended_at") == null ? null : millis(json.getString("ended_at")), json.getString("ended_by"),
        json.getString("end_reason"), verdicts);
  }

  static String iso(long ms) {
    return Instant.ofEpochMilli(ms).toString();
  }

  static long millis(String iso) {
    return Instant.parse(iso).toEpochMilli();
  }
}
