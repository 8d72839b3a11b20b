package dev.fluke.server;

/** What an agent may be called (its registered name is its identity in the whole fleet). */
final class AgentNames {
  private AgentNames() {}

  /** Why {@code name} cannot be an agent's name, or null when it can. */
  static String problem(String name) {
    if (name == null || name.isBlank()) {
      return "the agent name must not be empty";
    }
    if (name.length() > 253) {
      return "the agent name is longer than 253 characters";
    }
    for (int i = 0; i < name.length(); i++) {
      if (Character.isISOControl(name.charAt(i)) || Character.isWhitespace(name.charAt(i))) {
        return "the agent name must not contain spaces or control characters";
      }
    }
    return null;
  }
}
