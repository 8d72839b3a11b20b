package dev.fluke.app.client;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.fluke.json.PlainJson;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The API's answers read into the {@link dev.fluke.api.Dto} records with jackson-core's streaming
 * parser ({@link PlainJson}) and the records' own constructors, instead of Jackson's data binding:
 * a client command so loads about 30 classes of JSON instead of about 700, and makes no mapper
 * (docs/performance.md, "The CLI: loading less").
 *
 * <p>It reads what {@link dev.fluke.http.ApiJson}'s mapper reads for the types the API answers
 * with: records by their canonical constructor with snake_case property names (unknown properties
 * ignored, missing ones null, or 0/false for primitives), {@code String}, numbers, booleans, {@code
 * Instant} and {@code Duration} from their ISO-8601 text, enums by their {@code @JsonCreator}
 * factory, else their {@code @JsonValue}, else their name, {@code List}/{@code Set}/{@code
 * Collection}, {@code Map} with string keys, and {@code Object} as the data binding reads it
 * (integers as {@code Integer} when they fit). {@link #supports} says whether a type is made of
 * those only; {@link ApiClient} reads anything else with the data binding. {@code ApiRecordsTest}
 * compares both readers on every answer of the test fleet.
 */
final class ApiRecords {
  private ApiRecords() {}

  /** An answer that does not fit the type: what the data binding would also refuse. */
  static final class Mismatch extends IOException {
    Mismatch(String message) {
      super(message);
    }
  }

  private static final Map<Type, Boolean> SUPPORTED = new ConcurrentHashMap<>();

  /** Whether {@link #read} reads {@code type} (and everything it holds). */
  static boolean supports(Type type) {
    Boolean known = SUPPORTED.get(type);
    if (known == null) {
      known = supports(type, new HashSet<>());
      SUPPORTED.put(type, known);
    }
    return known;
  }

  private static boolean supports(Type type, Set<Type> seen) {
    if (!seen.add(type)) {
      return true;
    }
    if (type instanceof ParameterizedType p) {
      Type raw = p.getRawType();
      Type[] args = p.getActualTypeArguments();
      if (raw == List.class || raw == Collection.class || raw == Set.class) {
        return supports(args[0], seen);
      }
      if (raw == Map.class) {
        return args[0] == String.class && supports(args[1], seen);
      }
      return false;
    }
    if (!(type instanceof Class<?> c)) {
      return false;
    }
    if (scalar(c) || c.isEnum()) {
      return true;
    }
    if (c.isRecord() && !Modifier.isAbstract(c.getModifiers())) {
      for (RecordComponent rc : c.getRecordComponents()) {
        if (!supports(rc.getGenericType(), seen)) {
          return false;
        }
      }
      return true;
    }
    return false;
  }

  private static boolean scalar(Class<?> c) {
    return c == String.class
        || c == Object.class
        || c == Instant.class
        || c == Duration.class
        || c == int.class
        || c == Integer.class
        || c == long.class
        || c == Long.class
        || c == double.class
        || c == Double.class
        || c == boolean.class
        || c == Boolean.class;
  }

  /**
   * The answer {@code json} as a {@code type} that {@link #supports}.
   *
   * @throws IOException when it is not JSON or does not fit the type
   */
  static Object read(String json, Type type) throws IOException {
    return convert(PlainJson.read(json), type, "$");
  }

  private static Object convert(Object v, Type type, String at) throws IOException {
    if (type instanceof ParameterizedType p) {
      Type raw = p.getRawType();
      Type[] args = p.getActualTypeArguments();
      if (v == null) {
        return null;
      }
      if (raw == Map.class) {
        if (!(v instanceof Map<?, ?> m)) {
          throw mismatch(at, "an object", v);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
          out.put((String) e.getKey(), convert(e.getValue(), args[1], at + "." + e.getKey()));
        }
        return out;
      }
      if (!(v instanceof List<?> l)) {
        throw mismatch(at, "an array", v);
      }
      Collection<Object> out = raw == Set.class ? new LinkedHashSet<>() : new ArrayList<>();
      int i = 0;
      for (Object item : l) {
        out.add(convert(item, args[0], at + "[" + i++ + "]"));
      }
      return out;
    }
    if (type instanceof GenericArrayType || type instanceof WildcardType) {
      throw new Mismatch("unsupported type " + type);
    }
    Class<?> c = (Class<?>) type;
    if (v == null) {
      return c.isPrimitive() ? defaultOf(c) : null;
    }
    if (c == Object.class) {
      return plain(v);
    }
    if (c == String.class) {
      if (v instanceof String s) {
        return s;
      }
      if (v instanceof Long || v instanceof Double || v instanceof Boolean) {
        return v.toString();
      }
      throw mismatch(at, "a string", v);
    }
    if (c == int.class || c == Integer.class) {
      long n = whole(v, at);
      if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) {
        throw mismatch(at, "an int", v);
      }
      return (int) n;
    }
    if (c == long.class || c == Long.class) {
      return whole(v, at);
    }
    if (c == double.class || c == Double.class) {
      if (v instanceof Number n) {
        return n.doubleValue();
      }
      throw mismatch(at, "a number", v);
    }
    if (c == boolean.class || c == Boolean.class) {
      if (v instanceof Boolean b) {
        return b;
      }
      throw mismatch(at, "true or false", v);
    }
    if (c == Instant.class) {
      try {
        return Instant.parse(text(v, at));
      } catch (DateTimeParseException e) {
        throw mismatch(at, "an ISO-8601 instant", v);
      }
    }
    if (c == Duration.class) {
      try {
        return Duration.parse(text(v, at));
      } catch (DateTimeParseException e) {
        throw mismatch(at, "an ISO-8601 duration", v);
      }
    }
    if (c.isEnum()) {
      return enumValue(c, text(v, at), at);
    }
    if (c.isRecord()) {
      if (!(v instanceof Map<?, ?> m)) {
        throw mismatch(at, "an object", v);
      }
      return record(c, m, at);
    }
    throw new Mismatch("unsupported type " + c.getName());
  }

  private static Object record(Class<?> c, Map<?, ?> m, String at) throws IOException {
    RecordComponent[] components = c.getRecordComponents();
    Class<?>[] types = new Class<?>[components.length];
    Object[] args = new Object[components.length];
    for (int i = 0; i < components.length; i++) {
      RecordComponent rc = components[i];
      types[i] = rc.getType();
      String name = snakeCase(rc.getName());
      args[i] = convert(m.get(name), rc.getGenericType(), at + "." + name);
    }
    try {
      Constructor<?> constructor = c.getDeclaredConstructor(types);
      constructor.setAccessible(true);
      return constructor.newInstance(args);
    } catch (InvocationTargetException e) {
      throw new Mismatch(at + ": " + e.getCause().getMessage());
    } catch (ReflectiveOperationException e) {
      throw new Mismatch(at + ": cannot make a " + c.getSimpleName() + ": " + e);
    }
  }

  private static Object enumValue(Class<?> c, String text, String at) throws IOException {
    try {
      for (Method m : c.getDeclaredMethods()) {
        if (Modifier.isStatic(m.getModifiers())
            && m.getParameterCount() == 1
            && m.getParameterTypes()[0] == String.class
            && m.isAnnotationPresent(JsonCreator.class)) {
          m.setAccessible(true);
          return m.invoke(null, text);
        }
      }
      for (Method m : c.getDeclaredMethods()) {
        if (!Modifier.isStatic(m.getModifiers())
            && m.getParameterCount() == 0
            && m.isAnnotationPresent(JsonValue.class)) {
          m.setAccessible(true);
          for (Object constant : c.getEnumConstants()) {
            if (text.equals(String.valueOf(m.invoke(constant)))) {
              return constant;
            }
          }
          throw mismatch(at, "one of the values of " + c.getSimpleName(), text);
        }
      }
    } catch (InvocationTargetException e) {
      throw new Mismatch(at + ": " + e.getCause().getMessage());
    } catch (IllegalAccessException e) {
      throw new Mismatch(at + ": " + e);
    }
    for (Object constant : c.getEnumConstants()) {
      if (((Enum<?>) constant).name().equals(text)) {
        return constant;
      }
    }
    throw mismatch(at, "one of the values of " + c.getSimpleName(), text);
  }

  /** A plain value as the data binding reads {@code Object}: integers that fit as Integer. */
  private static Object plain(Object v) {
    if (v instanceof Long n && n >= Integer.MIN_VALUE && n <= Integer.MAX_VALUE) {
      return n.intValue();
    }
    if (v instanceof Map<?, ?> m) {
      Map<Object, Object> out = new LinkedHashMap<>();
      m.forEach((k, x) -> out.put(k, plain(x)));
      return out;
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      l.forEach(x -> out.add(plain(x)));
      return out;
    }
    return v;
  }

  private static long whole(Object v, String at) throws Mismatch {
    if (v instanceof Long n) {
      return n;
    }
    throw mismatch(at, "a whole number", v);
  }

  private static String text(Object v, String at) throws Mismatch {
    if (v instanceof String s) {
      return s;
    }
    throw mismatch(at, "a string", v);
  }

  private static Object defaultOf(Class<?> c) {
    if (c == boolean.class) {
      return false;
    }
    if (c == int.class) {
      return 0;
    }
    if (c == long.class) {
      return 0L;
    }
    return 0.0;
  }

  private static Mismatch mismatch(String at, String expected, Object got) {
    String shown = got instanceof String s ? "'" + s + "'" : String.valueOf(got);
    if (shown.length() > 60) {
      shown = shown.substring(0, 60) + "…";
    }
    return new Mismatch(at + ": expected " + expected + ", got " + shown);
  }

  /** Jackson's {@code PropertyNamingStrategies.SNAKE_CASE}, as it translates a name. */
  static String snakeCase(String name) {
    StringBuilder out = new StringBuilder(name.length() + 4);
    boolean prevTranslated = false;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (i > 0 || c != '_') {
        if (Character.isUpperCase(c)) {
          if (!prevTranslated && out.length() > 0 && out.charAt(out.length() - 1) != '_') {
            out.append('_');
          }
          c = Character.toLowerCase(c);
          prevTranslated = true;
        } else {
          prevTranslated = false;
        }
        out.append(c);
      }
    }
    return out.toString();
  }
}
