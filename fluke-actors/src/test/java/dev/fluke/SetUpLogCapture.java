package dev.fluke;

import ch.qos.logback.classic.Logger;
import java.lang.reflect.Method;
import org.apache.pekko.actor.testkit.typed.internal.CapturingAppender;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.slf4j.LoggerFactory;

/**
 * Prints the captured logs of a set-up method that failed ({@code @BeforeAll},
 * {@code @BeforeEach}). Pekko's {@code LogCapturingExtension} prints them only for a failed test
 * method, so a class whose set-up failed (a cluster that did not form, a manifest that never
 * loaded) showed nothing but the exception. Registered for every test class with it
 * (META-INF/services).
 */
public final class SetUpLogCapture implements InvocationInterceptor {
  @Override
  public void interceptBeforeAllMethod(
      Invocation<Void> invocation,
      ReflectiveInvocationContext<Method> method,
      ExtensionContext context)
      throws Throwable {
    appender().clear(); // what is captured from here on is this class's set-up
    run(invocation, method);
  }

  /** A failed {@code @BeforeEach} prints what was logged since the previous test method began. */
  @Override
  public void interceptBeforeEachMethod(
      Invocation<Void> invocation,
      ReflectiveInvocationContext<Method> method,
      ExtensionContext context)
      throws Throwable {
    run(invocation, method);
  }

  private static void run(Invocation<Void> invocation, ReflectiveInvocationContext<Method> method)
      throws Throwable {
    try {
      invocation.proceed();
    } catch (Throwable failure) {
      String name =
          method.getTargetClass().getName() + "." + method.getExecutable().getName() + " (set-up)";
      System.out.println(
          "--> [" + name + "] Start of log messages of a set-up that failed with " + failure);
      appender().flush();
      System.out.println(
          "<-- [" + name + "] End of log messages of a set-up that failed with " + failure);
      throw failure;
    }
  }

  private static CapturingAppender appender() {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    return (CapturingAppender) root.getAppender("CapturingAppender");
  }
}
