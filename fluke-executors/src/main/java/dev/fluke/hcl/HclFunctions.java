package dev.fluke.hcl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.fluke.hcl.HclFunction.Args;
import dev.fluke.hcl.HclFunction.Failure;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.IllegalFormatException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The functions an HCL file may call. {@link #standard()} is the set available in manifests (a
 * subset of HCL/Terraform's built-ins, same names and semantics); config files add {@code env} with
 * {@link #with}. Immutable: {@code with} returns a new registry.
 */
public final class HclFunctions {
  /**
   * One function.
   *
   * @param maxArgs -1 for any number
   * @param signature as shown in docs and arity errors, e.g. {@code join(separator, list…)}
   */
  public record Def(String name, int minArgs, int maxArgs, String signature, HclFunction impl) {}

  /**
   * Keys in order, as HCL's jsonencode writes objects. In a holder: made on the first jsonencode,
   * not by every configuration parse (an agent parsing agent.hcl loads no data binding).
   */
  private static final class Json {
    static final ObjectMapper MAPPER =
        new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
  }

  private final Map<String, Def> defs;

  private HclFunctions(Map<String, Def> defs) {
    this.defs = Collections.unmodifiableMap(new TreeMap<>(defs));
  }

  public Optional<Def> find(String name) {
    return Optional.ofNullable(defs.get(name));
  }

  /** All function names, sorted. */
  public Set<String> names() {
    return defs.keySet();
  }

  public HclFunctions with(
      String name, int minArgs, int maxArgs, String signature, HclFunction impl) {
    Map<String, Def> more = new TreeMap<>(defs);
    more.put(name, new Def(name, minArgs, maxArgs, signature, impl));
    return new HclFunctions(more);
  }

  private static final HclFunctions STANDARD = buildStandard();

  public static HclFunctions standard() {
    return STANDARD;
  }

  private static HclFunctions buildStandard() {
    Map<String, Def> d = new TreeMap<>();
    // strings
    def(d, "upper", 1, 1, "upper(string)", a -> a.string(0).toUpperCase(Locale.ROOT));
    def(d, "lower", 1, 1, "lower(string)", a -> a.string(0).toLowerCase(Locale.ROOT));
    def(d, "title", 1, 1, "title(string)", a -> title(a.string(0)));
    def(d, "format", 1, -1, "format(spec, values…)", HclFunctions::format);
    def(d, "join", 2, -1, "join(separator, list…)", HclFunctions::join);
    def(d, "split", 2, 2, "split(separator, string)", HclFunctions::split);
    def(d, "trimspace", 1, 1, "trimspace(string)", a -> a.string(0).strip());
    def(d, "trim", 2, 2, "trim(string, characters)", HclFunctions::trim);
    def(
        d,
        "trimprefix",
        2,
        2,
        "trimprefix(string, prefix)",
        a ->
            a.string(0).startsWith(a.string(1))
                ? a.string(0).substring(a.string(1).length())
                : a.string(0));
    def(
        d,
        "trimsuffix",
        2,
        2,
        "trimsuffix(string, suffix)",
        a ->
            a.string(0).endsWith(a.string(1))
                ? a.string(0).substring(0, a.string(0).length() - a.string(1).length())
                : a.string(0));
    def(d, "chomp", 1, 1, "chomp(string)", a -> a.string(0).replaceAll("[\r\n]+$", ""));
    def(d, "replace", 3, 3, "replace(string, search, replacement)", HclFunctions::replace);
    def(d, "substr", 3, 3, "substr(string, offset, length)", HclFunctions::substr);
    def(
        d,
        "strrev",
        1,
        1,
        "strrev(string)",
        a -> new StringBuilder(a.string(0)).reverse().toString());
    def(
        d,
        "startswith",
        2,
        2,
        "startswith(string, prefix)",
        a -> a.string(0).startsWith(a.string(1)));
    def(d, "endswith", 2, 2, "endswith(string, suffix)", a -> a.string(0).endsWith(a.string(1)));
    def(
        d,
        "strcontains",
        2,
        2,
        "strcontains(string, substring)",
        a -> a.string(0).contains(a.string(1)));
    // collections
    def(d, "concat", 1, -1, "concat(list…)", HclFunctions::concat);
    def(d, "merge", 1, -1, "merge(map…)", HclFunctions::merge);
    def(d, "lookup", 2, 3, "lookup(map, key[, default])", HclFunctions::lookup);
    def(d, "coalesce", 1, -1, "coalesce(value…)", HclFunctions::coalesce);
    def(d, "length", 1, 1, "length(string | list | map)", HclFunctions::length);
    def(d, "keys", 1, 1, "keys(map)", a -> List.copyOf(new TreeMap<>(a.map(0)).keySet()));
    def(d, "values", 1, 1, "values(map)", a -> unmodifiableList(new TreeMap<>(a.map(0)).values()));
    def(d, "contains", 2, 2, "contains(list, value)", a -> indexOf(a.list(0), a.value(1)) >= 0);
    def(d, "index", 2, 2, "index(list, value)", HclFunctions::index);
    def(d, "distinct", 1, 1, "distinct(list)", HclFunctions::distinct);
    def(
        d,
        "flatten",
        1,
        1,
        "flatten(list)",
        a -> unmodifiableList(flatten(a.list(0), new ArrayList<>())));
    def(d, "element", 2, 2, "element(list, index)", HclFunctions::element);
    def(
        d,
        "reverse",
        1,
        1,
        "reverse(list)",
        a -> {
          List<Object> l = new ArrayList<>(a.list(0));
          Collections.reverse(l);
          return unmodifiableList(l);
        });
    def(d, "sort", 1, 1, "sort(list of strings)", HclFunctions::sort);
    def(d, "compact", 1, 1, "compact(list)", HclFunctions::compact);
    def(d, "slice", 3, 3, "slice(list, start, end)", HclFunctions::slice);
    def(d, "zipmap", 2, 2, "zipmap(keys, values)", HclFunctions::zipmap);
    // types
    def(d, "tostring", 1, 1, "tostring(value)", HclFunctions::tostring);
    def(d, "tonumber", 1, 1, "tonumber(value)", HclFunctions::tonumber);
    def(d, "tobool", 1, 1, "tobool(value)", HclFunctions::tobool);
    // numbers
    def(d, "min", 1, -1, "min(number…)", a -> minMax(a, true));
    def(d, "max", 1, -1, "max(number…)", a -> minMax(a, false));
    def(
        d,
        "abs",
        1,
        1,
        "abs(number)",
        a ->
            a.number(0) instanceof Long l
                ? (l == Long.MIN_VALUE ? (Object) (-l.doubleValue()) : (Object) Math.abs(l))
                : (Object) Math.abs((Double) a.number(0)));
    def(
        d,
        "ceil",
        1,
        1,
        "ceil(number)",
        a -> Values.normalize(Math.ceil(Values.toDouble(a.number(0)))));
    def(
        d,
        "floor",
        1,
        1,
        "floor(number)",
        a -> Values.normalize(Math.floor(Values.toDouble(a.number(0)))));
    // encoding
    def(d, "jsonencode", 1, 1, "jsonencode(value)", HclFunctions::jsonencode);
    def(
        d,
        "base64encode",
        1,
        1,
        "base64encode(string)",
        a -> Base64.getEncoder().encodeToString(a.string(0).getBytes(StandardCharsets.UTF_8)));
    def(d, "base64decode", 1, 1, "base64decode(string)", HclFunctions::base64decode);
    return new HclFunctions(d);
  }

  private static void def(
      Map<String, Def> d, String name, int min, int max, String sig, HclFunction f) {
    d.put(name, new Def(name, min, max, sig, f));
  }

  private static List<Object> unmodifiableList(java.util.Collection<Object> c) {
    return Collections.unmodifiableList(new ArrayList<>(c));
  }

  // ---- strings

  private static String title(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    boolean start = true;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      sb.append(start ? Character.toTitleCase(c) : c);
      start = !Character.isLetterOrDigit(c);
    }
    return sb.toString();
  }

  private static final Pattern VERB =
      Pattern.compile("%([-+# 0]*)(\\d*)(?:\\.(\\d+))?([a-zA-Z%])?");

  /** Go-style {@code format}: %s %d %f %e %g %t %v %q and %%, with flags, width and precision. */
  private static Object format(Args a) throws Failure {
    String spec = a.string(0);
    StringBuilder out = new StringBuilder();
    int next = 1;
    int i = 0;
    while (i < spec.length()) {
      char c = spec.charAt(i);
      if (c != '%') {
        out.append(c);
        i++;
        continue;
      }
      Matcher m = VERB.matcher(spec);
      m.region(i, spec.length());
      m.lookingAt();
      String verb = m.group(4);
      if (verb == null) {
        throw a.error(0, "the format string ends inside a verb: " + spec.substring(i));
      }
      i = m.end();
      if (verb.equals("%")) {
        out.append('%');
        continue;
      }
      if (next >= a.size()) {
        throw a.error(0, "not enough values for the verbs of the format string");
      }
      int argIndex = next++;
      Object v = a.value(argIndex);
      checkWidth(a, m.group(2), "width");
      checkWidth(a, m.group(3), "precision");
      String javaSpec =
          "%" + m.group(1) + m.group(2) + (m.group(3) == null ? "" : "." + m.group(3));
      Object arg;
      String javaVerb;
      switch (verb) {
        case "s" -> {
          arg = a.string(argIndex);
          javaVerb = "s";
        }
        case "d" -> {
          arg = a.integer(argIndex);
          javaVerb = "d";
        }
        case "f", "e", "g" -> {
          arg = Values.toDouble(a.number(argIndex));
          javaVerb = verb;
        }
        case "t" -> {
          arg = a.bool(argIndex);
          javaVerb = "s";
        }
        case "v" -> {
          String s = Values.primitiveToString(v);
          arg = s != null ? s : json(a, argIndex, v);
          javaVerb = "s";
        }
        case "q" -> {
          arg = json(a, argIndex, a.string(argIndex));
          javaVerb = "s";
        }
        default ->
            throw a.error(
                0, "unsupported verb %" + verb + "; supported: %s %d %f %e %g %t %v %q %%");
      }
      try {
        out.append(String.format(Locale.ROOT, javaSpec + javaVerb, arg));
      } catch (IllegalFormatException e) {
        throw a.error(
            0, "bad verb " + spec.substring(m.start(), m.end()) + " for a " + Values.typeName(v));
      }
      a.checkSize(out.length(), 0);
    }
    if (next < a.size()) {
      throw a.error(
          next,
          "too many values: the format string uses " + (next - 1) + ", got " + (a.size() - 1));
    }
    return out.toString();
  }

  /** Width and precision are bounded: {@code %.999999999f} would build a gigabyte string. */
  private static void checkWidth(Args a, String digits, String what) throws Failure {
    if (digits == null || digits.isEmpty()) {
      return;
    }
    int max = a.limits().maxFormatWidth();
    if (digits.length() > 9 || Integer.parseInt(digits) > max) {
      throw a.error(0, "the " + what + " " + digits + " is too large: at most " + max);
    }
  }

  private static Object join(Args a) throws Failure {
    String sep = a.string(0);
    List<String> parts = new ArrayList<>();
    long length = 0;
    for (int i = 1; i < a.size(); i++) {
      for (Object item : a.list(i)) {
        String s = Values.primitiveToString(item);
        if (s == null) {
          throw a.error(i, "the list must hold strings, found a " + Values.typeName(item));
        }
        length += s.length() + (parts.isEmpty() ? 0 : sep.length());
        a.checkSize(length, i);
        parts.add(s);
      }
    }
    return String.join(sep, parts);
  }

  private static Object split(Args a) throws Failure {
    String sep = a.string(0);
    String s = a.string(1);
    List<Object> out = new ArrayList<>();
    if (sep.isEmpty()) {
      a.checkSize(2L * s.length(), 1);
      s.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
    } else {
      Collections.addAll(out, (Object[]) s.split(Pattern.quote(sep), -1));
    }
    return Collections.unmodifiableList(out);
  }

  private static Object trim(Args a) throws Failure {
    String s = a.string(0);
    String chars = a.string(1);
    int start = 0;
    int end = s.length();
    while (start < end && chars.indexOf(s.charAt(start)) >= 0) {
      start++;
    }
    while (end > start && chars.indexOf(s.charAt(end - 1)) >= 0) {
      end--;
    }
    return s.substring(start, end);
  }

  /**
   * Plain substring replacement, or a regular expression when {@code search} is {@code /…/}. The
   * result is built step by step and checked against the size limit as it grows; a regular
   * expression's work (the characters it looks at, backtracking included) counts against the
   * evaluation budget, so {@code /(a+)+$/} cannot hang the reader.
   */
  private static Object replace(Args a) throws Failure {
    String s = a.string(0);
    String search = a.string(1);
    String replacement = a.string(2);
    StringBuilder out = new StringBuilder();
    if (search.length() >= 2 && search.startsWith("/") && search.endsWith("/")) {
      Pattern pattern;
      try {
        pattern = Pattern.compile(search.substring(1, search.length() - 1));
      } catch (PatternSyntaxException e) {
        throw a.error(1, "bad regular expression " + search + ": " + e.getDescription());
      }
      CountingChars text = new CountingChars(s, a);
      try {
        Matcher m = pattern.matcher(text);
        while (m.find()) {
          m.appendReplacement(out, replacement);
          a.checkSize(out.length(), 0);
        }
        m.appendTail(out);
      } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
        throw a.error(2, "bad replacement " + replacement + ": " + e.getMessage());
      } catch (CountingChars.Exhausted e) {
        throw Failure.alreadyReported();
      }
      a.checkSize(out.length(), 0);
      return out.toString();
    }
    if (search.isEmpty()) {
      a.checkSize((long) s.length() + (long) (s.length() + 1) * replacement.length(), 0);
      return s.replace(search, replacement);
    }
    int from = 0;
    for (int at = s.indexOf(search); at >= 0; at = s.indexOf(search, from)) {
      out.append(s, from, at).append(replacement);
      a.checkSize(out.length(), 0);
      from = at + search.length();
    }
    out.append(s, from, s.length());
    a.checkSize(out.length(), 0);
    return out.toString();
  }

  /**
   * The text a regular expression runs on, counting every character it reads against the evaluation
   * budget (in batches).
   */
  private static final class CountingChars implements CharSequence {
    /** Thrown through the regex engine when the budget is exhausted (already reported). */
    static final class Exhausted extends RuntimeException {
      Exhausted() {
        super(null, null, false, false);
      }
    }

    private static final int BATCH = 4096;
    private final String s;
    private final Args args;
    private int reads;

    CountingChars(String s, Args args) {
      this.s = s;
      this.args = args;
    }

    @Override
    public char charAt(int index) {
      if (++reads == BATCH) {
        reads = 0;
        try {
          args.charge(BATCH);
        } catch (Failure f) {
          throw new Exhausted();
        }
      }
      return s.charAt(index);
    }

    @Override
    public int length() {
      return s.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return s.subSequence(start, end);
    }

    @Override
    public String toString() {
      return s;
    }
  }

  /**
   * {@code substr(string, offset, length)}: a negative offset counts from the end, a negative
   * length means "to the end". Offsets and lengths of any size are clamped, never overflow.
   */
  private static Object substr(Args a) throws Failure {
    int[] cps = a.string(0).codePoints().toArray();
    long offset = a.integer(1);
    long length = a.integer(2);
    if (offset < 0) {
      offset += cps.length;
    }
    if (offset < 0 || offset > cps.length) {
      throw a.error(1, "offset " + a.integer(1) + " is outside the string of length " + cps.length);
    }
    long available = cps.length - offset;
    long count = length < 0 ? available : Math.min(available, length);
    return new String(cps, (int) offset, (int) count);
  }

  // ---- collections

  private static Object concat(Args a) throws Failure {
    long total = 0;
    for (int i = 0; i < a.size(); i++) {
      total += a.list(i).size();
      a.checkSize(total, i);
    }
    List<Object> out = new ArrayList<>((int) total);
    for (int i = 0; i < a.size(); i++) {
      out.addAll(a.list(i));
    }
    return Collections.unmodifiableList(out);
  }

  private static Object merge(Args a) throws Failure {
    Map<String, Object> out = new LinkedHashMap<>();
    for (int i = 0; i < a.size(); i++) {
      if (a.value(i) == null) {
        continue;
      }
      out.putAll(a.map(i));
    }
    return Collections.unmodifiableMap(out);
  }

  private static Object lookup(Args a) throws Failure {
    Map<String, Object> m = a.map(0);
    String key = a.string(1);
    if (m.containsKey(key)) {
      return m.get(key);
    }
    if (a.size() == 3) {
      return a.value(2);
    }
    throw a.error(
        1,
        "no key \""
            + key
            + "\" in the map (keys: "
            + String.join(", ", new TreeMap<>(m).keySet())
            + "); give a default as the third argument");
  }

  private static Object coalesce(Args a) throws Failure {
    for (Object v : a.all()) {
      if (v != null && !"".equals(v)) {
        return v;
      }
    }
    throw a.error(-1, "all arguments are null or empty strings");
  }

  private static Object length(Args a) throws Failure {
    Object v = a.value(0);
    if (v instanceof String s) {
      return (long) s.codePointCount(0, s.length());
    }
    if (v instanceof List<?> l) {
      return (long) l.size();
    }
    if (v instanceof Map<?, ?> m) {
      return (long) m.size();
    }
    throw a.error(0, "argument 1 must be a string, list or map, got " + Values.typeName(v));
  }

  private static int indexOf(List<Object> list, Object v) {
    for (int i = 0; i < list.size(); i++) {
      if (Values.equal(list.get(i), v)) {
        return i;
      }
    }
    return -1;
  }

  private static Object index(Args a) throws Failure {
    int i = indexOf(a.list(0), a.value(1));
    if (i < 0) {
      throw a.error(1, "the value is not in the list");
    }
    return (long) i;
  }

  private static Object distinct(Args a) throws Failure {
    List<Object> out = new ArrayList<>();
    java.util.Set<Object> seen = new java.util.HashSet<>();
    for (Object v : a.list(0)) {
      if (seen.add(Values.hashKey(v))) {
        out.add(v);
      }
    }
    return Collections.unmodifiableList(out);
  }

  private static List<Object> flatten(List<?> in, List<Object> out) {
    for (Object v : in) {
      if (v instanceof List<?> l) {
        flatten(l, out);
      } else {
        out.add(v);
      }
    }
    return out;
  }

  private static Object element(Args a) throws Failure {
    List<Object> l = a.list(0);
    long i = a.integer(1);
    if (l.isEmpty()) {
      throw a.error(0, "the list is empty");
    }
    if (i < 0) {
      throw a.error(1, "the index must not be negative");
    }
    return l.get((int) (i % l.size()));
  }

  private static Object sort(Args a) throws Failure {
    List<String> out = new ArrayList<>();
    for (Object v : a.list(0)) {
      String s = Values.primitiveToString(v);
      if (s == null) {
        throw a.error(0, "the list must hold strings, found a " + Values.typeName(v));
      }
      out.add(s);
    }
    Collections.sort(out);
    return List.copyOf(out);
  }

  private static Object compact(Args a) throws Failure {
    List<Object> out = new ArrayList<>();
    for (Object v : a.list(0)) {
      if (v != null && !"".equals(v)) {
        out.add(v);
      }
    }
    return Collections.unmodifiableList(out);
  }

  private static Object slice(Args a) throws Failure {
    List<Object> l = a.list(0);
    long start = a.integer(1);
    long end = a.integer(2);
    if (start < 0 || start > l.size()) {
      throw a.error(1, "start " + start + " is outside the list of length " + l.size());
    }
    if (end < start || end > l.size()) {
      throw a.error(2, "end " + end + " must be between start and the list's length " + l.size());
    }
    return Collections.unmodifiableList(new ArrayList<>(l.subList((int) start, (int) end)));
  }

  private static Object zipmap(Args a) throws Failure {
    List<Object> keys = a.list(0);
    List<Object> values = a.list(1);
    if (keys.size() != values.size()) {
      throw a.error(
          1,
          "the lists have different lengths ("
              + keys.size()
              + " keys, "
              + values.size()
              + " values)");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      String k = Values.primitiveToString(keys.get(i));
      if (k == null) {
        throw a.error(0, "keys must be strings, found a " + Values.typeName(keys.get(i)));
      }
      out.put(k, values.get(i));
    }
    return Collections.unmodifiableMap(out);
  }

  // ---- types and numbers

  private static Object tostring(Args a) throws Failure {
    Object v = a.value(0);
    if (v == null) {
      return null;
    }
    String s = Values.primitiveToString(v);
    if (s == null) {
      throw a.error(0, "cannot convert a " + Values.typeName(v) + " to a string (jsonencode can)");
    }
    return s;
  }

  private static Object tonumber(Args a) throws Failure {
    Object v = a.value(0);
    if (v == null || Values.isNumber(v)) {
      return v;
    }
    if (v instanceof String s) {
      try {
        if (s.matches("-?\\d+")) {
          return Long.parseLong(s);
        }
        if (s.matches("-?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?")) {
          double d = Double.parseDouble(s);
          if (!Double.isInfinite(d)) {
            return Values.normalize(d);
          }
        }
      } catch (NumberFormatException e) {
        // falls through to the error below
      }
      throw a.error(0, "cannot convert \"" + s + "\" to a number");
    }
    throw a.error(0, "cannot convert a " + Values.typeName(v) + " to a number");
  }

  private static Object tobool(Args a) throws Failure {
    Object v = a.value(0);
    if (v == null || v instanceof Boolean) {
      return v;
    }
    if ("true".equals(v)) {
      return Boolean.TRUE;
    }
    if ("false".equals(v)) {
      return Boolean.FALSE;
    }
    throw a.error(
        0,
        "cannot convert "
            + (v instanceof String s ? "\"" + s + "\"" : "a " + Values.typeName(v))
            + " to a bool (expected true or false)");
  }

  private static Object minMax(Args a, boolean min) throws Failure {
    Object best = a.number(0);
    for (int i = 1; i < a.size(); i++) {
      Object v = a.number(i);
      double cmp = Values.toDouble(v) - Values.toDouble(best);
      if (min ? cmp < 0 : cmp > 0) {
        best = v;
      }
    }
    return best;
  }

  // ---- encoding

  private static String json(Args a, int i, Object v) throws Failure {
    try {
      return Json.MAPPER.writeValueAsString(v);
    } catch (JsonProcessingException e) {
      throw a.error(i, "cannot encode the value as JSON: " + e.getOriginalMessage());
    }
  }

  private static Object jsonencode(Args a) throws Failure {
    return json(a, 0, a.value(0));
  }

  private static Object base64decode(Args a) throws Failure {
    try {
      byte[] bytes = Base64.getDecoder().decode(a.string(0));
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw a.error(0, "not valid base64: " + e.getMessage());
    }
  }
}
