package dev.errand.spring.internal;

import dev.errand.spring.ErrandHandler;
import dev.errand.spring.ErrandSchedule;
import java.lang.reflect.Method;

/**
 * One {@link ErrandHandler} method found on a bean, with its {@link ErrandSchedule} if it has one (else
 * null). Internal: not public API.
 */
public record HandlerMethod(String beanName, Method method, ErrandHandler handler, ErrandSchedule schedule) {
  /** The method as a reader finds it in an error message: {@code bean 'mailer': Mailer.send}. */
  public String describe() {
    return "bean '" + beanName + "': " + method.getDeclaringClass().getSimpleName() + "." + method.getName();
  }
}
