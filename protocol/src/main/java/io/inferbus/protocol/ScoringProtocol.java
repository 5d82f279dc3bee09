package io.inferbus.protocol;

/** The two scoring wire formats a gateway accepts and an instance understands. */
public enum ScoringProtocol {
  /** Azure ML style: {@code {"input_data": ...}} or {@code {"data": ...}} in, {@code {"<output>": ...}} out. */
  AZURE_ML("azureml"),
  /** Open Inference Protocol (KServe V2 / Triton) JSON. */
  OPEN_INFERENCE("v2");

  private final String wireName;

  ScoringProtocol(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static ScoringProtocol fromWireName(String name) {
    for (ScoringProtocol p : values()) {
      if (p.wireName.equals(name)) {
        return p;
      }
    }
    throw new IllegalArgumentException("unknown scoring protocol: " + name);
  }
}
